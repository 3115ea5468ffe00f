"""Refunds: passenger cancellations and trip cancellations move money through refund_order."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.booking.models import Order
from app.errors import Conflict, Unprocessable
from app.extensions import db
from app.ledger.service import balance
from app.messaging.models import OutboundMessage
from app.payments.models import Payment
from app.payments.refunds import refund_order
from tests import factories
from tests.payments.helpers import book, counts, ledger_balanced, sms_to, wallets_match_ledger


def paid_order(client, world, headers):
    order = book(client, world, headers)
    resp = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "mpesa"}, headers=headers)
    assert resp.get_json()["status"] == "succeeded"
    return order


def test_cancellation_refunds_quote_to_wallet_with_fee_returned(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    order = paid_order(client, world, headers)
    quote = client.get(f"/api/v1/orders/{order['id']}/cancellation-quote", headers=headers).get_json()
    amount = quote["refund"]["amount"]
    resp = client.post(f"/api/v1/orders/{order['id']}/cancel", json={"refund_to": "wallet"}, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    assert client.get("/api/v1/wallet", headers=headers).get_json()["balance"]["amount"] == amount
    fee_back = amount * 500 // 10000
    assert balance(f"carrier_payable:{world.carrier.id}", "KES") == 142500 - (amount - fee_back)
    assert balance("platform_fees", "KES") == 7500 - fee_back
    assert any("refunded to your Safiri wallet" in t for t in sms_to(world.passenger.phone, "refund"))
    assert ledger_balanced() and wallets_match_ledger()


def test_refund_order_is_idempotent_on_ref_and_guards_amounts(client, world, auth_headers):
    order_json = paid_order(client, world, auth_headers(world.passenger))
    order = db.session.get(Order, order_json["id"])
    first = refund_order(order, 50000, reason="goodwill", ref="r-1")
    db.session.commit()
    before = counts()
    assert refund_order(order, 50000, reason="goodwill", ref="r-1").id == first.id
    db.session.commit()
    assert counts() == before
    for bad in (0, -1, 1.5):
        with pytest.raises(Unprocessable):
            refund_order(order, bad, reason="x", ref=f"bad-{bad}")
    with pytest.raises(Conflict):
        refund_order(order, 100001, reason="too much", ref="r-2")  # only 1,000 of 1,500 left
    with pytest.raises(Unprocessable):
        refund_order(order, 100, reason="x", destination="cash", ref="r-3")
    db.session.rollback()
    assert counts() == before


def test_mpesa_refund_only_where_carrier_allows_and_is_a_pending_payout(client, world, auth_headers):
    world.carrier.mpesa_refunds_allowed = False  # a carrier that keeps refunds in the wallet
    db.session.commit()
    order_json = paid_order(client, world, auth_headers(world.passenger))
    order = db.session.get(Order, order_json["id"])
    before = counts()
    with pytest.raises(Conflict):
        refund_order(order, 150000, reason="trip cancelled", destination="mpesa", ref="m-1")
    db.session.rollback()
    assert counts() == before
    world.carrier.mpesa_refunds_allowed = True
    db.session.commit()
    refund = refund_order(db.session.get(Order, order_json["id"]), 150000, reason="trip cancelled",
                          destination="mpesa", ref="m-1")
    db.session.commit()
    assert refund.status == "pending_payout"
    assert balance(f"payouts_pending:{world.carrier.id}", "KES") == 150000
    assert any("not instant" in t for t in sms_to(world.passenger.phone, "refund"))
    assert db.session.get(Payment, refund.payment_id).status == "refunded"


def test_trip_cancellation_refunds_everyone_in_full(client, world, auth_headers):
    world.carrier.mpesa_refunds_allowed = False  # a carrier that keeps refunds in the wallet
    db.session.commit()
    headers = auth_headers(world.passenger)
    paid_order(client, world, headers)
    resp = client.post(f"/api/v1/carriers/{world.carrier.id}/trips/{world.trip.id}/cancel",
                       json={"reason": "bus broke down"}, headers=auth_headers(world.admin))
    assert resp.status_code == 200, resp.get_json()
    assert client.get("/api/v1/wallet", headers=headers).get_json()["balance"]["amount"] == 150000
    assert balance(f"carrier_payable:{world.carrier.id}", "KES") == 0
    assert balance("platform_fees", "KES") == 0


def _sms_since(phone, before_ids):
    return [m for m in db.session.scalars(select(OutboundMessage).where(OutboundMessage.to_phone == phone))
            if m.id not in before_ids]


@pytest.mark.parametrize("mpesa", [False, True], ids=["wallet", "mpesa"])
def test_trip_cancellation_sends_each_passenger_one_sms_with_the_refund(client, world, auth_headers, mpesa):
    world.carrier.mpesa_refunds_allowed = mpesa
    world.carrier.name = "Coast Express Luxury Coaches Limited"  # long names must not push it past 160
    other = factories.make_user(phone="+254722000222")
    db.session.commit()
    orders = {p.phone: paid_order(client, world, auth_headers(p)) for p in (world.passenger, other)}
    before = set(db.session.scalars(select(OutboundMessage.id)))
    resp = client.post(f"/api/v1/carriers/{world.carrier.id}/trips/{world.trip.id}/cancel",
                       json={"reason": "bus broke down"}, headers=auth_headers(world.admin))
    assert resp.status_code == 200 and resp.get_json()["orders_refunded"] == 2
    for phone, order in orders.items():
        (sms,) = _sms_since(phone, before)
        assert "cancelled" in sms.text and order["code"] in sms.text and "NBO-ELD" in sms.text
        assert "KES 1,500" in sms.text and len(sms.text) <= 160
        if mpesa:
            assert "M-Pesa" in sms.text and "working days" in sms.text
        else:
            assert "Safiri wallet" in sms.text


def test_passenger_cancellation_sends_one_refund_sms(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    order = paid_order(client, world, headers)
    before = set(db.session.scalars(select(OutboundMessage.id)))
    assert client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=headers).status_code == 200
    (sms,) = _sms_since(world.passenger.phone, before)
    assert sms.kind == "refund" and order["code"] in sms.text
