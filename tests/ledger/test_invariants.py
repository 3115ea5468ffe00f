"""Property: whatever passengers and operators do, the ledger balances and wallets stay true.

Random sequences of purchases (M-Pesa sandbox success or failure, wallet), replayed and
duplicate confirmations, cancellations and top-ups run through the same HTTP endpoints
and settlement functions as production; after each sequence every transaction sums to
zero per currency, no wallet is negative and each cached balance equals its ledger sum.
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.booking.models import Order
from app.extensions import db
from app.payments.models import Payment
from app.payments.settlement import settle_failure
from app.sales.confirming import confirm_payment
from tests import factories
from tests.conftest import _empty_all_tables
from tests.payments.helpers import ledger_balanced, wallets_match_ledger

ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("buy"), st.sampled_from(["mpesa", "mpesa_fail", "wallet", "airtime"])),
        st.tuples(st.just("topup"), st.sampled_from([1000, 10000, 50000, 200000])),
        st.tuples(st.just("cancel"), st.integers(0, 5)),
        st.tuples(st.just("replay"), st.integers(0, 5)),
        st.tuples(st.just("second_payment"), st.integers(0, 5)),
    ),
    min_size=1, max_size=8,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_ledger_invariants_hold_for_any_sequence(app, actions):
    _empty_all_tables()  # each example starts from nothing
    world = factories.build_world()
    client = app.test_client()
    headers = factories.auth_headers(world.passenger)
    orders: list[int] = []
    for action, arg in actions:
        if action == "buy":
            resp = client.post("/api/v1/orders", json={
                "trip_id": world.trip.id, "origin_stop_id": world.nairobi.id,
                "destination_stop_id": world.nakuru.id, "passengers": [{"fare_class": "standard"}]}, headers=headers)
            if resp.status_code != 201:
                continue
            order_id = resp.get_json()["id"]
            orders.append(order_id)
            body = {"method": "mpesa" if arg == "mpesa_fail" else arg}
            if arg == "mpesa_fail":
                body["phone"] = "0711000000"
            client.post(f"/api/v1/orders/{order_id}/payments", json=body, headers=headers)
        elif action == "topup":
            client.post("/api/v1/wallet/top-ups", json={"amount": {"amount": arg, "currency": "KES"}}, headers=headers)
        elif action == "cancel" and orders:
            client.post(f"/api/v1/orders/{orders[arg % len(orders)]}/cancel", json={}, headers=headers)
        elif action == "replay":
            payments = db.session.query(Payment).order_by(Payment.id).all()
            if payments:
                p = payments[arg % len(payments)]
                confirm_payment(p.id, amount=p.amount, currency=p.currency, receipt=p.receipt, source="replay")
                settle_failure(p.id, code="1032", reason="late failure", message="x", source="replay")
                db.session.commit()
        elif action == "second_payment" and orders:
            order_id = orders[arg % len(orders)]
            order = db.session.get(Order, order_id)
            p = Payment(order_id=order_id, user_id=order.user_id, purpose="order", method="mpesa_stk",
                        provider="sandbox", amount=order.total_amount, currency=order.currency,
                        phone=world.passenger.phone, status="pending")
            db.session.add(p)
            db.session.flush()
            confirm_payment(p.id, amount=p.amount, currency=p.currency, receipt=f"DUP{p.id}", source="test")
            db.session.commit()
        assert ledger_balanced()
        assert wallets_match_ledger()
    db.session.expire_all()
    assert ledger_balanced() and wallets_match_ledger()
