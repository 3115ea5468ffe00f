"""How many SQL statements a trip search costs, with the catalog cache on as in production.

Why a test: search is the most frequent request there is, and each USSD "which day" step
makes one (issue 17). The places typed, a route's longest offset, the fares and the price
rules listed are kept for seconds; the trips, their legs and the seats taken on each are
one statement. Statements, not time: nothing here is timed.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.catalog import cache
from tests.booking.conftest import order_body
from tests.catalog.conftest import local_day
from tests.catalog.test_search import search
from tests.factories import make_trip
from tests.sales.test_statement_counts import Counter

COLD_MAX = 6  # origin, destination, longest offset, the trips, fares, price rules
WARM_MAX = 1  # the trips with their legs and seats taken


@pytest.fixture
def app_settings():
    return {"CATALOG_CACHE_SECONDS": 10}


def test_a_warm_search_is_one_statement_and_still_counts_a_seat_just_held(client, db, world, auth_headers):
    cache.forget()
    make_trip(world.route, world.vehicle, world.trip.departure_at + timedelta(hours=6))
    db.session.commit()
    counter = Counter(db.engine)
    try:
        cold, cold_statements = counter.during(lambda: search(client, "Nairobi", "Eldoret", local_day(1)))
        warm, warm_statements = counter.during(lambda: search(client, "Nairobi", "Eldoret", local_day(1)))
        held = client.post("/api/v1/orders", json=order_body(world), headers=auth_headers(world.passenger))
        assert held.status_code == 201, held.get_json()
        after, after_statements = counter.during(lambda: search(client, "Nairobi", "Eldoret", local_day(1)))
    finally:
        counter.close()
        cache.forget()
    assert cold.status_code == warm.status_code == after.status_code == 200
    assert len(cold.get_json()) == 2 and warm.get_json() == cold.get_json()
    assert len(cold_statements) <= COLD_MAX, "\n".join(cold_statements)
    assert len(warm_statements) <= WARM_MAX, "\n".join(warm_statements)
    assert len(after_statements) <= WARM_MAX, "\n".join(after_statements)
    left = {offer["trip_id"]: offer["seats_left"] for offer in after.get_json()}
    assert left[world.trip.id] == world.vehicle.seat_count - 1
