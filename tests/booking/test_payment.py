"""Paying an order (through payments' seam ``apply_payment``), hold expiry and tickets."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.booking.jobs import expire_holds
from app.booking.models import Order, SeatHold
from app.booking.service import create_order, get_or_create_passenger
from app.database import utcnow
from app.extensions import db as _db
from app.messaging.models import OutboundMessage
from app.ticketing.models import Ticket
from tests.booking.conftest import new_passenger


def get_order(client, auth_headers, user, order_id):
    return client.get(f"/api/v1/orders/{order_id}", headers=auth_headers(user)).json


def test_payment_issues_tickets_and_sms(book, pay, client, world, auth_headers, db):
    order = book([{"seat": "3", "name": "Wanjiku"}, {"fare_class": "reduced"}]).json
    result = pay(order)
    assert result.outcome == "applied" and len(result.tickets) == 2
    paid = get_order(client, auth_headers, world.passenger, order["id"])
    assert paid["status"] == "paid" and paid["paid_at"] and paid["payment_instructions"] is None
    tickets = client.get("/api/v1/tickets?scope=active", headers=auth_headers(world.passenger)).json
    assert sorted(t["seat"] for t in tickets) == ["1", "3"]
    t = next(t for t in tickets if t["seat"] == "3")
    assert t["status"] == "valid" and t["passenger_name"] == "Wanjiku"
    # window: boarding opens 120 min before 08:00 Nairobi; closes 60 min after arrival
    assert datetime.fromisoformat(t["valid_from"]).strftime("%H:%M%z") == "06:00+0300"
    assert datetime.fromisoformat(t["valid_until"]) == world.trip.arrival_at + timedelta(minutes=60)
    sms = db.session.scalars(select(OutboundMessage).where(OutboundMessage.to_phone == world.passenger.phone)).all()
    assert len(sms) == 1 and len(sms[0].text) <= 160
    for ticket in tickets:
        assert ticket["short_code"] in sms[0].text
    assert "NBO-ELD" in sms[0].text and "08:00" in sms[0].text


def test_single_ticket_sms_fits_one_message(book, pay, db, world):
    pay(book([{"seat": "7"}]).json)
    (sms,) = db.session.scalars(select(OutboundMessage)).all()
    assert "Seat 7" in sms.text and len(sms.text) <= 160 and sms.text.isascii()


def test_second_payment_is_already_paid(book, pay, db):
    order = book().json
    assert pay(order).outcome == "applied"
    again = pay(order)
    assert again.outcome == "already_paid" and again.tickets == []


def test_wrong_amount_or_currency_is_mismatch_and_issues_nothing(book, pay, client, world, auth_headers):
    order = book().json
    assert pay(order, amount=order["total"]["amount"] - 1).outcome == "mismatch"
    assert pay(order, currency="UGX").outcome == "mismatch"
    assert get_order(client, auth_headers, world.passenger, order["id"])["status"] == "pending_payment"
    assert client.get("/api/v1/tickets", headers=auth_headers(world.passenger)).json == []


def test_price_is_fixed_while_hold_lives(book, pay, world, db, client, auth_headers):
    order = book().json
    world.fares[("NBO", "ELD", "standard")].amount = 200000
    db.session.commit()
    assert get_order(client, auth_headers, world.passenger, order["id"])["total"]["amount"] == 150000
    assert pay(order).outcome == "applied"
    assert book(user=new_passenger()).json["total"]["amount"] == 200000


def test_expired_hold_no_longer_blocks_a_new_buyer(book, client, world, auth_headers, db):
    first = book([{"seat": "1"}]).json
    other = new_passenger()
    assert book([{"seat": "1"}], user=other).status_code == 409
    db.session.get(Order, first["id"]).hold_expires_at = utcnow() - timedelta(seconds=1)
    for hold in db.session.scalars(select(SeatHold)):
        hold.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert book([{"seat": "1"}], user=other).status_code == 201


def test_expire_job_marks_holds_and_orders(book, client, world, auth_headers):
    order = book().json
    assert expire_holds()["orders"] == 0
    assert expire_holds(now=utcnow() + timedelta(minutes=11)) == {"holds": 1, "orders": 1}
    _db.session.commit()  # the job runner commits a sweep
    assert get_order(client, auth_headers, world.passenger, order["id"])["status"] == "expired"


def test_late_payment_reclaims_free_seats(book, pay, client, world, auth_headers):
    order = book([{"seat": "2"}]).json
    expire_holds(now=utcnow() + timedelta(minutes=11))
    _db.session.commit()  # the job runner commits a sweep
    result = pay(order)
    assert result.outcome == "applied" and [t.seat for t in result.tickets] == ["2"]
    assert get_order(client, auth_headers, world.passenger, order["id"])["status"] == "paid"


def test_late_payment_after_hold_lapsed_but_not_swept_keeps_the_seat(book, pay):
    order = book([{"seat": "2"}]).json
    assert pay(order, now=utcnow() + timedelta(minutes=30)).outcome == "applied"


def test_late_payment_when_seat_resold_is_seats_gone(book, pay, client, world, auth_headers, db):
    order = book([{"seat": "2"}]).json
    later = utcnow() + timedelta(minutes=11)
    other = new_passenger()
    create_order(other, trip_id=world.trip.id, origin_stop_id=world.nairobi.id,
                 destination_stop_id=world.eldoret.id, passengers=[{"fare_class": "standard", "seat": "2"}], now=later)
    result = pay(order, now=later)
    assert result.outcome == "seats_gone" and result.tickets == []
    assert get_order(client, auth_headers, world.passenger, order["id"])["status"] == "expired"
    assert client.get("/api/v1/tickets", headers=auth_headers(world.passenger)).json == []


def test_release_frees_seats_and_is_refused_twice(book, client, world, auth_headers):
    order = book([{"seat": "6"}]).json
    h = auth_headers(world.passenger)
    resp = client.post(f"/api/v1/orders/{order['id']}/release", headers=h)
    assert resp.status_code == 200 and resp.json["status"] == "expired"
    again = client.post(f"/api/v1/orders/{order['id']}/release", headers=h)
    assert again.status_code == 409 and again.json["type"] == "/problems/order-state"
    assert book([{"seat": "6"}], user=new_passenger()).status_code == 201


def test_ticket_history_and_scope_validation(book, pay, client, world, auth_headers, db):
    order = book().json
    pay(order)
    h = auth_headers(world.passenger)
    assert client.get("/api/v1/tickets?scope=history", headers=h).json == []
    world.trip.departure_at = utcnow() - timedelta(hours=10)
    world.trip.arrival_at = utcnow() - timedelta(hours=5)
    for ticket in db.session.scalars(select(Ticket)):
        ticket.valid_from, ticket.valid_until = utcnow() - timedelta(hours=12), utcnow() - timedelta(hours=4)
    db.session.commit()
    assert client.get("/api/v1/tickets?scope=active", headers=h).json == []
    assert len(client.get("/api/v1/tickets?scope=history", headers=h).json) == 1
    assert client.get("/api/v1/tickets?scope=later", headers=h).status_code == 422


def test_get_or_create_passenger(app, db):
    user = get_or_create_passenger("0722 123456")
    db.session.commit()
    assert user.phone == "+254722123456" and user.role == "passenger"
    assert get_or_create_passenger("+254722123456").id == user.id
