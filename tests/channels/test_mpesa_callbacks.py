"""Daraja callbacks through HTTP with the wire fixtures; Daraja itself mocked with responses."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import responses
from sqlalchemy import func, select

from app.booking.models import Order, SeatHold
from app.database import utcnow
from app.extensions import db as _db
from app.ledger.service import balance
from app.payments.models import ParkedCallback, Payment
from app.sales.confirming import poll_pending_stk
from tests.factories import make_user
from tests.fixtures import load_fixture
from tests.payments.helpers import (
    DARAJA, DARAJA_CONFIG, FIXTURE_PHONE, TOKEN, book, counts, ledger_balanced, order_status, sms_to,
    wallets_match_ledger,
)

STK = f"/channels/mobile-money/stk?token={TOKEN}"
VALIDATION = f"/channels/mobile-money/c2b/validation?token={TOKEN}"
CONFIRMATION = f"/channels/mobile-money/c2b/confirmation?token={TOKEN}"
ACCEPTED = {"ResultCode": 0, "ResultDesc": "Accepted"}
CHECKOUT = load_fixture("mpesa/stk_push_response.json")["CheckoutRequestID"]


@pytest.fixture
def app_settings():
    """Daraja configured (mocked) and a channel token."""
    return DARAJA_CONFIG


@pytest.fixture
def daraja():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.GET, f"{DARAJA}/oauth/v1/generate", json=load_fixture("mpesa/oauth_response.json"))
        mock.add(responses.POST, f"{DARAJA}/mpesa/stkpush/v1/processrequest",
                 json=load_fixture("mpesa/stk_push_response.json"))
        yield mock


@pytest.fixture
def cheap(world):
    """Make the Nairobi-Eldoret standard fare KES 1, the amount in the success fixture."""
    world.fares[("NBO", "ELD", "standard")].amount = 100
    _db.session.commit()
    return world


def pushed(client, world, auth_headers, daraja, phone="0708374149"):
    headers = auth_headers(world.passenger)
    order = book(client, world, headers)
    resp = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "mpesa", "phone": phone},
                       headers=headers)
    assert resp.status_code == 202, resp.get_json()
    payment = resp.get_json()
    assert payment["status"] == "pending" and payment["message"].startswith("Check your phone")
    return order, payment


def test_stk_push_request_carries_booking_code_and_tokened_callback(client, cheap, auth_headers, daraja):
    order, payment = pushed(client, cheap, auth_headers, daraja)
    push = json.loads(daraja.calls[-1].request.body)
    assert push["AccountReference"] == order["code"]
    assert push["Amount"] == "1" and push["PhoneNumber"] == "254708374149"
    # The URL names the payment: a callback whose CheckoutRequestID never reached us still finds it.
    assert push["CallBackURL"] == \
        f"https://tickets.example.test/channels/mobile-money/stk?token={TOKEN}&push={payment['id']}"


def test_stk_success_issues_ticket_and_replay_changes_nothing(client, cheap, auth_headers, daraja):
    order, payment = pushed(client, cheap, auth_headers, daraja)
    resp = client.post(STK, json=load_fixture("mpesa/stk_callback_success.json"))
    assert resp.status_code == 200 and resp.get_json() == ACCEPTED
    got = client.get(f"/api/v1/payments/{payment['id']}", headers=auth_headers(cheap.passenger)).get_json()
    assert got["status"] == "succeeded" and got["receipt"] == "NLJ7RT61SV"
    assert order_status(order["id"]) == "paid"
    assert any("KES 1 paid by M-Pesa (NLJ7RT61SV)" in t for t in sms_to(FIXTURE_PHONE, "receipt"))
    before = counts()
    assert before["tickets"] == 1
    again = client.post(STK, json=load_fixture("mpesa/stk_callback_success.json"))
    assert again.status_code == 200 and again.get_json() == ACCEPTED
    assert counts() == before
    assert ledger_balanced()


@pytest.mark.parametrize("fixture,words", [
    ("mpesa/stk_callback_cancelled.json", "cancelled"),
    ("mpesa/stk_callback_timeout.json", "could not reach your phone"),
])
def test_stk_failure_fails_payment_with_reason_and_keeps_hold(client, cheap, auth_headers, daraja, fixture, words):
    order, payment = pushed(client, cheap, auth_headers, daraja)
    assert client.post(STK, json=load_fixture(fixture)).get_json() == ACCEPTED
    got = client.get(f"/api/v1/payments/{payment['id']}", headers=auth_headers(cheap.passenger)).get_json()
    assert got["status"] == "failed" and words in got["message"]
    assert order_status(order["id"]) == "pending_payment"
    before = counts()
    client.post(STK, json=load_fixture(fixture))
    # A late success after a failure still counts: the money did move.
    client.post(STK, json=load_fixture("mpesa/stk_callback_success.json"))
    assert counts()["tickets"] == before["tickets"] + 1
    assert order_status(order["id"]) == "paid"


def test_unknown_checkout_is_parked_once_and_accepted(client, cheap):
    body = load_fixture("mpesa/stk_callback_success.json")
    for _ in range(2):
        resp = client.post(STK, json=body)
        assert resp.status_code == 200 and resp.get_json() == ACCEPTED
    parked = _db.session.scalars(select(ParkedCallback)).all()
    assert [(p.reason, p.provider_ref, p.receipt) for p in parked] == [("unknown_checkout", CHECKOUT, "NLJ7RT61SV")]
    assert counts()["ledger_txns"] == 0


def test_amount_mismatch_is_parked_in_suspense_without_ticket(client, world, auth_headers, daraja):
    order, payment = pushed(client, world, auth_headers, daraja)  # costs KES 1,500; fixture pays KES 1
    assert client.post(STK, json=load_fixture("mpesa/stk_callback_success.json")).get_json() == ACCEPTED
    assert counts()["tickets"] == 0
    assert order_status(order["id"]) == "pending_payment"
    assert balance("review_suspense", "KES") == 100
    assert _db.session.scalar(select(ParkedCallback.reason)) == "amount_mismatch"


def _expire_hold(order_id):
    past = utcnow() - timedelta(minutes=1)
    _db.session.get(Order, order_id).hold_expires_at = past
    for hold in _db.session.scalars(select(SeatHold).where(SeatHold.order_id == order_id)):
        hold.expires_at = past
    _db.session.commit()


def test_late_success_after_hold_expiry_with_seat_free_issues_ticket(client, cheap, auth_headers, daraja):
    order, payment = pushed(client, cheap, auth_headers, daraja)
    _expire_hold(order["id"])
    client.post(STK, json=load_fixture("mpesa/stk_callback_success.json"))
    assert order_status(order["id"]) == "paid" and counts()["tickets"] == 1


def test_late_success_after_seat_resold_refunds_to_wallet_with_sms(client, cheap, auth_headers, daraja):
    order, payment = pushed(client, cheap, auth_headers, daraja)
    seat = order["items"][0]["seat"]
    _expire_hold(order["id"])
    rival = make_user(phone="+254722555666")
    _db.session.commit()
    book(client, cheap, auth_headers(rival), seat=seat)
    client.post(STK, json=load_fixture("mpesa/stk_callback_success.json"))
    wallet = client.get("/api/v1/wallet", headers=auth_headers(cheap.passenger)).get_json()
    assert wallet["balance"] == {"amount": 100, "currency": "KES"}
    assert any("could not keep your seat" in t for t in sms_to(FIXTURE_PHONE, "refund"))
    got = client.get(f"/api/v1/payments/{payment['id']}", headers=auth_headers(cheap.passenger)).get_json()
    assert got["outcome"] == "seats_gone"
    assert wallets_match_ledger() and ledger_balanced()


def test_double_payment_second_success_goes_to_wallet(client, cheap, auth_headers, daraja):
    order, first = pushed(client, cheap, auth_headers, daraja)
    client.post(STK, json=load_fixture("mpesa/stk_callback_success.json"))
    # A second, separate STK push for the same order (e.g. from USSD) also succeeds.
    second = Payment(order_id=order["id"], user_id=cheap.passenger.id, purpose="order", method="mpesa_stk",
                     provider="mpesa", amount=100, currency="KES", phone=FIXTURE_PHONE, provider_ref="ws_CO_second")
    _db.session.add(second)
    _db.session.commit()
    body = load_fixture("mpesa/stk_callback_success.json")
    body["Body"]["stkCallback"]["CheckoutRequestID"] = "ws_CO_second"
    body["Body"]["stkCallback"]["CallbackMetadata"]["Item"][1]["Value"] = "NLJ7RT61SW"
    assert client.post(STK, json=body).get_json() == ACCEPTED
    assert counts()["tickets"] == 1
    wallet = client.get("/api/v1/wallet", headers=auth_headers(cheap.passenger)).get_json()
    assert wallet["balance"]["amount"] == 100
    assert any("already paid" in t for t in sms_to(FIXTURE_PHONE, "refund"))


def test_wrong_token_is_refused_and_changes_nothing(client, cheap, auth_headers, daraja):
    pushed(client, cheap, auth_headers, daraja)
    before = counts()
    for path in ("/channels/mobile-money/stk", "/channels/mobile-money/c2b/confirmation",
                 "/channels/mobile-money/c2b/validation"):
        for query in ("", "?token=wrong"):
            resp = client.post(path + query, json=load_fixture("mpesa/stk_callback_success.json"))
            assert resp.status_code == 403
    assert counts() == before


@pytest.mark.parametrize("body", [
    {"Body": {"stkCallback": {"MerchantRequestID": "x"}}},
    {"Body": {"stkCallback": {"MerchantRequestID": "x", "CheckoutRequestID": CHECKOUT, "ResultCode": 0,
                              "ResultDesc": "ok"}}},  # success without metadata
    [1, 2, 3],
    {"Body": "nonsense"},
])
def test_malformed_stk_callbacks_are_parked_and_accepted(client, cheap, auth_headers, daraja, body):
    order, _ = pushed(client, cheap, auth_headers, daraja)
    resp = client.post(STK, json=body)
    assert resp.status_code == 200 and resp.get_json() == ACCEPTED
    assert order_status(order["id"]) == "pending_payment"
    assert _db.session.scalar(select(ParkedCallback.reason)) == "malformed"


def test_garbage_body_gets_400_in_darajas_shape_and_is_kept(client, cheap):
    resp = client.post(STK, data="<xml>not json", content_type="application/json")
    assert resp.status_code == 400 and resp.get_json()["ResultCode"] == 1
    assert _db.session.scalar(select(ParkedCallback.reason)) == "not_json"


def test_polling_settles_a_push_whose_callback_never_came(client, cheap, auth_headers, daraja):
    order, payment = pushed(client, cheap, auth_headers, daraja)
    daraja.add(responses.POST, f"{DARAJA}/mpesa/stkpushquery/v1/query",
               json={"errorCode": "500.001.1001", "errorMessage": "The transaction is being processed"}, status=500)
    later = utcnow() + timedelta(minutes=3)
    assert poll_pending_stk(now=later)["pending"] == 1
    assert order_status(order["id"]) == "pending_payment"
    daraja.replace(responses.POST, f"{DARAJA}/mpesa/stkpushquery/v1/query",
                   json=load_fixture("mpesa/stk_query_response.json"))
    assert poll_pending_stk(now=later)["succeeded"] == 0  # backing off: next query 4 min later
    assert poll_pending_stk(now=later + timedelta(minutes=4))["succeeded"] == 1
    assert order_status(order["id"]) == "paid"
    # The late callback then only adds the receipt.
    before = counts()
    client.post(STK, json=load_fixture("mpesa/stk_callback_success.json"))
    assert counts() == before
    got = client.get(f"/api/v1/payments/{payment['id']}", headers=auth_headers(cheap.passenger)).get_json()
    assert got["receipt"] == "NLJ7RT61SV"


def test_polling_leaves_young_pushes_alone(client, cheap, auth_headers, daraja):
    pushed(client, cheap, auth_headers, daraja)
    assert poll_pending_stk() == {"succeeded": 0, "failed": 0, "pending": 0, "expired": 0, "errors": 0}


def test_polling_fails_a_push_the_query_says_failed(client, cheap, auth_headers, daraja):
    order, payment = pushed(client, cheap, auth_headers, daraja)
    answer = dict(load_fixture("mpesa/stk_query_response.json"), ResultCode="1032",
                  ResultDesc="Request cancelled by user")
    daraja.add(responses.POST, f"{DARAJA}/mpesa/stkpushquery/v1/query", json=answer)
    assert poll_pending_stk(now=utcnow() + timedelta(minutes=3))["failed"] == 1
    got = client.get(f"/api/v1/payments/{payment['id']}", headers=auth_headers(cheap.passenger)).get_json()
    assert got["status"] == "failed"


def test_daraja_refusing_the_push_fails_the_payment_clearly(client, world, auth_headers, daraja):
    daraja.replace(responses.POST, f"{DARAJA}/mpesa/stkpush/v1/processrequest",
                   json={"errorCode": "400.002.02", "errorMessage": "Bad Request - Invalid PhoneNumber"}, status=400)
    headers = auth_headers(world.passenger)
    order = book(client, world, headers)
    resp = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "mpesa"}, headers=headers)
    assert resp.status_code == 202
    assert resp.get_json()["status"] == "failed" and "try again" in resp.get_json()["message"]
    assert order_status(order["id"]) == "pending_payment"


# ---- C2B (Paybill)


def c2b_body(code: str, amount: str = "1", msisdn: str | None = None) -> dict:
    body = load_fixture("mpesa/c2b_confirmation.json")
    body["BillRefNumber"], body["TransAmount"] = code, amount
    if msisdn:
        body["MSISDN"] = msisdn
    return body


def test_c2b_validation_accepts_pending_booking_and_rejects_the_rest(client, cheap, auth_headers):
    order = book(client, cheap, auth_headers(cheap.passenger))
    ok = client.post(VALIDATION, json=c2b_body(f"  {order['code'].lower()} "))
    assert ok.status_code == 200 and ok.get_json() == {"ResultCode": "0", "ResultDesc": "Accepted"}
    unknown = client.post(VALIDATION, json=load_fixture("mpesa/c2b_confirmation.json"))
    assert unknown.get_json() == {"ResultCode": "C2B00012", "ResultDesc": "Rejected"}
    wrong = client.post(VALIDATION, json=c2b_body(order["code"], amount="5"))
    assert wrong.get_json() == {"ResultCode": "C2B00013", "ResultDesc": "Rejected"}
    bad = client.post(VALIDATION, json={"TransID": "X"})
    assert bad.status_code == 200 and bad.get_json()["ResultCode"] == "C2B00016"
    assert counts()["ledger_txns"] == 0


def test_c2b_confirmation_settles_booking_once(client, cheap, auth_headers):
    order = book(client, cheap, auth_headers(cheap.passenger))
    body = c2b_body(order["code"].lower())
    resp = client.post(CONFIRMATION, json=body)
    assert resp.status_code == 200 and resp.get_json() == ACCEPTED
    assert order_status(order["id"]) == "paid"
    payment = _db.session.scalar(select(Payment).where(Payment.receipt == "RKTQDM7W6S"))
    assert payment.method == "mpesa_paybill" and payment.status == "succeeded"
    answered = client.get(f"/api/v1/payments/{payment.id}", headers=auth_headers(cheap.passenger)).get_json()
    assert answered["method"] == "mpesa"  # the API's one name for M-Pesa, prompt or Paybill
    before = counts()
    assert client.post(CONFIRMATION, json=body).get_json() == ACCEPTED
    assert counts() == before


def test_c2b_confirmation_unknown_account_masked_payer_goes_to_suspense(client, cheap):
    resp = client.post(CONFIRMATION, json=load_fixture("mpesa/c2b_confirmation.json"))
    assert resp.get_json() == ACCEPTED
    assert balance("review_suspense", "KES") == 1000
    assert _db.session.scalar(select(ParkedCallback.reason)) == "unknown_account"
    before = counts()
    client.post(CONFIRMATION, json=load_fixture("mpesa/c2b_confirmation.json"))
    assert counts() == before


def test_c2b_confirmation_unknown_account_known_payer_goes_to_wallet(client, cheap, auth_headers):
    resp = client.post(CONFIRMATION, json=c2b_body("NOSUCH", amount="50", msisdn="254711000111"))
    assert resp.get_json() == ACCEPTED
    wallet = client.get("/api/v1/wallet", headers=auth_headers(cheap.passenger)).get_json()
    assert wallet["balance"] == {"amount": 5000, "currency": "KES"}


def test_c2b_confirmation_for_paid_order_goes_to_wallet(client, cheap, auth_headers):
    order = book(client, cheap, auth_headers(cheap.passenger))
    client.post(CONFIRMATION, json=c2b_body(order["code"]))
    second = c2b_body(order["code"])
    second["TransID"] = "RKTQDM7W6T"
    assert client.post(CONFIRMATION, json=second).get_json() == ACCEPTED
    assert counts()["tickets"] == 1
    wallet = client.get("/api/v1/wallet", headers=auth_headers(cheap.passenger)).get_json()
    assert wallet["balance"]["amount"] == 100
    assert _db.session.scalar(select(func.count()).select_from(Payment)) == 2
