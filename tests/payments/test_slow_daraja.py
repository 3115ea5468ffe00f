"""A slow Daraja: an STK push whose answer comes after our read timeout is *unknown*, not failed.

Daraja did get the request and may have prompted the phone; the passenger may pay. So the
payment stays open (``pending`` without a CheckoutRequestID), the passenger is told to wait
for the prompt, the STK callback settles it (matched through the push's own callback URL,
or by phone, amount and window), and only when the window has passed with no callback is it
failed. A request that never left (connection refused, connect timeout) is still a plain
failure. Daraja is mocked with ``responses``: the push raises ``ReadTimeout``.
"""
from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from sqlalchemy import select

from app.extensions import db
from app.payments.models import ParkedCallback, Payment
from app.payments.stk_window import window_closes_at
from app.sales.confirming import poll_pending_stk
from tests.channels.test_mpesa_callbacks import STK, cheap, daraja  # noqa: F401 - fixtures
from tests.fixtures import load_fixture
from tests.payments.helpers import (
    DARAJA, DARAJA_CONFIG, FIXTURE_PHONE, book, counts, ledger_balanced, order_status, sms_to,
)

PUSH = f"{DARAJA}/mpesa/stkpush/v1/processrequest"
QUERY = f"{DARAJA}/mpesa/stkpushquery/v1/query"
CHECKOUT = load_fixture("mpesa/stk_push_response.json")["CheckoutRequestID"]
ACCEPTED = {"ResultCode": 0, "ResultDesc": "Accepted"}


@pytest.fixture
def app_settings():
    return DARAJA_CONFIG


def _payment(payment_id) -> Payment:
    db.session.expire_all()
    return db.session.get(Payment, payment_id)


def _pushes(daraja) -> list[dict]:
    return [json.loads(c.request.body) for c in daraja.calls if c.request.url == PUSH]


def slow_push(client, world, auth_headers, daraja, error=None, order=None):
    """Book (unless given an order) and pay by M-Pesa while Daraja's answer never comes back."""
    daraja.replace(responses.POST, PUSH, body=error or requests.exceptions.ReadTimeout("read timed out"))
    headers = auth_headers(world.passenger)
    order = order or book(client, world, headers)
    resp = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "mpesa", "phone": "0708374149"},
                       headers=headers)
    return order, resp


def _callback_path(daraja) -> str:
    """Where Daraja will call back for the last push: the CallBackURL it was handed."""
    url = urlsplit(_pushes(daraja)[-1]["CallBackURL"])
    return f"{url.path}?{url.query}"


def test_a_push_answered_after_the_read_timeout_stays_open_and_says_wait_for_the_prompt(
        client, cheap, auth_headers, daraja):
    order, resp = slow_push(client, cheap, auth_headers, daraja)

    assert resp.status_code == 202, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "pending"
    assert "slow" in body["message"] and "Enter your M-Pesa PIN when the prompt comes" in body["message"]
    assert sms_to(FIXTURE_PHONE) == []  # no "payment failed" SMS: it may well succeed
    assert order_status(order["id"]) == "pending_payment"
    # Asking again while the prompt may still come does not prompt the phone a second time.
    again = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "mpesa", "phone": "0708374149"},
                        headers=auth_headers(cheap.passenger))
    assert again.get_json()["id"] == body["id"] and len(_pushes(daraja)) == 1


def test_its_callback_settles_it_though_the_checkout_id_never_reached_us(client, cheap, auth_headers, daraja):
    order, resp = slow_push(client, cheap, auth_headers, daraja)
    path = _callback_path(daraja)
    assert parse_qs(urlsplit(path).query)["push"] == [str(resp.get_json()["id"])]

    answer = client.post(path, json=load_fixture("mpesa/stk_callback_success.json"))

    assert answer.status_code == 200 and answer.get_json() == ACCEPTED
    payment = _payment(resp.get_json()["id"])
    assert (payment.status, payment.receipt, payment.provider_ref) == ("succeeded", "NLJ7RT61SV", CHECKOUT)
    assert order_status(order["id"]) == "paid" and counts()["tickets"] == 1
    assert counts()["parked"] == 0
    assert any("KES 1 paid by M-Pesa (NLJ7RT61SV)" in t for t in sms_to(FIXTURE_PHONE, "receipt"))
    before = counts()
    client.post(path, json=load_fixture("mpesa/stk_callback_success.json"))  # Daraja retries
    client.post(STK, json=load_fixture("mpesa/stk_callback_success.json"))
    assert counts() == before and ledger_balanced()


