"""STK pushes whose callback never comes: polled with backoff, expired after a bounded time,
newest pushes never starved; a success arriving after expiry is still a (late) payment."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import responses
from sqlalchemy import select

from app.booking.jobs import expire_holds
from app.booking.models import Order, SeatHold
from app.states.history import history_of
from app.database import utcnow
from app.extensions import db
from app.payments import jobs
from app.sales import confirming
from app.sales.confirming import poll_pending_stk
from app.payments.models import Payment
from tests.channels.test_mpesa_callbacks import STK, cheap, daraja, pushed  # noqa: F401 - fixtures
from tests.factories import make_user
from tests.fixtures import load_fixture
from tests.payments.helpers import (
    DARAJA, DARAJA_CONFIG, FIXTURE_PHONE, book, counts, ledger_balanced, order_status, sms_to,
    wallets_match_ledger,
)

QUERY = f"{DARAJA}/mpesa/stkpushquery/v1/query"
PROCESSING = {"errorCode": "500.001.1001", "errorMessage": "The transaction is being processed"}


@pytest.fixture
def app_settings():
    return DARAJA_CONFIG


def _queried(daraja) -> list[str]:
    return [json.loads(c.request.body)["CheckoutRequestID"] for c in daraja.calls if c.request.url == QUERY]


def _payment(payment_id) -> Payment:
    db.session.expire_all()
    return db.session.get(Payment, payment_id)


def test_a_push_that_stays_pending_is_polled_with_backoff_then_expires(client, cheap, auth_headers, daraja):
    order, body = pushed(client, cheap, auth_headers, daraja)
    daraja.add(responses.POST, QUERY, json=PROCESSING, status=500)
    started = _payment(body["id"]).created_at
    sms_before = counts()["sms"]

    polled_at = []
    for minute in range(0, 41):  # a sweep every minute for 40 minutes
        before = len(_queried(daraja))
        poll_pending_stk(now=started + timedelta(minutes=minute, seconds=1))
        if len(_queried(daraja)) > before:
            polled_at.append(minute)

    # 2 min, then 4, 8, then capped at 10; the last query at the 30-minute bound expires it.
    assert polled_at == [2, 6, 14, 24, 30]
    payment = _payment(body["id"])
    assert payment.status == "expired" and payment.poll_count == 5 and payment.next_poll_at is None
    last = history_of("payment", payment.id)[-1]  # time ran out: the poller decided, not M-Pesa
    assert (last.from_status, last.to_status, last.actor) == ("pending", "expired", "system:stk-poll")
    got = client.get(f"/api/v1/payments/{body['id']}", headers=auth_headers(cheap.passenger)).get_json()
    assert got["status"] == "expired" and "expired" in got["message"] and "nothing was charged" in got["message"]
    assert counts()["sms"] == sms_before  # an unanswered prompt sends no SMS
    assert order_status(order["id"]) == "pending_payment"  # the hold lapses by its own rules


def test_darajas_request_expired_answer_expires_the_push_at_once(client, cheap, auth_headers, daraja):
    order, body = pushed(client, cheap, auth_headers, daraja)
    daraja.add(responses.POST, QUERY, json=dict(load_fixture("mpesa/stk_query_response.json"),
                                                ResultCode="1019", ResultDesc="Transaction has expired"))
    outcome = poll_pending_stk(now=_payment(body["id"]).created_at + timedelta(minutes=3))
    assert outcome["expired"] == 1
    payment = _payment(body["id"])
    assert payment.status == "expired" and payment.result_code == "1019"


def test_daraja_unreachable_still_expires_the_push_within_a_bound(client, cheap, auth_headers, daraja):
    _, body = pushed(client, cheap, auth_headers, daraja)
    daraja.add(responses.POST, QUERY, body="<html>Bad gateway</html>", status=502)
    started = _payment(body["id"]).created_at
    for minute in range(0, 61, 1):
        poll_pending_stk(now=started + timedelta(minutes=minute, seconds=1))
        if minute == 59:
            assert _payment(body["id"]).status == "pending"  # no answer: keeps trying past 30 min
    assert _payment(body["id"]).status == "expired"  # ...but gives up at twice the bound


def test_newer_pushes_are_not_starved_by_old_ones_that_stay_pending(app, world, daraja, monkeypatch):
    monkeypatch.setattr(jobs, "BATCH", 2)
    now = utcnow()
    rows = [Payment(user_id=world.passenger.id, purpose="topup", method="mpesa_stk", provider="mpesa",
                    amount=10000, currency="KES", phone=FIXTURE_PHONE, status="pending",
                    provider_ref=f"ws_CO_{n}", created_at=now - timedelta(minutes=10 - n),
                    next_poll_at=now - timedelta(minutes=8 - n)) for n in range(3)]
    db.session.add_all(rows)
    db.session.commit()
    daraja.add(responses.POST, QUERY, json=PROCESSING, status=500)

    poll_pending_stk(now=now)
    assert _queried(daraja) == ["ws_CO_0", "ws_CO_1"]  # the batch is full
    poll_pending_stk(now=now + timedelta(minutes=1))
    assert _queried(daraja)[2:] == ["ws_CO_2"]  # the old ones backed off; the newest gets its turn


def _expire_everything(payment_id, order_id):
    """As if the push was started 31 minutes ago and its hold lapsed; then the sweeps run."""
    past = utcnow() - timedelta(minutes=31)
    payment = db.session.get(Payment, payment_id)
    payment.created_at, payment.next_poll_at = past, utcnow() - timedelta(seconds=1)
    db.session.get(Order, order_id).hold_expires_at = past
    for hold in db.session.scalars(select(SeatHold).where(SeatHold.order_id == order_id)):
        hold.expires_at = past
    db.session.commit()
    assert poll_pending_stk()["expired"] == 1
    expire_holds()
    db.session.commit()  # the job runner commits a sweep
    assert order_status(order_id) == "expired" and _payment(payment_id).status == "expired"


def test_success_callback_after_expiry_issues_the_ticket_when_the_seat_is_free(
        client, cheap, auth_headers, daraja):
    order, body = pushed(client, cheap, auth_headers, daraja)
    daraja.add(responses.POST, QUERY, json=PROCESSING, status=500)
    _expire_everything(body["id"], order["id"])

    client.post(STK, json=load_fixture("mpesa/stk_callback_success.json"))

    assert _payment(body["id"]).status == "succeeded"
    assert order_status(order["id"]) == "paid" and counts()["tickets"] == 1
    assert any("KES 1 paid by M-Pesa (NLJ7RT61SV)" in t for t in sms_to(FIXTURE_PHONE, "receipt"))
    assert ledger_balanced()


def test_success_callback_after_expiry_refunds_to_the_wallet_when_the_seat_was_sold(
        client, cheap, auth_headers, daraja):
    order, body = pushed(client, cheap, auth_headers, daraja)
    daraja.add(responses.POST, QUERY, json=PROCESSING, status=500)
    _expire_everything(body["id"], order["id"])
    rival = make_user(phone="+254722555666")
    db.session.commit()
    book(client, cheap, auth_headers(rival), seat=order["items"][0]["seat"])

    client.post(STK, json=load_fixture("mpesa/stk_callback_success.json"))

    assert _payment(body["id"]).status == "succeeded" and _payment(body["id"]).outcome == "seats_gone"
    wallet = client.get("/api/v1/wallet", headers=auth_headers(cheap.passenger)).get_json()
    assert wallet["balance"] == {"amount": 100, "currency": "KES"}
    assert any("could not keep your seat" in t for t in sms_to(FIXTURE_PHONE, "refund"))
    assert counts()["tickets"] == 0
    assert wallets_match_ledger() and ledger_balanced()


def test_one_push_that_cannot_be_settled_does_not_stop_the_others(app, world, daraja, monkeypatch):
    now = utcnow()
    db.session.add_all([Payment(user_id=world.passenger.id, purpose="topup", method="mpesa_stk", provider="mpesa",
                                amount=10000, currency="KES", phone=FIXTURE_PHONE, status="pending",
                                provider_ref=f"ws_CO_{n}", created_at=now - timedelta(minutes=5),
                                next_poll_at=now - timedelta(minutes=2 - n)) for n in range(2)])
    db.session.commit()
    daraja.add(responses.POST, QUERY, json=load_fixture("mpesa/stk_query_response.json"))
    real = confirming.confirm_payment

    def flaky(payment_id, **kw):
        if db.session.get(Payment, payment_id).provider_ref == "ws_CO_0":
            raise RuntimeError("database hiccup")
        return real(payment_id, **kw)

    monkeypatch.setattr(confirming, "confirm_payment", flaky)
    assert poll_pending_stk(now=now) == {"succeeded": 1, "failed": 0, "pending": 0, "expired": 0, "errors": 1}
    first, second = (db.session.scalar(select(Payment).where(Payment.provider_ref == f"ws_CO_{n}")) for n in (0, 1))
    assert second.status == "succeeded"
    assert first.status == "pending" and first.next_poll_at > now  # tried again later, with backoff
