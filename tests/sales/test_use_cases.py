"""The sales use cases: decisions made once, whichever channel asks.

The channel parity test (tests/test_channel_parity.py) checks the channels agree; these
check what the one answer is: the default fare class, the passenger limit, who may call,
a failed payment's fallback (order pending, seats held, other methods listed), and which
ticket can be cancelled.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.booking.models import Order, SeatHold
from app.database import utcnow
from app.errors import Conflict, Unprocessable
from app.extensions import db
from app.messaging.models import OutboundMessage
from app.sales import cancelling, orders, paying
from app.sales.callers import AccountInactive, who_is_calling
from app.sales.common import MAX_PASSENGERS, check_passenger_count, default_fare_class
from tests import factories
from tests.channels.scripts.runner import Conversation

FAILING = "+254711990000"  # the sandbox fails M-Pesa prompts to numbers ending 0000


@pytest.mark.parametrize("prices, expected", [
    ({"standard": 800, "student": 640, "reduced": 400}, "standard"),
    ({"student": 640, "reduced": 400}, "reduced"),
    ({"student": 400, "reduced": 400}, "student"),  # a tie: the catalogue's order
])
def test_the_default_fare_class_is_standard_else_the_cheapest(prices, expected):
    assert default_fare_class(prices) == expected


@pytest.mark.parametrize("count", [0, MAX_PASSENGERS + 1, True])
def test_one_passenger_limit(count):
    with pytest.raises(Unprocessable) as refused:
        check_passenger_count(count)
    assert refused.value.slug == "passenger-count"


def test_the_passenger_count_is_checked_before_any_trip_is_offered(client, world):
    day = world.trip.departure_at.date().isoformat()
    response = client.get(f"/api/v1/trips/search?origin=NBO&destination=NKR&date={day}&passengers=11")
    assert response.status_code == 422


def test_an_inactive_account_is_refused_from_a_token_and_from_its_phone(app, world):
    world.passenger.status = "deactivated"
    db.session.commit()
    with pytest.raises(AccountInactive):
        who_is_calling(user=world.passenger)
    with pytest.raises(AccountInactive):
        who_is_calling(phone=world.passenger.phone)
    assert who_is_calling(phone="+254799888777", create=False) is None


def _failed_mpesa_order(world):
    user = factories.make_user(phone=FAILING)
    db.session.commit()
    view = orders.hold_seats(user, trip_id=world.trip.id, origin_stop_id=world.nairobi.id,
                             destination_stop_id=world.nakuru.id, passengers=2, channel="api")
    return user, view, paying.pay_order(user, view.id, "mpesa")


def test_a_failed_mpesa_prompt_keeps_the_order_and_its_seats_and_lists_the_other_ways(app, world):
    user, view, outcome = _failed_mpesa_order(world)
    assert outcome.failed
    order = db.session.get(Order, view.id)
    assert order.status == "pending_payment"
    held = db.session.scalars(select(SeatHold.status).where(SeatHold.order_id == order.id)).all()
    assert held == ["held", "held"]
    # airtime can make KES 1,600 of the price points; the wallet is empty; M-Pesa may be tried again, last
    assert outcome.other_methods == ["airtime", "mpesa"]
    assert orders.unpaid_order_to_retry(user).id == view.id


def test_the_api_answers_a_failed_payment_with_the_other_methods(client, world, auth_headers):
    user = factories.make_user(phone=FAILING)
    db.session.commit()
    headers = auth_headers(user)
    order = client.post("/api/v1/orders", headers=headers, json={
        "trip_id": world.trip.id, "origin_stop_id": world.nairobi.id, "destination_stop_id": world.nakuru.id,
        "passengers": [{}, {}]}).json
    paid = client.post(f"/api/v1/orders/{order['id']}/payments", headers=headers, json={"method": "mpesa"})
    assert paid.status_code == 202 and paid.json["status"] == "failed"
    assert paid.json["other_methods"] == ["airtime", "mpesa"]
    again = client.get(f"/api/v1/orders/{order['id']}", headers=headers).json
    assert again["status"] == "pending_payment" and again["other_methods"] == ["airtime", "mpesa"]
    assert client.get(f"/api/v1/payments/{paid.json['id']}", headers=headers).json["other_methods"] == [
        "airtime", "mpesa"]
    # phone balance fails too for this number (sandbox): M-Pesa first now, the method just failed last
    airtime = client.post(f"/api/v1/orders/{order['id']}/payments", headers=headers, json={"method": "airtime"})
    assert airtime.status_code == 202 and airtime.json["other_methods"] == ["mpesa", "airtime"]


def test_dialing_back_after_a_failed_prompt_offers_the_other_ways(client, world):
    _, view, _ = _failed_mpesa_order(world)
    talk = Conversation(client, FAILING)
    screen = talk.dial("")  # which order first (no key there pays), then its ways
    assert screen.startswith("CON ") and view.code in screen and "KES 1,600" in screen
    ways = talk.input("1")
    assert ways.startswith("CON ") and "3 Wallet" in ways and "M-Pesa" in ways and "KES 1,600" in ways


def test_the_failure_sms_says_how_to_pay_another_way(app, world):
    _, view, _ = _failed_mpesa_order(world)
    texts = db.session.scalars(select(OutboundMessage.text).where(OutboundMessage.kind == "payment_failed")).all()
    assert len(texts) == 1 and f"PAY {view.code} WALLET" in texts[0]


def test_a_ticket_whose_trip_left_cannot_be_cancelled_on_any_channel(app, world):
    user = world.passenger
    view = orders.hold_seats(user, trip_id=world.trip.id, origin_stop_id=world.nairobi.id,
                             destination_stop_id=world.nakuru.id, passengers=1, channel="api")
    paying.pay_order(user, view.id, "mpesa")
    assert [t.seat for t in cancelling.cancellable_tickets(user)] == ["1"]
    later = world.trip.departure_at + timedelta(minutes=1)
    assert cancelling.cancellable_tickets(user, now=later) == []
    assert cancelling.cancellable_tickets(user, now=utcnow()) != []


def test_a_party_larger_than_the_seats_left_is_told_how_many_are_left(app, world):
    user = world.passenger
    orders.hold_seats(user, trip_id=world.trip.id, origin_stop_id=world.nairobi.id,
                      destination_stop_id=world.nakuru.id, passengers=8, channel="api")
    with pytest.raises(Conflict) as refused:
        orders.hold_seats(user, trip_id=world.trip.id, origin_stop_id=world.nairobi.id,
                          destination_stop_id=world.nakuru.id, passengers=3, channel="ussd")
    assert refused.value.slug == "not-enough-seats"
    assert db.session.scalar(select(db.func.count()).select_from(Order)) == 1


def test_a_payment_refused_up_front_names_the_ways_that_can_pay(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    order = client.post("/api/v1/orders", headers=headers, json={
        "trip_id": world.trip.id, "origin_stop_id": world.nairobi.id, "destination_stop_id": world.nakuru.id,
        "passengers": [{}, {}]}).json
    refused = client.post(f"/api/v1/orders/{order['id']}/payments", headers=headers, json={"method": "wallet"})
    assert refused.status_code == 402 and refused.json["other_methods"] == ["mpesa", "airtime"]
    assert client.get(f"/api/v1/orders/{order['id']}", headers=headers).json["status"] == "pending_payment"
