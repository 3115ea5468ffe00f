"""Delivery reports: airtime (premium SMS) charges and ordinary outbound messages."""
from __future__ import annotations

import pytest
import responses
from sqlalchemy import select

from app.extensions import db as _db
from app.messaging.models import OutboundMessage
from app.payments.models import Payment
from tests.fixtures import load_fixture, load_form
from tests.payments.helpers import TOKEN, book, counts, order_status

DELIVERY = f"/channels/sms/delivery?token={TOKEN}"
AT_SEND = "https://api.africastalking.com/version1/messaging"
AT_PREMIUM = "https://content.africastalking.com/version1/messaging"


@pytest.fixture
def app_settings():
    """Africa's Talking configured (mocked) with a short code, so airtime goes through premium SMS."""
    # One price point equal to the fare: each payment here is a single premium message
    # (several messages: tests/payments/test_airtime_charges.py).
    return {"AT_USERNAME": "safiri", "AT_API_KEY": "key", "AT_SHORT_CODE": "22384", "CHANNEL_TOKEN": TOKEN,
            "AT_PREMIUM_PRICE_POINTS": "SAFIRI1500=150000,SAFIRI100=10000"}


@pytest.fixture
def gateway():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        # Ordinary SMS (receipts) go through the same account.
        mock.add(responses.POST, AT_SEND, json=load_fixture("africastalking/sms_send_response.json"), status=201)
        yield mock


def premium_answer(message_id: str) -> dict:
    answer = load_fixture("africastalking/sms_send_response.json")
    answer["SMSMessageData"]["Recipients"] = [dict(answer["SMSMessageData"]["Recipients"][0],
                                                   number="+254720123123", messageId=message_id)]
    return answer


def airtime_payment(client, world, auth_headers, gateway, message_id):
    gateway.add(responses.POST, AT_PREMIUM, json=premium_answer(message_id), status=201)
    headers = auth_headers(world.passenger)
    order = book(client, world, headers)
    resp = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "airtime", "phone": "+254720123123"},
                       headers=headers)
    assert resp.status_code == 202
    payment = resp.get_json()
    assert payment["status"] == "pending" and payment["provider"] == "africastalking"
    return order, payment


def test_airtime_success_report_settles_once(client, world, auth_headers, gateway):
    form = load_form("africastalking/sms_delivery_success.form")
    order, payment = airtime_payment(client, world, auth_headers, gateway, form["id"])
    assert client.post(DELIVERY, data=form).status_code == 200
    assert order_status(order["id"]) == "paid"
    before = counts()
    assert client.post(DELIVERY, data=form).status_code == 200
    assert counts() == before
    assert _db.session.get(Payment, payment["id"]).receipt == form["id"]


def test_airtime_insufficient_credit_fails_with_clear_reason(client, world, auth_headers, gateway):
    form = load_form("africastalking/sms_delivery_insufficient_credit.form")
    order, payment = airtime_payment(client, world, auth_headers, gateway, form["id"])
    assert client.post(DELIVERY, data=form).status_code == 200
    got = client.get(f"/api/v1/payments/{payment['id']}", headers=auth_headers(world.passenger)).get_json()
    assert got["status"] == "failed" and got["message"].startswith("Your airtime balance is too low")
    assert order_status(order["id"]) == "pending_payment"
    before = counts()
    client.post(DELIVERY, data=form)
    assert counts() == before


def test_airtime_blacklisted_line_is_told_to_use_mpesa(client, world, auth_headers, gateway):
    form = load_form("africastalking/sms_delivery_rejected.form")
    _, payment = airtime_payment(client, world, auth_headers, gateway, form["id"])
    client.post(DELIVERY, data=form)
    got = client.get(f"/api/v1/payments/{payment['id']}", headers=auth_headers(world.passenger)).get_json()
    assert got["status"] == "failed" and "blocked premium messages" in got["message"]


def test_unknown_failure_reason_gets_generic_message(client, world, auth_headers, gateway):
    form = dict(load_form("africastalking/sms_delivery_insufficient_credit.form"), failureReason="SomethingNew")
    _, payment = airtime_payment(client, world, auth_headers, gateway, form["id"])
    client.post(DELIVERY, data=form)
    got = client.get(f"/api/v1/payments/{payment['id']}", headers=auth_headers(world.passenger)).get_json()
    assert got["message"] == "The airtime payment did not go through. Please try again or pay by M-Pesa."


def test_report_updates_outbound_message_and_replay_is_harmless(client, world):
    form = load_form("africastalking/sms_delivery_success.form")
    message = OutboundMessage(to_phone="+254720123123", text="hi", kind="reply", status="sent",
                              provider_message_id=form["id"])
    _db.session.add(message)
    _db.session.commit()
    assert client.post(DELIVERY, data=form).status_code == 200
    assert client.post(DELIVERY, data=load_form("africastalking/sms_delivery_insufficient_credit.form")).status_code == 200
    _db.session.expire_all()
    assert _db.session.get(OutboundMessage, message.id).status == "delivered"
    failed = OutboundMessage(to_phone="+254720123123", text="x", kind="reply", status="sent",
                             provider_message_id="ATXid_other")
    _db.session.add(failed)
    _db.session.commit()
    client.post(DELIVERY, data=dict(form, id="ATXid_other", status="Failed", failureReason="AbsentSubscriber"))
    _db.session.expire_all()
    row = _db.session.scalar(select(OutboundMessage).where(OutboundMessage.provider_message_id == "ATXid_other"))
    assert (row.status, row.failure_reason) == ("failed", "AbsentSubscriber")


def test_wrong_token_and_missing_fields(client, world, auth_headers, gateway):
    form = load_form("africastalking/sms_delivery_success.form")
    order, _ = airtime_payment(client, world, auth_headers, gateway, form["id"])
    before = counts()
    assert client.post("/channels/sms/delivery?token=nope", data=form).status_code == 403
    assert client.post("/channels/sms/delivery", data=form).status_code == 403
    assert client.post(DELIVERY, data={"status": "Success"}).status_code == 400
    assert counts() == before
    assert order_status(order["id"]) == "pending_payment"
