"""A worker killed during an STK push leaves its payment ``initiated``: a sweep resolves it,
and a later attempt for the same order is not blocked by it for ever.

The kill is simulated where it happens: the payment row is committed, then the process dies
inside the provider call (a ``BaseException`` nothing in the app catches), so the row stays
``initiated`` with no CheckoutRequestID, exactly as a SIGKILL would leave it.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import responses

from app.database import utcnow
from app.extensions import db
from app.jobs.periodic import SWEEPS
from app.payments.jobs import resolve_stuck_pushes
from app.payments.models import Payment
from app.payments.providers import mpesa_stk
from app.payments.stk_window import stuck_after, window_closes_at
from app.states.history import history_of
from app.sales.confirming import poll_pending_stk
from tests.channels.test_mpesa_callbacks import STK, cheap, daraja  # noqa: F401 - fixtures
from tests.fixtures import load_fixture
from tests.payments.helpers import DARAJA, DARAJA_CONFIG, FIXTURE_PHONE, book, counts, order_status, sms_to

PUSH = f"{DARAJA}/mpesa/stkpush/v1/processrequest"
QUERY = f"{DARAJA}/mpesa/stkpushquery/v1/query"


class WorkerKilled(BaseException):
    """What the process sees of a SIGKILL: nothing after this line runs."""


@pytest.fixture
def app_settings():
    return DARAJA_CONFIG


def _pay(client, world, auth_headers, order):
    return client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "mpesa", "phone": "0708374149"},
                       headers=auth_headers(world.passenger))


def stuck_push(client, world, auth_headers, monkeypatch, age=timedelta(minutes=3)) -> tuple[dict, Payment]:
    """An order whose M-Pesa payment was left ``initiated`` ``age`` ago by a killed worker."""
    order = book(client, world, auth_headers(world.passenger))

    def killed(self, payment, **kwargs):
        raise WorkerKilled

    with monkeypatch.context() as patch:
        patch.setattr(mpesa_stk.MpesaStkProvider, "start", killed)
        with pytest.raises(WorkerKilled):
            _pay(client, world, auth_headers, order)
    db.session.rollback()
    payment = db.session.query(Payment).filter_by(order_id=order["id"]).one()
    assert payment.status == "initiated" and payment.provider_ref is None
    payment.created_at = utcnow() - age
    db.session.commit()
    return order, payment


def _payment(payment_id) -> Payment:
    db.session.expire_all()
    return db.session.get(Payment, payment_id)


def _pushes(daraja) -> int:
    return len([c for c in daraja.calls if c.request.url == PUSH])


def test_a_new_attempt_after_a_stuck_push_prompts_the_phone_again(client, cheap, auth_headers, daraja, monkeypatch):
    order, stuck = stuck_push(client, cheap, auth_headers, monkeypatch)

    resp = _pay(client, cheap, auth_headers, order)

    assert resp.status_code == 202, resp.get_json()
    assert resp.get_json()["id"] != stuck.id and resp.get_json()["status"] == "pending"
    assert _pushes(daraja) == 1  # the new attempt reached Daraja


def test_within_the_grace_a_second_tap_still_returns_the_push_under_way(
        client, cheap, auth_headers, daraja, monkeypatch):
    order, stuck = stuck_push(client, cheap, auth_headers, monkeypatch, age=timedelta(seconds=5))

    resp = _pay(client, cheap, auth_headers, order)

    assert resp.get_json()["id"] == stuck.id and _pushes(daraja) == 0


def test_the_sweep_keeps_a_stuck_push_open_for_its_callback(client, cheap, auth_headers, daraja, monkeypatch):
    order, stuck = stuck_push(client, cheap, auth_headers, monkeypatch)

    assert resolve_stuck_pushes() == {"waiting": 1, "polling": 0, "failed": 0, "errors": 0}

    payment = _payment(stuck.id)
    assert payment.status == "pending" and payment.provider_ref is None
    assert "Enter your M-Pesa PIN when the prompt comes" in payment.message
    last = history_of("payment", stuck.id)[-1]
    assert (last.from_status, last.to_status, last.actor) == ("initiated", "pending", "system:stk-sweep")
    # Its callback (if the push did leave) finds it by phone, amount and window.
    client.post(STK, json=load_fixture("mpesa/stk_callback_success.json"))
    assert _payment(stuck.id).status == "succeeded" and order_status(order["id"]) == "paid"
    assert counts()["parked"] == 0 and counts()["tickets"] == 1


def test_a_stuck_push_nobody_answers_is_failed_when_its_window_has_passed(
        client, cheap, auth_headers, daraja, monkeypatch):
    order, stuck = stuck_push(client, cheap, auth_headers, monkeypatch)
    resolve_stuck_pushes()
    closes = window_closes_at(_payment(stuck.id))

    poll_pending_stk(now=closes + timedelta(seconds=1))

    payment = _payment(stuck.id)
    assert payment.status == "failed" and "did not confirm" in payment.message
    assert any("did not confirm" in sms for sms in sms_to(FIXTURE_PHONE, "payment_failed"))
    assert order_status(order["id"]) == "pending_payment"  # the passenger can pay again


def test_a_push_stuck_past_its_window_is_failed_by_the_sweep_at_once(client, cheap, auth_headers, daraja, monkeypatch):
    _, stuck = stuck_push(client, cheap, auth_headers, monkeypatch, age=timedelta(hours=2))

    assert resolve_stuck_pushes() == {"waiting": 0, "polling": 0, "failed": 1, "errors": 0}

    assert _payment(stuck.id).status == "failed"


def test_a_stuck_push_with_a_checkout_id_is_handed_to_the_stk_query(app, world, daraja):
    now = utcnow()
    payment = Payment(user_id=world.passenger.id, purpose="topup", method="mpesa_stk", provider="mpesa",
                      amount=10000, currency="KES", phone=FIXTURE_PHONE, status="initiated",
                      provider_ref="ws_CO_stuck", created_at=now - timedelta(minutes=5))
    db.session.add(payment)
    db.session.commit()
    daraja.add(responses.POST, QUERY, json=load_fixture("mpesa/stk_query_response.json"))

    assert resolve_stuck_pushes(now=now) == {"waiting": 0, "polling": 1, "failed": 0, "errors": 0}
    poll_pending_stk(now=now)

    assert [json.loads(c.request.body)["CheckoutRequestID"] for c in daraja.calls
            if c.request.url == QUERY] == ["ws_CO_stuck"]
    assert _payment(payment.id).status == "succeeded"


def test_a_push_still_under_way_is_left_alone(app, world):
    now = utcnow()
    payment = Payment(user_id=world.passenger.id, purpose="topup", method="mpesa_stk", provider="mpesa",
                      amount=10000, currency="KES", phone=FIXTURE_PHONE, status="initiated",
                      created_at=now - stuck_after() + timedelta(seconds=1))
    db.session.add(payment)
    db.session.commit()

    assert resolve_stuck_pushes(now=now) == {"waiting": 0, "polling": 0, "failed": 0, "errors": 0}
    assert _payment(payment.id).status == "initiated"


def test_the_sweep_runs_beside_the_stk_poller():
    names = {sweep.name: sweep for sweep in SWEEPS}
    assert names["stuck-stk"].func_path == "app.payments.jobs:resolve_stuck_pushes"
    assert names["stuck-stk"].every == names["poll-stk"].every
