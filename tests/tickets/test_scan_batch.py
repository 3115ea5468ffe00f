"""Offline scans uploaded later: judged at scanned_at, idempotent, conflicts flagged."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.database import utcnow
from tests import factories
from tests.tickets.test_scan_support import assign, payload_for, sell, trip_departing
from app.ticketing.scan_models import Scan, ScanConflict


def upload(client, headers, trip, device, scans):
    return client.post(f"/api/v1/driver/trips/{trip.id}/scans:batch",
                       json={"device_id": device, "scans": scans}, headers=headers)


def item(nonce, when, payload=None, code=None):
    entry = {"nonce": nonce, "scanned_at": when.isoformat()}
    entry.update({"qr_payload": payload} if payload is not None else {"short_code": code})
    return entry


def past_trip(world):
    """Left 8 hours ago: its tickets expired 1.5 hours ago (arrival + grace)."""
    trip = trip_departing(world, utcnow().replace(microsecond=0) - timedelta(hours=8))
    assign(world.driver, trip)
    return trip


def test_offline_scan_is_judged_at_its_scanned_at(client, world, auth_headers, db):
    trip = past_trip(world)
    ticket, late = sell(world, trip, names=["Amani Baraka", "Neema Chebet"])
    before_departure = trip.departure_at - timedelta(minutes=10)
    response = upload(client, auth_headers(world.driver), trip, "dev-A", [
        item("a1", before_departure, payload=payload_for(ticket)),
        item("a2", utcnow(), code=late.short_code),  # scanned just now: too late
    ])
    assert response.status_code == 200
    first, second = response.get_json()["results"]
    assert (first["nonce"], first["result"]) == ("a1", "valid")
    assert first["scanned_at"] == before_departure.isoformat()
    assert (second["nonce"], second["result"]) == ("a2", "expired")
    db.session.expire_all()
    assert ticket.status == "used" and ticket.status_changed_at == before_departure


def test_batch_is_ordered_by_scanned_at_and_answers_in_sent_order(client, world, auth_headers):
    trip = past_trip(world)
    ticket = sell(world, trip)[0]
    t0 = trip.departure_at - timedelta(minutes=20)
    results = upload(client, auth_headers(world.driver), trip, "dev-A", [
        item("later", t0 + timedelta(minutes=5), code=ticket.short_code),
        item("earlier", t0, payload=payload_for(ticket)),
    ]).get_json()["results"]
    assert [(r["nonce"], r["result"]) for r in results] == [("later", "already_used"), ("earlier", "valid")]
    assert results[0]["conflict"] is False  # the same device saw both


def test_same_ticket_on_two_devices_is_a_conflict_for_the_carrier(client, world, auth_headers, db):
    trip = past_trip(world)
    ticket = sell(world, trip)[0]
    other_driver = factories.make_user("driver", carrier=world.carrier)
    db.session.commit()
    assign(other_driver, trip)
    t0 = trip.departure_at - timedelta(minutes=15)
    a = upload(client, auth_headers(world.driver), trip, "dev-A", [item("x", t0, payload=payload_for(ticket))])
    assert a.get_json()["results"][0]["result"] == "valid"
    b_scans = [item("x", t0 + timedelta(minutes=2), code=ticket.short_code)]  # same nonce, other device
    b = upload(client, auth_headers(other_driver), trip, "dev-B", b_scans).get_json()["results"][0]
    assert b["result"] == "already_used" and b["conflict"] is True
    assert b["first_use"]["device_id"] == "dev-A"

    # Re-uploading (a lost response) changes nothing.
    again = upload(client, auth_headers(other_driver), trip, "dev-B", b_scans).get_json()["results"][0]
    assert again["replayed"] is True and again["conflict"] is True
    assert db.session.scalar(select(func.count(ScanConflict.id))) == 1
    assert db.session.scalar(select(func.count(Scan.id))) == 2

    listed = client.get(f"/api/v1/carriers/{world.carrier.id}/scan-conflicts", headers=auth_headers(world.admin))
    assert listed.status_code == 200
    (conflict,) = listed.get_json()
    assert conflict["ticket_id"] == ticket.id and conflict["seat"] == ticket.seat
    assert (conflict["first"]["device_id"], conflict["second"]["device_id"]) == ("dev-A", "dev-B")
    assert conflict["first"]["scanned_at"] == t0.isoformat()

    outsider = factories.make_user("carrier_admin", carrier=factories.make_carrier("Other"))
    db.session.commit()
    url = f"/api/v1/carriers/{world.carrier.id}/scan-conflicts"
    assert client.get(url, headers=auth_headers(outsider)).status_code == 404
    assert client.get(url, headers=auth_headers(world.driver)).status_code == 403


def test_batch_access_and_validation(client, world, auth_headers, db):
    trip = past_trip(world)
    stranger = factories.make_user("driver", carrier=factories.make_carrier("Other"))
    db.session.commit()
    good = [item("n", trip.departure_at, code="8Z2K4M7QX4")]
    assert upload(client, auth_headers(stranger), trip, "d", good).status_code == 404
    assert upload(client, auth_headers(world.passenger), trip, "d", good).status_code == 403
    bad = upload(client, auth_headers(world.driver), trip, "d", [{"nonce": "n", "short_code": "X"}])
    assert bad.status_code == 422 and "scans" in bad.get_json()["errors"]
    assert upload(client, auth_headers(world.driver), trip, "d", []).status_code == 422
