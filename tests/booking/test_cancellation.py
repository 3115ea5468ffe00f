"""Cancellation: the quote shown first, the policy applied, seats freed; trip cancellation."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.booking.models import Order
from app.database import utcnow
from app.messaging.models import OutboundMessage
from app.ticketing.states import expire_tickets
from tests import factories
from tests.booking.conftest import new_passenger


@pytest.fixture
def paid(book, pay, client, world, auth_headers):
    """A paid two-seat order (seats 1 and 2) of the world passenger."""
    order = book([{"seat": "1"}, {"seat": "2", "fare_class": "student"}]).json
    result = pay(order)
    return order, [t.id for t in result.tickets]


def set_departure(db, world, hours_from_now):
    world.trip.departure_at = utcnow() + timedelta(hours=hours_from_now)
    world.trip.arrival_at = world.trip.departure_at + timedelta(hours=6)
    db.session.commit()


@pytest.mark.parametrize("hours, percent", [(48, 100), (24.5, 100), (5, 50), (0.5, 50)])
def test_quote_follows_policy(paid, client, world, auth_headers, db, hours, percent):
    order, _ = paid
    set_departure(db, world, hours)
    resp = client.get(f"/api/v1/orders/{order['id']}/cancellation-quote", headers=auth_headers(world.passenger))
    assert resp.status_code == 200
    assert resp.json["percent"] == percent
    assert resp.json["refund"] == {"amount": (150000 + 120000) * percent // 100, "currency": "KES"}


def test_quote_after_departure_is_zero(paid, client, world, auth_headers, db):
    order, _ = paid
    set_departure(db, world, -0.5)
    resp = client.get(f"/api/v1/orders/{order['id']}/cancellation-quote", headers=auth_headers(world.passenger))
    assert resp.json["percent"] == 0 and resp.json["refund"]["amount"] == 0 and resp.json["rule"] is None
    cancel = client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=auth_headers(world.passenger))
    assert cancel.status_code == 409 and cancel.json["type"] == "/problems/trip-departed"


def test_cancelling_after_the_expiry_sweep_gets_the_same_answer(paid, client, world, auth_headers, db):
    """Whether or not the sweep has marked the tickets ``expired`` yet, a passenger who
    tries to cancel after the trip left is told the same thing, and nothing changes."""
    order, ticket_ids = paid
    set_departure(db, world, -30)
    # The sweep as it runs once the tickets' window (fixed when they were issued) has closed.
    assert expire_tickets(now=utcnow() + timedelta(days=30)) == len(ticket_ids)
    db.session.commit()  # the job runner commits a sweep
    headers = auth_headers(world.passenger)
    whole = client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=headers)
    one = client.post(f"/api/v1/orders/{order['id']}/cancel", json={"ticket_ids": ticket_ids[:1]}, headers=headers)
    for cancel in (whole, one):
        assert cancel.status_code == 409 and cancel.json["type"] == "/problems/trip-departed"
    assert client.get(f"/api/v1/orders/{order['id']}", headers=headers).json["status"] == "paid"


def test_cancel_one_ticket_late_refunds_half_and_frees_the_seat(paid, refunds, book, client, world, auth_headers, db):
    order, ticket_ids = paid
    set_departure(db, world, 5)
    h = auth_headers(world.passenger)
    quote = client.get(f"/api/v1/orders/{order['id']}/cancellation-quote?ticket_ids={ticket_ids[1]}", headers=h).json
    assert quote["refund"]["amount"] == 60000 and quote["ticket_ids"] == [ticket_ids[1]]
    resp = client.post(f"/api/v1/orders/{order['id']}/cancel", json={"ticket_ids": [ticket_ids[1]]}, headers=h)
    assert resp.status_code == 200, resp.json
    assert resp.json["refund"] == {"amount": 60000, "currency": "KES"}
    assert resp.json["order"]["status"] == "partially_refunded"
    assert refunds.calls == [{"order_id": order["id"], "amount": 60000, "destination": "wallet",
                              "ref": f"cancel-{ticket_ids[1]}"}]
    statuses = {t["id"]: t["status"] for t in client.get("/api/v1/tickets?scope=history", headers=h).json}
    assert statuses == {ticket_ids[1]: "cancelled"}
    assert book([{"seat": "2"}], user=new_passenger()).status_code == 201
    assert book([{"seat": "1"}], user=new_passenger()).status_code == 409


def test_cancel_all_early_refunds_everything(paid, refunds, client, world, auth_headers, db):
    order, _ = paid
    set_departure(db, world, 48)
    resp = client.post(f"/api/v1/orders/{order['id']}/cancel", json={"refund_to": "wallet"},
                       headers=auth_headers(world.passenger))
    assert resp.json["refund"]["amount"] == 270000 and resp.json["order"]["status"] == "refunded"
    again = client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=auth_headers(world.passenger))
    assert again.status_code == 409 and len(refunds.calls) == 1


@pytest.mark.parametrize("body, status, slug", [
    ({"refund_to": "mpesa"}, 422, "refund-destination"),
    ({"refund_to": "bank"}, 422, None),
    ({"ticket_ids": [999999]}, 422, "ticket-not-cancellable"),
    ({"ticket_ids": []}, 422, None),
])
def test_bad_cancellations_change_nothing(paid, refunds, client, world, auth_headers, body, status, slug, db):
    world.carrier.mpesa_refunds_allowed = False  # a carrier that keeps refunds in the wallet
    db.session.commit()
    order, _ = paid
    h = auth_headers(world.passenger)
    resp = client.post(f"/api/v1/orders/{order['id']}/cancel", json=body, headers=h)
    assert resp.status_code == status and resp.content_type == "application/problem+json"
    if slug:
        assert resp.json["type"] == f"/problems/{slug}"
    assert refunds.calls == []
    assert client.get(f"/api/v1/orders/{order['id']}", headers=h).json["status"] == "paid"
    assert len(client.get("/api/v1/tickets", headers=h).json) == 2


def test_mpesa_refund_when_carrier_allows(paid, refunds, client, world, auth_headers, db):
    world.carrier.mpesa_refunds_allowed = True
    db.session.commit()
    order, _ = paid
    resp = client.post(f"/api/v1/orders/{order['id']}/cancel", json={"refund_to": "mpesa"},
                       headers=auth_headers(world.passenger))
    assert resp.status_code == 200 and refunds.calls[0]["destination"] == "mpesa"


def test_cannot_cancel_someone_elses_or_unpaid_order(paid, book, refunds, client, auth_headers, world):
    order, _ = paid
    resp = client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=auth_headers(new_passenger()))
    assert resp.status_code == 404
    unpaid = book().json
    resp = client.post(f"/api/v1/orders/{unpaid['id']}/cancel", json={}, headers=auth_headers(world.passenger))
    assert resp.status_code == 409 and refunds.calls == []


def test_trip_cancellation_refunds_everyone(paid, book, refunds, client, world, auth_headers, db):
    order, _ = paid
    pending = book([{"seat": "9"}], user=new_passenger()).json
    url = f"/api/v1/carriers/{world.carrier.id}/trips/{world.trip.id}/cancel"
    resp = client.post(url, json={"reason": "Bus broke down"}, headers=auth_headers(world.admin))
    assert resp.status_code == 200, resp.json
    assert resp.json == {"trip_id": world.trip.id, "status": "cancelled", "orders_refunded": 1}
    assert refunds.calls == [{"order_id": order["id"], "amount": 270000, "destination": "wallet",
                              "ref": f"trip-cancel-{order['id']}"}]
    h = auth_headers(world.passenger)
    assert client.get(f"/api/v1/orders/{order['id']}", headers=h).json["status"] == "refunded"
    assert {t["status"] for t in client.get("/api/v1/tickets?scope=history", headers=h).json} == {"refunded"}
    sms = db.session.scalars(select(OutboundMessage).where(OutboundMessage.kind == "trip-cancelled")).all()
    assert [m.to_phone for m in sms] == [world.passenger.phone] and order["code"] in sms[0].text
    assert len(sms[0].text) <= 160
    assert db.session.get(Order, pending["id"]).status == "failed"


def test_trip_cancellation_is_carrier_scoped(paid, refunds, client, world, auth_headers, db):
    other_carrier = factories.make_carrier("Other")
    other_admin = factories.make_user("carrier_admin", carrier=other_carrier)
    db.session.commit()
    url = f"/api/v1/carriers/{world.carrier.id}/trips/{world.trip.id}/cancel"
    assert client.post(url, json={"reason": "nope"}, headers=auth_headers(other_admin)).status_code == 404
    wrong = f"/api/v1/carriers/{other_carrier.id}/trips/{world.trip.id}/cancel"
    assert client.post(wrong, json={"reason": "nope"}, headers=auth_headers(other_admin)).status_code == 404
    assert client.post(url, json={"reason": "nope"}, headers=auth_headers(world.passenger)).status_code == 403
    assert client.post(url, json={}, headers=auth_headers(world.admin)).status_code == 422
    assert refunds.calls == [] and db.session.get(type(world.trip), world.trip.id).status == "scheduled"
