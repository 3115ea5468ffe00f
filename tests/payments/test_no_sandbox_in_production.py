"""The self-confirming sandbox provider cannot take part in a payment in production.

Production refuses to start without Daraja credentials (tests/test_production_config.py);
these tests force the app into production without them anyway, as a slipped
configuration would, and check the second guard: nothing is sold for no money.
"""
from __future__ import annotations

import pytest

from app.extensions import db
from app.payments.models import Payment
from app.payments.providers.sandbox import SandboxForbidden, SandboxProvider
from app.payments.service import PaymentMethodUnavailable, select_provider
from app.sales.confirming import confirm_sandbox_payment as confirm
from app.sales.wallet import top_up
from tests.payments.helpers import book, counts, order_status


@pytest.fixture
def force_production(app):
    """Flip the running app to production, with no operator configured."""
    def _force():
        app.config["APP_ENV"] = "production"

    return _force


@pytest.mark.parametrize("method", ["mpesa", "airtime"])
def test_paying_an_order_without_an_operator_in_production_is_refused_and_changes_nothing(
        client, world, auth_headers, force_production, method):
    headers = auth_headers(world.passenger)
    order = book(client, world, headers)
    force_production()
    before = counts()
    resp = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": method}, headers=headers)
    assert resp.status_code == 503
    assert resp.content_type == "application/problem+json"
    assert resp.get_json()["type"].endswith("payment-method-unavailable")
    assert counts() == before
    assert order_status(order["id"]) == "pending_payment"


def test_a_top_up_without_daraja_in_production_is_refused_and_credits_nothing(app, world, force_production):
    force_production()
    before = counts()
    with pytest.raises(PaymentMethodUnavailable):
        top_up(world.passenger, 15_000_000)  # the KES 150,000 obtained for nothing
    assert counts() == before


def test_selection_never_yields_the_sandbox_in_production(app, force_production):
    assert select_provider("mpesa_stk").name == "sandbox"  # development: the sandbox
    force_production()
    for method in ("mpesa_stk", "airtime"):
        with pytest.raises(PaymentMethodUnavailable):
            select_provider(method)


def test_the_sandbox_provider_itself_refuses_production_however_it_is_reached(
        client, world, auth_headers, force_production):
    headers = auth_headers(world.passenger)
    order = book(client, world, headers)
    provider = SandboxProvider()  # chosen before the switch, as a stale reference would be
    payment = Payment(order_id=order["id"], user_id=world.passenger.id, purpose="order", method="mpesa_stk",
                      provider="sandbox", amount=150000, currency="KES", phone=world.passenger.phone)
    db.session.add(payment)
    db.session.commit()
    force_production()

    with pytest.raises(SandboxForbidden):
        SandboxProvider()
    with pytest.raises(SandboxForbidden):
        provider.start(payment, account_reference=order["code"], description="x")
    with pytest.raises(SandboxForbidden):
        confirm(payment.id)  # a sandbox confirmation job still queued: it settles nothing
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status == "initiated"
    assert order_status(order["id"]) == "pending_payment"