def test_a_callback_to_the_plain_url_is_matched_by_phone_amount_and_window(client, cheap, auth_headers, daraja):
    """A push made before its callback URL named it (or a URL rewritten on the way)."""
    order, resp = slow_push(client, cheap, auth_headers, daraja)

    assert client.post(STK, json=load_fixture("mpesa/stk_callback_success.json")).get_json() == ACCEPTED

    assert _payment(resp.get_json()["id"]).status == "succeeded"
    assert order_status(order["id"]) == "paid" and counts()["parked"] == 0


def test_two_open_pushes_alike_are_not_guessed_between(client, cheap, auth_headers, daraja):
    _, first = slow_push(client, cheap, auth_headers, daraja)
    _, second = slow_push(client, cheap, auth_headers, daraja)  # another booking, same phone and amount
    assert first.get_json()["id"] != second.get_json()["id"]

    client.post(STK, json=load_fixture("mpesa/stk_callback_success.json"))

    assert {_payment(p.get_json()["id"]).status for p in (first, second)} == {"pending"}
    assert db.session.scalar(select(ParkedCallback.reason)) == "unknown_checkout"  # a person decides
    assert counts()["tickets"] == 0


def test_a_cancelled_prompt_fails_the_unknown_push_at_once(client, cheap, auth_headers, daraja):
    order, resp = slow_push(client, cheap, auth_headers, daraja)

    client.post(_callback_path(daraja), json=load_fixture("mpesa/stk_callback_cancelled.json"))

    payment = _payment(resp.get_json()["id"])
    assert payment.status == "failed" and "cancelled" in payment.message
    assert order_status(order["id"]) == "pending_payment" and counts()["parked"] == 0


def test_without_a_callback_it_is_failed_once_its_window_has_passed(client, cheap, auth_headers, daraja):
    order, resp = slow_push(client, cheap, auth_headers, daraja)
    payment = _payment(resp.get_json()["id"])
    closes = window_closes_at(payment)

    assert poll_pending_stk(now=closes - timedelta(seconds=1))["failed"] == 0
    assert _payment(payment.id).status == "pending"
    assert poll_pending_stk(now=closes + timedelta(seconds=1))["failed"] == 1

    payment = _payment(payment.id)
    assert payment.status == "failed" and "did not confirm" in payment.message
    assert not [c for c in daraja.calls if c.request.url == QUERY]  # no CheckoutRequestID to ask about
    [sms] = sms_to(FIXTURE_PHONE, "payment_failed")
    assert "did not confirm" in sms and f"PAY {order['code']}" in sms
    # The money may still come: a success after the window is a late payment, not lost.
    client.post(_callback_path(daraja), json=load_fixture("mpesa/stk_callback_success.json"))
    assert _payment(payment.id).status == "succeeded" and order_status(order["id"]) == "paid"
    assert counts()["parked"] == 0 and ledger_balanced()


def test_the_plain_url_does_not_match_a_push_whose_window_has_passed(client, cheap, auth_headers, daraja):
    _, resp = slow_push(client, cheap, auth_headers, daraja)
    payment = _payment(resp.get_json()["id"])
    payment.created_at -= timedelta(hours=1)
    db.session.commit()

    client.post(STK, json=load_fixture("mpesa/stk_callback_success.json"))

    assert _payment(payment.id).status == "pending"
    assert db.session.scalar(select(ParkedCallback.reason)) == "unknown_checkout"


@pytest.mark.parametrize("error", [
    requests.exceptions.ConnectTimeout("connect timed out"),
    requests.exceptions.ConnectionError("[Errno 111] Connection refused"),
])
def test_a_push_that_never_left_is_still_a_plain_failure(client, cheap, auth_headers, daraja, error):
    order, resp = slow_push(client, cheap, auth_headers, daraja, error=error)

    body = resp.get_json()
    assert body["status"] == "failed" and "could not send the payment prompt" in body["message"]
    assert order_status(order["id"]) == "pending_payment"


@pytest.mark.parametrize("push", ["abc", "0", "-3", "99999999999999999999", "1 OR 1=1", ""])
def test_a_callback_url_naming_no_real_push_is_accepted_and_parked(client, cheap, push):
    resp = client.post(f"{STK}&push={push}", json=load_fixture("mpesa/stk_callback_success.json"))

    assert resp.status_code == 200 and resp.get_json() == ACCEPTED
    assert db.session.scalar(select(ParkedCallback.reason)) == "unknown_checkout"
    assert counts()["ledger_txns"] == 0
