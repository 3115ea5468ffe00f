"""Book → pay (sandbox M-Pesa, through payments) → cancel → refund to the wallet, with the
real ``app.payments.refunds.refund_order`` instead of a recording stand-in."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.database import utcnow
from app.payments.models import Refund
from app.sales.paying import pay_order


def test_book_pay_cancel_refund(book, client, world, auth_headers, db):
    world.trip.departure_at = utcnow() + timedelta(hours=48)
    world.trip.arrival_at = world.trip.departure_at + timedelta(hours=6)
    db.session.commit()
    order = book([{"seat": "3"}, {"seat": "4"}]).json
    pay_order(world.passenger, order["id"], "mpesa", phone=world.passenger.phone)
    h = auth_headers(world.passenger)
    assert client.get(f"/api/v1/orders/{order['id']}", headers=h).json["status"] == "paid"
    tickets = client.get("/api/v1/tickets", headers=h).json
    assert len(tickets) == 2
    resp = client.post(f"/api/v1/orders/{order['id']}/cancel", json={"ticket_ids": [tickets[0]["id"]],
                                                                      "refund_to": "wallet"}, headers=h)
    assert resp.status_code == 200, resp.json
    assert resp.json["refund"] == {"amount": 150000, "currency": "KES"}
    (refund,) = db.session.scalars(select(Refund)).all()
    assert (refund.amount, refund.destination, refund.order_id) == (150000, "wallet", order["id"])


def test_trip_cancellation_refunds_through_payments(book, client, world, auth_headers, db):
    order = book([{"seat": "1"}]).json
    pay_order(world.passenger, order["id"], "mpesa", phone=world.passenger.phone)
    url = f"/api/v1/carriers/{world.carrier.id}/trips/{world.trip.id}/cancel"
    resp = client.post(url, json={"reason": "Road closed"}, headers=auth_headers(world.admin))
    assert resp.status_code == 200 and resp.json["orders_refunded"] == 1
    (refund,) = db.session.scalars(select(Refund)).all()
    assert refund.amount == 150000 and refund.ref == f"trip-cancel-{order['id']}"
