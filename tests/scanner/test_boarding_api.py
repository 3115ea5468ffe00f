"""The API the scanner page adds: undoing a boarding, and offline scans of revoked tickets reported to the carrier as conflicts."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.database import utcnow
from app.extensions import db
from tests import factories
from tests.tickets.test_scan_support import (  # noqa: F401 (fixture)
    assign, boarding_trip, nonce, payload_for, scan, sell, trip_departing,
)
from app.ticketing.transitions import transition_ticket
from app.ticketing.models import Ticket
from app.ticketing.scan_models import Scan, ScanConflict


def test_undo_boarding_records_who_and_when_and_the_ticket_boards_again(client, world, auth_headers, boarding_trip):
    headers = auth_headers(world.driver)
    (ticket,) = sell(world, boarding_trip)
    payload = payload_for(ticket)
    assert scan(client, headers, boarding_trip, payload=payload).get_json()["result"] == "valid"

    url = f"/api/v1/driver/trips/{boarding_trip.id}/boardings/{ticket.id}/undo"
    undone = client.post(url, json={"device_id": "phone-1"}, headers=headers)
    assert undone.status_code == 200, undone.get_json()
    body = undone.get_json()
    assert body["status"] == "valid" and body["undone_by"] == world.driver.id and body["undone_at"]
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "valid"
    first = db.session.scalar(select(Scan).where(Scan.ticket_id == ticket.id))
    assert first.undone_by_id == world.driver.id and first.result == "valid"

    # Undone twice: nothing to undo, a clear 409, nothing changes.
    again = client.post(url, json={"device_id": "phone-1"}, headers=headers)
    assert again.status_code == 409 and again.get_json()["type"].endswith("not-boarded")

    # The ticket boards again, and the rescan after it is "already used".
    assert scan(client, headers, boarding_trip, payload=payload).get_json()["result"] == "valid"
    assert scan(client, headers, boarding_trip, payload=payload).get_json()["result"] == "already_used"
    assert db.session.scalar(select(db.func.count()).select_from(Scan).where(
        Scan.ticket_id == ticket.id, Scan.result == "valid")) == 2


def test_undo_access_and_unknown_boarding(client, world, auth_headers, boarding_trip):
    (ticket,) = sell(world, boarding_trip)
    scan(client, auth_headers(world.driver), boarding_trip, payload=payload_for(ticket))
    url = f"/api/v1/driver/trips/{boarding_trip.id}/boardings/{ticket.id}/undo"
    other_driver = factories.make_user("driver", carrier=world.carrier, phone="+254700000009")
    db.session.commit()
    assert client.post(url, json={"device_id": "x"}, headers=auth_headers(other_driver)).status_code == 403
    assert client.post(url, json={}, headers=auth_headers(world.driver)).status_code == 422
    missing = f"/api/v1/driver/trips/{boarding_trip.id}/boardings/999999/undo"
    assert client.post(missing, json={"device_id": "x"}, headers=auth_headers(world.driver)).status_code == 404
    # the carrier admin may undo (a gate agent at a terminal)
    assert client.post(url, json={"device_id": "x"}, headers=auth_headers(world.admin)).status_code == 200


def test_offline_valid_scan_of_a_ticket_cancelled_meanwhile_is_a_conflict_for_the_carrier(
        client, world, auth_headers, boarding_trip):
    (ticket,) = sell(world, boarding_trip)
    payload = payload_for(ticket)
    transition_ticket(ticket, "cancelled", actor="system:test", reason="given back")
    db.session.commit()
    when = (utcnow() - timedelta(minutes=1)).isoformat()
    answer = client.post(
        f"/api/v1/driver/trips/{boarding_trip.id}/scans:batch", headers=auth_headers(world.driver),
        json={"device_id": "bus-phone", "scans": [
            {"nonce": nonce(), "qr_payload": payload, "scanned_at": when, "device_result": "valid"},
            # a device that already turned the passenger away: no conflict
            {"nonce": nonce(), "qr_payload": payload, "scanned_at": when, "device_result": "cancelled"},
        ]},
    ).get_json()["results"]
    assert [(r["result"], r["conflict"]) for r in answer] == [("cancelled", True), ("cancelled", False)]
    conflicts = client.get(f"/api/v1/carriers/{world.carrier.id}/scan-conflicts",
                           headers=auth_headers(world.admin)).get_json()
    assert len(conflicts) == 1
    assert conflicts[0]["kind"] == "boarded_revoked" and conflicts[0]["first"] is None
    assert conflicts[0]["ticket_id"] == ticket.id and conflicts[0]["second"]["device_id"] == "bus-phone"
    assert db.session.scalar(select(db.func.count()).select_from(ScanConflict)) == 1


def test_device_result_must_be_a_scan_result(client, world, auth_headers, boarding_trip):
    (ticket,) = sell(world, boarding_trip)
    answer = client.post(
        f"/api/v1/driver/trips/{boarding_trip.id}/scans:batch", headers=auth_headers(world.driver),
        json={"device_id": "bus-phone", "scans": [{"nonce": nonce(), "qr_payload": payload_for(ticket),
                                                   "scanned_at": utcnow().isoformat(), "device_result": "green"}]},
    )
    assert answer.status_code == 422
    assert db.session.scalar(select(db.func.count()).select_from(Scan)) == 0
