"""Seats per leg under real concurrency (PostgreSQL only), in pretix's way.

200 buyers on a 49-seat coach over 6 stops, each on a random leg, half naming a random
seat and half taking the automatic one (as USSD and SMS do), all at once through the real
``create_order``. First without the guard (the primary key of ``seat_segments`` dropped):
two passengers end on one seat and segment. Then with it: never, and the sales are
exactly those the legs allow (every refusal is explained by a sale that overlaps it).
The checks are queries over the holds and orders afterwards, not the code's own answers.
"""
from __future__ import annotations

import random
import threading
from datetime import time

import pytest
from sqlalchemy import delete, select, text

from app.auth.models import User
from app.booking.models import SeatHold, SeatSegment
from app.booking.service import create_order
from app.errors import Conflict
from app.extensions import db as tdb
from app.extensions import unit_of_work
from tests import factories

pytestmark = pytest.mark.postgres_only
BUYERS, WORKERS, SEATS, STOPS = 200, 20, 49, 6
GUARD = "pk_seat_segments"

# Every active hold with its leg as route positions, then each pair sharing a seat and a segment.
ACTIVE_LEGS = """
WITH active AS (
  SELECT h.order_id, h.seat, ro.position AS start_at, rd.position AS end_at
  FROM seat_holds h JOIN orders o ON o.id = h.order_id JOIN trips t ON t.id = h.trip_id
  JOIN route_stops ro ON ro.route_id = t.route_id AND ro.stop_id = o.origin_stop_id
  JOIN route_stops rd ON rd.route_id = t.route_id AND rd.stop_id = o.destination_stop_id
  WHERE h.trip_id = :trip_id AND h.status IN ('held', 'converted'))
"""
DOUBLE_SALES = ACTIVE_LEGS + """
SELECT count(*) FROM active a JOIN active b
  ON a.seat = b.seat AND a.order_id < b.order_id AND a.start_at < b.end_at AND b.start_at < a.end_at
"""


@pytest.fixture
def busy_app(make_app):
    return make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": WORKERS + 5, "max_overflow": 5})


@pytest.fixture
def line(db):
    """Six stops, a 49-seat coach, a standard fare for each of the 15 legs; 200 buyers and their wishes."""
    carrier = factories.make_carrier()
    stops = [factories.make_stop(carrier, f"Town {n}", code=f"T{n}") for n in range(STOPS)]
    route = factories.make_route(carrier, [(stop, 60 * n) for n, stop in enumerate(stops)], code="SIX")
    vehicle = factories.make_vehicle(carrier, seats=SEATS)
    trip = factories.make_trip(route, vehicle, factories.local_departure(2, time(9, 0)))
    for a in range(STOPS):
        for b in range(a + 1, STOPS):
            factories.make_fare(route, stops[a], stops[b], 10000 * (b - a))
    users = [factories.make_user().id for _ in range(BUYERS)]
    db.session.commit()
    pick = random.Random(16)
    wishes = []
    for n in range(BUYERS):
        a, b = sorted(pick.sample(range(STOPS), 2))
        seat = pick.choice(vehicle.seat_layout) if n % 2 == 0 else None  # even: named seat; odd: automatic
        wishes.append({"user": users[n], "start": a, "end": b, "origin": stops[a].id, "destination": stops[b].id,
                       "seat": seat})
    return trip.id, list(vehicle.seat_layout), wishes


def _buy_all(app, trip_id, wishes):
    """WORKERS threads, each with its own session, start together and buy their share of the wishes."""
    results: list = [None] * len(wishes)
    barrier = threading.Barrier(WORKERS)

    def worker(k):
        with app.app_context():
            barrier.wait()
            for n in range(k, len(wishes), WORKERS):
                wish = wishes[n]
                try:
                    user = tdb.session.get(User, wish["user"])
                    order = unit_of_work(lambda: create_order(
                        user, trip_id=trip_id, origin_stop_id=wish["origin"],
                        destination_stop_id=wish["destination"],
                        passengers=[{"fare_class": "standard", "seat": wish["seat"]}]))
                    results[n] = ("sold", order.items[0].seat)
                except Conflict as exc:
                    results[n] = (exc.slug, None)
                except Exception as exc:  # collected, asserted by the test
                    results[n] = ("error", repr(exc))
                finally:
                    tdb.session.remove()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _active(db, trip_id):
    rows = db.session.execute(text(ACTIVE_LEGS + "SELECT order_id, seat, start_at, end_at FROM active"),
                              {"trip_id": trip_id}).all()
    return [(seat, start, end) for _order, seat, start, end in rows]


def test_without_the_key_two_passengers_end_on_one_seat_and_segment(busy_app, line, db):
    trip_id, _layout, wishes = line
    db.session.execute(text(f"ALTER TABLE seat_segments DROP CONSTRAINT {GUARD}"))
    db.session.commit()
    try:
        results = _buy_all(busy_app, trip_id, wishes)
        assert not [r for r in results if r[0] == "error"], results
        assert db.session.scalar(text(DOUBLE_SALES), {"trip_id": trip_id}) > 0
    finally:
        db.session.rollback()
        db.session.execute(delete(SeatSegment))
        db.session.execute(delete(SeatHold))
        db.session.execute(text(f"ALTER TABLE seat_segments ADD CONSTRAINT {GUARD} PRIMARY KEY (trip_id, segment, seat)"))
        db.session.commit()


def test_200_buyers_on_random_legs_get_exactly_what_the_legs_allow(busy_app, line, db):
    trip_id, layout, wishes = line
    results = _buy_all(busy_app, trip_id, wishes)
    assert not [r for r in results if r[0] not in ("sold", "seat-taken", "sold-out")], results

    assert db.session.scalar(text(DOUBLE_SALES), {"trip_id": trip_id}) == 0  # never two on one seat and segment
    active = _active(db, trip_id)
    sold = [(seat, wish["start"], wish["end"]) for (outcome, seat), wish in zip(results, wishes) if outcome == "sold"]
    assert sorted(active) == sorted(sold)  # every answer "sold" is a hold, and nothing else is

    def overlapping(seat, start, end):
        return any(s == seat and a < end and start < b for s, a, b in active)

    for (outcome, _seat), wish in zip(results, wishes):
        if outcome == "seat-taken":  # the named seat really was sold on an overlapping leg
            assert overlapping(wish["seat"], wish["start"], wish["end"]), wish
        if outcome == "sold-out":  # every seat really was sold on an overlapping leg
            assert all(overlapping(seat, wish["start"], wish["end"]) for seat in layout), wish
    assert sum(1 for r in results if r[0] == "sold") > SEATS  # seats were sold again on later legs
    segments = db.session.scalar(select(tdb.func.count()).select_from(SeatSegment).where(SeatSegment.trip_id == trip_id))
    assert segments == sum(end - start for _seat, start, end in active)
