"""Online scans through HTTP: every result kind, nonces, access rules."""
from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from app.catalog.service import transition_trip
from app.database import utcnow
from tests import factories
from tests.tickets.test_scan_support import (  # noqa: F401 - boarding_trip is a fixture
    assign, boarding_trip, payload_for, scan, sell, trip_departing,
)
from tickets.codec import FareClass, TicketClaims
from app.ticketing.transitions import transition_ticket
from tickets.keys import Keyring
from app.ticketing.scan_models import Scan
from app.ticketing.scanning import check_ticket
from tickets.shortcode import format_short_code


def test_valid_qr_boards_once_then_already_used(client, world, auth_headers, boarding_trip, db):
    ticket = sell(world, boarding_trip, names=["Wanjiku Njeri Kamau"])[0]
    headers = auth_headers(world.driver)
    first = scan(client, headers, boarding_trip, payload=payload_for(ticket), device="dev-A")
    assert first.status_code == 200
    body = first.get_json()
    assert body["result"] == "valid" and body["boarded"] is True
    assert body["ticket"] == {"id": ticket.id, "trip_id": boarding_trip.id, "seat": ticket.seat,
                              "initials": "W.N.K.", "fare_class": "standard", "status": "used"}
    db.session.expire_all()
    assert ticket.status == "used"

    again = scan(client, headers, boarding_trip, payload=payload_for(ticket), device="dev-B").get_json()
    assert again["result"] == "already_used" and again["boarded"] is False
    assert again["first_use"]["device_id"] == "dev-A"
    assert "dev-A" in again["reason"] and again["conflict"] is False  # online: refused at the door


def test_retried_nonce_returns_the_first_answer_and_boards_nothing(client, world, auth_headers, boarding_trip, db):
    ticket = sell(world, boarding_trip)[0]
    headers = auth_headers(world.driver)
    answers = [scan(client, headers, boarding_trip, payload=payload_for(ticket), nonce_="same").get_json()
               for _ in range(3)]
    assert [a["result"] for a in answers] == ["valid"] * 3
    assert [a["replayed"] for a in answers] == [False, True, True]
    assert db.session.scalar(select(func.count(Scan.id))) == 1


def test_short_code_in_any_typed_form(client, world, auth_headers, boarding_trip):
    ticket = sell(world, boarding_trip)[0]
    typed = format_short_code(ticket.short_code).lower().replace("0", "o")
    body = scan(client, auth_headers(world.driver), boarding_trip, code=typed).get_json()
    assert body["result"] == "valid" and body["ticket"]["id"] == ticket.id


def _mistype(code: str) -> str:
    swapped = code[1] + code[0] + code[2:]
    return swapped if swapped != code else code[:-1] + ("1" if code[-1] != "1" else "2")


def test_short_code_typo_unknown_and_wrong_length_are_told_apart(client, world, auth_headers, boarding_trip):
    ticket = sell(world, boarding_trip)[0]
    headers = auth_headers(world.driver)
    typo = scan(client, headers, boarding_trip, code=_mistype(ticket.short_code)).get_json()
    assert typo["result"] == "invalid" and typo["reason"].startswith("Mistyped code?")
    unknown = scan(client, headers, boarding_trip, code="8Z2K4M7QX4").get_json()  # well-formed, not sold
    assert unknown["result"] == "invalid" and unknown["reason"].startswith("No ticket has code")
    short = scan(client, headers, boarding_trip, code="12345").get_json()
    assert short["result"] == "invalid" and "10 characters" in short["reason"]
    assert typo["ticket"] is None and unknown["ticket"] is None


def test_wrong_trip(client, world, auth_headers, boarding_trip):
    # the driver's next trip, once back (a driver is never on two overlapping trips)
    other = trip_departing(world, boarding_trip.arrival_at + timedelta(hours=1))
    assign(world.driver, other)
    ticket = sell(world, other)[0]
    body = scan(client, auth_headers(world.driver), boarding_trip, payload=payload_for(ticket)).get_json()
    assert body["result"] == "wrong_trip" and body["reason"].startswith("Wrong bus")
    assert body["ticket"]["id"] == ticket.id and body["ticket"]["status"] == "valid"


def test_not_yet_valid(client, world, auth_headers):
    assign(world.driver, world.trip)  # leaves tomorrow 08:00
    ticket = sell(world)[0]
    body = scan(client, auth_headers(world.driver), world.trip, payload=payload_for(ticket)).get_json()
    assert body["result"] == "not_yet_valid" and "boarding opens" in body["reason"]


def test_expired(client, world, auth_headers):
    past = trip_departing(world, utcnow().replace(microsecond=0) - timedelta(hours=12))
    assign(world.driver, past)
    ticket = sell(world, past)[0]
    body = scan(client, auth_headers(world.driver), past, payload=payload_for(ticket)).get_json()
    assert body["result"] == "expired" and body["reason"].startswith("Expired")


@pytest.mark.parametrize("status", ["cancelled", "refunded"])
def test_cancelled_and_refunded(client, world, auth_headers, boarding_trip, db, status):
    ticket = sell(world, boarding_trip)[0]
    transition_ticket(ticket, status, actor="system:test", reason="test")
    db.session.commit()
    body = scan(client, auth_headers(world.driver), boarding_trip, code=ticket.short_code).get_json()
    assert body["result"] == status and "do not board" in body["reason"]


