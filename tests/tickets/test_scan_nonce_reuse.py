"""A nonce names one scan: the same ``(device_id, nonce)`` with another ticket is refused.

Break 8 of issue 14: a replayed scan carrying a different ticket got the first ticket's
answer ("valid"), so a driver saw a second passenger reported boarded who was not.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.ticketing.scan_models import Scan
from tests.tickets.test_scan_batch import item, upload
from tests.tickets.test_scan_support import (  # noqa: F401 - boarding_trip is a fixture
    boarding_trip, payload_for, scan, sell,
)


def _problem(response, status, slug):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"] == f"/problems/{slug}"


def test_same_nonce_with_another_ticket_is_refused_and_boards_nothing(client, world, auth_headers,
                                                                      boarding_trip, db):
    first, second = sell(world, boarding_trip, names=["Amani Baraka", "Neema Chebet"])
    headers = auth_headers(world.driver)
    assert scan(client, headers, boarding_trip, payload=payload_for(first), nonce_="n1").get_json()["result"] == "valid"

    _problem(scan(client, headers, boarding_trip, payload=payload_for(second), nonce_="n1"), 409, "nonce-reused")
    _problem(scan(client, headers, boarding_trip, code=second.short_code, nonce_="n1"), 409, "nonce-reused")
    db.session.expire_all()
    assert (first.status, second.status) == ("used", "valid")
    assert db.session.scalar(select(func.count(Scan.id))) == 1

    # The genuine retry still gets its first answer, and the second ticket boards on its own nonce.
    retry = scan(client, headers, boarding_trip, payload=payload_for(first), nonce_="n1").get_json()
    assert (retry["result"], retry["replayed"], retry["ticket"]["id"]) == ("valid", True, first.id)
    fresh = scan(client, headers, boarding_trip, payload=payload_for(second), nonce_="n2").get_json()
    assert (fresh["result"], fresh["ticket"]["id"]) == ("valid", second.id)


def test_same_nonce_with_another_trip_is_refused(client, world, auth_headers, boarding_trip):
    ticket = sell(world, boarding_trip)[0]
    headers = auth_headers(world.driver)
    scan(client, headers, boarding_trip, code="ABCDE-FGHJK", nonce_="n1")  # an unknown code, refused
    _problem(scan(client, headers, boarding_trip, code=ticket.short_code, nonce_="n1"), 409, "nonce-reused")


def test_a_batch_reusing_a_nonce_for_another_ticket_is_refused(client, world, auth_headers, boarding_trip, db):
    first, second = sell(world, boarding_trip, names=["Amani Baraka", "Neema Chebet"])
    headers = auth_headers(world.driver)
    when = boarding_trip.departure_at - timedelta(minutes=5)
    assert upload(client, headers, boarding_trip, "dev-A", [item("b1", when, payload=payload_for(first))]
                  ).get_json()["results"][0]["result"] == "valid"
    _problem(upload(client, headers, boarding_trip, "dev-A", [item("b1", when, payload=payload_for(second))]),
             409, "nonce-reused")
    db.session.expire_all()
    assert second.status == "valid"
