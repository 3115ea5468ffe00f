"""Daraja's STK callback and the STK-query poller settling the same push at the same moment
(PostgreSQL only): exactly one settlement.

Following pretix: first prove the race exists (with the payment's row lock taken away,
both read "pending" and both settle: the order is paid once and the same money is
credited to the wallet a second time), then that ``lock_payment`` (SELECT ... FOR UPDATE
and a re-check) makes the loser a no-op. A barrier lines both up right where they take
the payment, so the race happens on every run, not by luck.
"""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import responses
from sqlalchemy import func, select

from app.extensions import db
from app.ledger.models import LedgerTransaction
from app.messaging.models import OutboundMessage
from app.payments import settlement
from app.sales.confirming import poll_pending_stk
from app.payments.models import Payment
from tests.channels.test_mpesa_callbacks import STK, cheap, daraja, pushed  # noqa: F401 - fixtures
from tests.fixtures import load_fixture
from tests.payments.helpers import (
    DARAJA, DARAJA_CONFIG, FIXTURE_PHONE, counts, ledger_balanced, order_status, wallets_match_ledger,
)

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def app_settings():
    return DARAJA_CONFIG


def _race(app, client, payment_id, lock):
    """The callback (through HTTP) and the poller (the sweep) settle ``payment_id`` together."""
    barrier = threading.Barrier(2, timeout=20)
    arrived = []

    def lined_up(pid):
        arrived.append(threading.current_thread().name)
        barrier.wait()  # both have decided to settle; now they take the payment
        return lock(pid)

    results, errors = {}, []

    def callback():
        try:
            results["callback"] = client.post(STK, json=load_fixture("mpesa/stk_callback_success.json")).status_code
        except Exception as exc:  # asserted below
            errors.append(exc)

    def poller():
        with app.app_context():
            try:
                due = db.session.get(Payment, payment_id).next_poll_at + timedelta(seconds=1)
                db.session.rollback()
                results["poller"] = poll_pending_stk(now=due)
            except Exception as exc:  # asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    mp = pytest.MonkeyPatch()
    mp.setattr(settlement, "lock_payment", lined_up)
    try:
        threads = [threading.Thread(target=callback, name="callback"), threading.Thread(target=poller, name="poller")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        mp.undo()
    assert not errors, errors
    assert sorted(arrived) == ["callback", "poller"]  # both really raced for the payment
    assert results["callback"] == 200
    db.session.expire_all()
    return results


def _read_without_lock(payment_id):
    """The guard removed: a plain read, as if ``lock_payment`` took no row lock."""
    return db.session.execute(
        select(Payment).where(Payment.id == payment_id).execution_options(populate_existing=True)
    ).scalar_one()


def _settlements(payment_id) -> dict:
    def sms(kind):
        return db.session.scalar(select(func.count(OutboundMessage.id)).where(
            OutboundMessage.to_phone == FIXTURE_PHONE, OutboundMessage.kind == kind))

    return {
        "ledger_txns": db.session.scalar(select(func.count(LedgerTransaction.id))
                                         .where(LedgerTransaction.payment_id == payment_id)),
        "tickets": counts()["tickets"],
        "receipt_sms": sms("receipt"),
        "refund_sms": sms("refund"),
        "wallet_total": counts()["wallet_total"],
    }


@pytest.fixture
def racing_push(app, client, cheap, auth_headers, daraja):
    order, body = pushed(client, cheap, auth_headers, daraja)
    daraja.add(responses.POST, f"{DARAJA}/mpesa/stkpushquery/v1/query",
               json=load_fixture("mpesa/stk_query_response.json"))
    db.session.commit()
    return order, body["id"]


def test_without_the_payment_lock_callback_and_poller_both_settle(app, client, racing_push):
    order, payment_id = racing_push
    _race(app, client, payment_id, _read_without_lock)
    got = _settlements(payment_id)
    # Paid once, and the same KES 1 credited to the wallet a second time: money out of thin air.
    assert got == {"ledger_txns": 2, "tickets": 1, "receipt_sms": 1, "refund_sms": 1, "wallet_total": 100}


def test_the_payment_lock_lets_exactly_one_of_them_settle(app, client, racing_push):
    order, payment_id = racing_push
    results = _race(app, client, payment_id, settlement.lock_payment)
    got = _settlements(payment_id)
    assert got == {"ledger_txns": 1, "tickets": 1, "receipt_sms": 1, "refund_sms": 0, "wallet_total": 0}
    payment = db.session.get(Payment, payment_id)
    assert payment.status == "succeeded" and payment.receipt == "NLJ7RT61SV" and payment.outcome == "applied"
    assert order_status(order["id"]) == "paid"
    assert results["poller"]["succeeded"] == 1  # it asked Daraja and settled, or found it settled: no error
    assert ledger_balanced() and wallets_match_ledger()