def test_unpaid_booking_code(client, world, auth_headers, boarding_trip):
    order = sell(world, boarding_trip, pay=False)
    body = scan(client, auth_headers(world.driver), boarding_trip, code=order.code).get_json()
    assert body["result"] == "unpaid" and order.code in body["reason"]


def _flip(payload: str, at: int) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
    char = alphabet[(alphabet.index(payload[at]) + 1) % len(alphabet)]
    return payload[:at] + char + payload[at + 1:]


def _bad_payloads(ticket) -> dict[str, str]:
    good = payload_for(ticket)
    stranger = Keyring.generate("k1").sign(TicketClaims(
        ticket_id=ticket.id, trip_id=ticket.trip_id, seat_index=ticket.seat_index, fare_class=FareClass.STANDARD,
        valid_from=ticket.valid_from, valid_until=ticket.valid_until, kid="k1"))
    return {
        "flipped-signature": _flip(good, 100), "flipped-claims": _flip(good, 10), "truncated": good[:-3],
        "garbage": "hello bus", "unicode": "SF1:ü" + "A" * 128, "forged-key": stranger,
        "unknown-kid": good[:4] + "Z" + good[5:], "long": "X" * 999,
    }


def test_forged_and_garbled_payloads_are_invalid_never_500(client, world, auth_headers, boarding_trip, db):
    ticket = sell(world, boarding_trip)[0]
    headers = auth_headers(world.driver)
    for name, bad in _bad_payloads(ticket).items():
        response = scan(client, headers, boarding_trip, payload=bad)
        assert response.status_code == 200, name
        body = response.get_json()
        assert body["result"] == "invalid", (name, body)
        assert body["reason"] and body["ticket"] is None, name
    db.session.expire_all()
    assert ticket.status == "valid"


def test_access_rules(client, world, auth_headers, boarding_trip, db):
    ticket = sell(world, boarding_trip)[0]
    payload = payload_for(ticket)
    assert scan(client, {}, boarding_trip, payload=payload).status_code == 401
    assert scan(client, auth_headers(world.passenger), boarding_trip, payload=payload).status_code == 403
    other_carrier = factories.make_carrier("Other Lines")
    stranger = factories.make_user("driver", carrier=other_carrier)
    idle = factories.make_user("driver", carrier=world.carrier)
    db.session.commit()
    response = scan(client, auth_headers(stranger), boarding_trip, payload=payload)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    response = scan(client, auth_headers(idle), boarding_trip, payload=payload)
    assert response.status_code == 403 and response.get_json()["type"] == "/problems/not-assigned"
    # A carrier admin (gate agent) needs no assignment.
    body = scan(client, auth_headers(world.admin), boarding_trip, payload=payload).get_json()
    assert body["result"] == "valid"


@pytest.mark.parametrize("body", [
    {"qr_payload": "x", "short_code": "y", "device_id": "d", "nonce": "n"},
    {"device_id": "d", "nonce": "n"},
    {"qr_payload": "x", "nonce": "n"},
    {"qr_payload": "x", "device_id": "d", "nonce": "n", "scanned_at": "2025-01-01T08:00:00"},
])
def test_malformed_body_is_422_problem(client, world, auth_headers, boarding_trip, body):
    response = client.post("/api/v1/scans", json={"trip_id": boarding_trip.id, **body},
                           headers=auth_headers(world.driver))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.get_json()["errors"]


def test_nonce_of_another_account_is_refused(client, world, auth_headers, boarding_trip):
    ticket = sell(world, boarding_trip)[0]
    scan(client, auth_headers(world.driver), boarding_trip, code=ticket.short_code, nonce_="shared")
    response = scan(client, auth_headers(world.admin), boarding_trip, code=ticket.short_code, nonce_="shared")
    assert response.status_code == 409


def test_check_ticket_without_trip_uses_the_drivers_boarding_trip(world, db):
    """What the SMS ``CHECK <code>`` command calls.

    Both trips leave on one local day (the day after tomorrow, 10:00 and 16:30 Nairobi)
    and every check names its time: "today's trips" must not depend on the hour the suite
    runs (a trip four hours after one leaving in 30 minutes is tomorrow's after 20:00)."""
    first = trip_departing(world, factories.local_departure(days_ahead=2, at=time(10, 0)))
    later = trip_departing(world, first.arrival_at + timedelta(hours=1))  # 16:30, once back from the first
    assign(world.driver, first, later)
    ticket, other = sell(world, first)[0], sell(world, later)[0]
    # Two trips that day, neither boarding: the ticket's own assigned trip is used.
    outcome = check_ticket(world.driver, trip_id=None, short_code=other.short_code, device_id="sms", nonce="1",
                           now=later.departure_at - timedelta(minutes=30))
    assert outcome.result == "valid" and outcome.ticket.id == other.id
    boarding_now = first.departure_at - timedelta(minutes=30)
    transition_trip(first, "boarding", actor=f"user:{world.driver.id}", reason=None, now=boarding_now)
    db.session.commit()
    outcome = check_ticket(world.driver, trip_id=None, short_code=ticket.short_code, device_id="sms", nonce="2",
                           now=boarding_now)
    assert outcome.result == "valid"
    third = sell(world, later, names=["Juma Otieno"])[0]
    outcome = check_ticket(world.driver, trip_id=None, short_code=third.short_code, device_id="sms", nonce="3",
                           now=boarding_now)
    assert outcome.result == "wrong_trip"  # boarding trip is the other one
