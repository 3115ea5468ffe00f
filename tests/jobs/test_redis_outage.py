"""Redis down: work that committed answers as it committed, and nothing answers 500.

The app is pointed at a Redis address where nothing listens (the queue, the rate limits
and the USSD state all live there), exactly what a web worker sees while Redis restarts.
The outbox row is the truth: the SMS each change queued are still ``queued`` and the
sweep sends them once the queue is back (``tests/test_redis_outage_processes.py`` shows
that with the real processes).
"""
from __future__ import annotations

import logging

import pytest
import responses
from sqlalchemy import func, select

from app.auth.idempotency_models import IdempotencyRecord
from app.extensions import db as _db
from app.extensions import limit_key, spend
from app.messaging.models import OutboundMessage
from app.messaging.service import send_stuck_messages
from tests.auth.flow import request_code
from tests.fixtures import load_fixture
from tests.payments.helpers import DARAJA, DARAJA_CONFIG, TOKEN, book, fund_wallet, order_status


DEAD = "redis://127.0.0.1:1/0"  # nothing listens on port 1
STK = f"/channels/mobile-money/stk?token={TOKEN}"
CONFIRMATION = f"/channels/mobile-money/c2b/confirmation?token={TOKEN}"
ACCEPTED = {"ResultCode": 0, "ResultDesc": "Accepted"}


@pytest.fixture
def app_settings():
    return {**DARAJA_CONFIG, "REDIS_URL": DEAD, "RATELIMIT_STORAGE_URI": DEAD}


@pytest.fixture
def daraja():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.GET, f"{DARAJA}/oauth/v1/generate", json=load_fixture("mpesa/oauth_response.json"))
        mock.add(responses.POST, f"{DARAJA}/mpesa/stkpush/v1/processrequest",
                 json=load_fixture("mpesa/stk_push_response.json"))
        yield mock


def _queued_sms(phone: str) -> list[str]:
    _db.session.expire_all()
    return list(_db.session.scalars(select(OutboundMessage.kind).where(
        OutboundMessage.to_phone == phone, OutboundMessage.status == "queued").order_by(OutboundMessage.id)))


def test_a_wallet_payment_answers_what_it_did_and_its_retry_gets_the_same(client, world, auth_headers, caplog):
    headers = auth_headers(world.passenger)
    order = book(client, world, headers)
    fund_wallet(world.passenger, 500000)
    keyed = headers | {"Idempotency-Key": "pay-1"}
    with caplog.at_level(logging.WARNING, logger="app.jobs"):
        first = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "wallet"}, headers=keyed)
    assert first.status_code == 202, first.get_data(as_text=True)
    assert first.get_json()["status"] == "succeeded"
    assert order_status(order["id"]) == "paid"
    again = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "wallet"}, headers=keyed)
    assert again.status_code == 202 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    record = _db.session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == "pay-1"))
    assert record.response_status == 202  # completed, not left "in flight"
    # The SMS wait in the outbox; one line each says why, no traceback.
    assert "receipt" in _queued_sms(world.passenger.phone)
    not_queued = [r for r in caplog.records if r.name == "app.jobs" and "not queued" in r.getMessage()]
    assert not_queued and all(r.exc_info is None for r in not_queued)


def test_a_cancellation_with_its_refund_answers_200(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    order = book(client, world, headers)
    fund_wallet(world.passenger, 500000)
    paid = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "wallet"}, headers=headers)
    assert paid.status_code == 202, paid.get_data(as_text=True)
    keyed = headers | {"Idempotency-Key": "cancel-1"}
    first = client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=keyed)
    assert first.status_code == 200, first.get_data(as_text=True)
    assert first.get_json()["refund"]["amount"] > 0
    again = client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=keyed)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert "refund" in _queued_sms(world.passenger.phone)


def test_an_stk_callback_and_a_paybill_confirmation_are_accepted(client, world, auth_headers, daraja):
    world.fares[("NBO", "ELD", "standard")].amount = 100  # KES 1, the fixtures' amount
    _db.session.commit()
    headers = auth_headers(world.passenger)
    pushed = book(client, world, headers)
    resp = client.post(f"/api/v1/orders/{pushed['id']}/payments", json={"method": "mpesa", "phone": "0708374149"},
                       headers=headers)
    assert resp.status_code == 202, resp.get_data(as_text=True)
    callback = client.post(STK, json=load_fixture("mpesa/stk_callback_success.json"))
    assert callback.status_code == 200 and callback.get_json() == ACCEPTED
    assert order_status(pushed["id"]) == "paid"

    other = book(client, world, headers, seat="7")
    body = load_fixture("mpesa/c2b_confirmation.json")
    body["BillRefNumber"], body["TransAmount"] = other["code"], "1"
    confirmed = client.post(CONFIRMATION, json=body)
    assert confirmed.status_code == 200 and confirmed.get_json() == ACCEPTED
    assert order_status(other["id"]) == "paid"


def test_sign_in_codes_are_sent_and_still_limited_without_the_limiters_storage(client):
    phone = "+254766000031"
    for _ in range(3):
        assert request_code(client, phone).status_code == 202
    assert request_code(client, phone).status_code == 429  # counted in memory meanwhile
    assert _queued_sms(phone) == ["otp", "otp", "otp"]


def test_limits_counted_by_hand_still_hold_while_the_store_is_away(app):
    # USSD steps, inbound SMS and payment prompts count through ``spend``: in memory now.
    key = limit_key("outage-test", "+254766000061")
    assert [spend(("2 per minute", key)) for _ in range(2)] == [None, None]
    assert spend(("2 per minute", key)) > 0  # seconds to wait, as with Redis


def test_the_sweep_sends_what_the_outage_left_queued(client, world, auth_headers, app):
    assert request_code(client, "+254766000041").status_code == 202
    app.config["SMS_STUCK_AFTER_SECONDS"] = 0
    assert send_stuck_messages() >= 1
    assert _queued_sms("+254766000041") == []
    assert _db.session.scalar(select(func.count()).select_from(OutboundMessage).where(
        OutboundMessage.status == "sent")) >= 1


def test_ussd_answers_an_end_screen_not_a_500(client):
    resp = client.post(f"/channels/ussd?token={TOKEN}", data={
        "sessionId": "ATUid_outage", "phoneNumber": "+254766000051", "serviceCode": "*384*1234#", "text": ""})
    assert resp.status_code == 200 and resp.get_data(as_text=True).startswith("END ")
