"""A driver learns nothing about another carrier's tickets or bookings: by app or by SMS."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.database import utcnow
from app.extensions import db
from tests import factories
from tests.channels.scripts.runner import inbox
from tests.fixtures import load_form
from tests.tickets.test_scan_support import (  # noqa: F401 - boarding_trip is a fixture
    assign, boarding_trip, payload_for, scan, sell,
)
from tickets.shortcode import format_short_code


@pytest.fixture
def rival(world):
    """Another carrier with its own trip leaving soon and a driver assigned to it."""
    carrier = factories.make_carrier("Rival Lines")
    a, b = factories.make_stop(carrier, "Nairobi", code="RNB"), factories.make_stop(carrier, "Thika", code="THK")
    route = factories.make_route(carrier, [(a, 0), (b, 60)], code="RNB-THK")
    trip = factories.make_trip(route, factories.make_vehicle(carrier), utcnow().replace(microsecond=0) + timedelta(minutes=20))
    driver = factories.make_user("driver", carrier=carrier, phone="+254722555000", name="Rival Driver")
    db.session.commit()
    assign(driver, trip)
    return driver, trip


def _tells_nothing(body: dict, ticket) -> None:
    assert body["result"] == "wrong_trip" and body["boarded"] is False
    assert body["ticket"] is None
    reason = body["reason"]
    for leak in (ticket.seat, "W.K.", "NBO-ELD", "seat", "valid", "used"):
        assert leak not in reason, (leak, reason)


def test_another_carriers_ticket_scanned_in_the_app_gives_no_details(client, auth_headers, world, boarding_trip, rival):
    driver, trip = rival
    ticket = sell(world, boarding_trip, names=["Wanjiku Kamau"])[0]
    headers = auth_headers(driver)
    by_qr = scan(client, headers, trip, payload=payload_for(ticket), nonce_="q1").get_json()
    _tells_nothing(by_qr, ticket)
    by_code = scan(client, headers, trip, code=format_short_code(ticket.short_code)).get_json()
    _tells_nothing(by_code, ticket)
    replay = scan(client, headers, trip, payload=payload_for(ticket), nonce_="q1").get_json()
    assert replay["replayed"] is True
    _tells_nothing(replay, ticket)
    db.session.expire_all()
    assert ticket.status == "valid"  # and it is not boarded


def test_another_carriers_booking_code_is_not_looked_up(client, auth_headers, world, boarding_trip, rival):
    driver, trip = rival
    order = sell(world, boarding_trip, pay=False)
    body = scan(client, auth_headers(driver), trip, code=order.code).get_json()
    assert body["result"] == "invalid" and body["ticket"] is None
    assert "paid" not in body["reason"] and order.code not in body["reason"]
    # The carrier's own driver still hears that it is unpaid.
    own = scan(client, auth_headers(world.driver), boarding_trip, code=order.code).get_json()
    assert own["result"] == "unpaid"


def test_sms_check_of_another_carriers_ticket_or_booking_gives_no_details(client, world, boarding_trip, rival):
    driver, _ = rival
    ticket = sell(world, boarding_trip, names=["Wanjiku Kamau"])[0]
    unpaid = sell(world, boarding_trip, pay=False)
    form = load_form("africastalking/sms_inbound.form")
    code = format_short_code(ticket.short_code)
    client.post("/channels/sms/inbound", data=dict(form, id="chk-1", text=f"CHECK {code}", **{"from": driver.phone}))
    client.post("/channels/sms/inbound", data=dict(form, id="chk-2", text=f"CHECK {unpaid.code}",
                                                   **{"from": driver.phone}))
    booking_reply, ticket_reply = inbox(driver.phone)[:2]  # newest first
    assert "another company" in ticket_reply
    for leak in (f"#{ticket.seat}", "seat", "NBO", "W.K.", "Valid", "used"):
        assert leak not in ticket_reply, (leak, ticket_reply)
    assert "paid" not in booking_reply.lower(), booking_reply
    db.session.expire_all()
    assert ticket.status == "valid"
