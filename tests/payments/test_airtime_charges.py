"""Phone-balance (airtime) payments made of several premium messages, one charge each.

Price points here: KES 500 and KES 300. A KES 1,500 booking is three KES 500 messages;
each is settled by its own delivery report (tests/fixtures/africastalking/sms_delivery_*
shapes); the payment succeeds once all are delivered, and a failure part-way returns what
was already charged to the wallet.
"""
from __future__ import annotations

from urllib.parse import parse_qs

import pytest
import responses
from sqlalchemy import select

from app.extensions import db as _db
from app.payments.models import AirtimeCharge, Payment, Refund
from app.wallet.models import Wallet
from tests.channels.scripts.runner import Conversation, inbox
from tests.factories import make_user
from tests.fixtures import load_fixture, load_form
from tests.payments.helpers import (
    TOKEN,
    book,
    counts,
    ledger_balanced,
    order_status,
    sms_to,
    wallets_match_ledger,
)

DELIVERY = f"/channels/sms/delivery?token={TOKEN}"
AT_SEND = "https://api.africastalking.com/version1/messaging"
AT_PREMIUM = "https://content.africastalking.com/version1/messaging"
PAYER = "+254720123123"


@pytest.fixture
def app_settings():
    return {"AT_USERNAME": "safiri", "AT_API_KEY": "key", "AT_SHORT_CODE": "22384", "CHANNEL_TOKEN": TOKEN,
            "AT_PREMIUM_PRICE_POINTS": "SAFIRI500=50000,SAFIRI300=30000"}


@pytest.fixture
def premium():
    """The gateway: each premium send gets a fresh message id; ``refuse`` lists sends (1-based) it refuses."""
    sent: list[dict] = []
    refuse: set[int] = set()

    def answer(request):
        sent.append({k: v[0] for k, v in parse_qs(request.body).items()})
        body = load_fixture("africastalking/sms_send_response.json")
        recipient = dict(body["SMSMessageData"]["Recipients"][0], number=PAYER,
                         messageId=f"ATXid_premium{len(sent):04d}")
        if len(sent) in refuse:
            recipient.update(status="InvalidPhoneNumber", statusCode=403, messageId="None")
        body["SMSMessageData"]["Recipients"] = [recipient]
        return 201, {"Content-Type": "application/json"}, __import__("json").dumps(body)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, AT_SEND, json=load_fixture("africastalking/sms_send_response.json"), status=201)
        mock.add_callback(responses.POST, AT_PREMIUM, callback=answer)
        yield type("Premium", (), {"sent": sent, "refuse": refuse})


def report(message_id: str, ok: bool = True, reason: str = "InsufficientCredit") -> dict:
    if ok:
        return dict(load_form("africastalking/sms_delivery_success.form"), id=message_id)
    return dict(load_form("africastalking/sms_delivery_insufficient_credit.form"), id=message_id, failureReason=reason)


def pay_airtime(client, world, headers, fare_class="standard"):
    order = book(client, world, headers, fare_class=fare_class)
    resp = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "airtime", "phone": PAYER},
                       headers=headers)
    return order, resp


def charges(payment_id):
    _db.session.expire_all()
    return _db.session.scalars(select(AirtimeCharge).where(AirtimeCharge.payment_id == payment_id)
                               .order_by(AirtimeCharge.seq)).all()


def wallet_balance(user_id) -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(Wallet.balance).where(Wallet.user_id == user_id)) or 0


def test_a_total_is_sent_as_the_fewest_price_point_messages(client, world, auth_headers, premium):
    order, resp = pay_airtime(client, world, auth_headers(world.passenger))
    assert resp.status_code == 202 and resp.get_json()["status"] == "pending"
    assert [m["keyword"] for m in premium.sent] == ["SAFIRI500"] * 3
    assert all(m["to"] == PAYER and "(2 of 3)" in premium.sent[1]["message"] for m in premium.sent)
    rows = charges(resp.get_json()["id"])
    assert [(c.amount, c.status) for c in rows] == [(50000, "pending")] * 3
    assert len({c.provider_ref for c in rows}) == 3


def test_multi_message_payment_is_paid_once_every_report_arrived(client, world, auth_headers, premium):
    order, resp = pay_airtime(client, world, auth_headers(world.passenger))
    payment_id = resp.get_json()["id"]
    ids = [c.provider_ref for c in charges(payment_id)]
    for message_id in ids[:2]:
        assert client.post(DELIVERY, data=report(message_id)).status_code == 200
    assert order_status(order["id"]) == "pending_payment"
    assert _db.session.get(Payment, payment_id).status == "pending"
    before = counts()
    client.post(DELIVERY, data=report(ids[0]))  # a replay settles nothing
    assert counts() == before and order_status(order["id"]) == "pending_payment"
    client.post(DELIVERY, data=report(ids[2]))
    assert order_status(order["id"]) == "paid"
    payment = _db.session.get(Payment, payment_id)
    assert (payment.status, payment.receipt) == ("succeeded", ids[0])
    before = counts()
    for message_id in ids:
        client.post(DELIVERY, data=report(message_id))
    assert counts() == before
    assert ledger_balanced() and wallets_match_ledger()


def test_partial_failure_refunds_the_charged_part_to_the_wallet(client, world, auth_headers, premium):
    headers = auth_headers(world.passenger)
    order, resp = pay_airtime(client, world, headers)
    payment_id = resp.get_json()["id"]
    ids = [c.provider_ref for c in charges(payment_id)]
    client.post(DELIVERY, data=report(ids[0]))
    client.post(DELIVERY, data=report(ids[1], ok=False))
    assert _db.session.get(Payment, payment_id).status == "pending"  # one report still missing
    client.post(DELIVERY, data=report(ids[2]))
    got = client.get(f"/api/v1/payments/{payment_id}", headers=headers).get_json()
    assert got["status"] == "failed" and got["message"].startswith("Your airtime balance is too low")
    assert order_status(order["id"]) == "pending_payment"
    assert wallet_balance(world.passenger.id) == 100000  # the two delivered KES 500 messages
    refund = _db.session.scalar(select(Refund).where(Refund.payment_id == payment_id))
    assert (refund.amount, refund.destination, refund.reason) == (100000, "wallet", "airtime_partial")
    texts = sms_to(PAYER)
    assert any("KES 1,000 was already taken from your phone balance" in t and order["code"] in t for t in texts)
    assert any("airtime balance is too low" in t for t in texts)
    assert ledger_balanced() and wallets_match_ledger()
    before = counts()
    for i, message_id in enumerate(ids):
        client.post(DELIVERY, data=report(message_id, ok=i != 1))
    assert counts() == before and wallet_balance(world.passenger.id) == 100000


def test_a_send_refused_midway_stops_and_refunds_what_was_charged(client, world, auth_headers, premium):
    premium.refuse.add(2)
    order, resp = pay_airtime(client, world, auth_headers(world.passenger))
    assert resp.status_code == 202 and len(premium.sent) == 2  # the third is not sent
    rows = charges(resp.get_json()["id"])
    assert [c.status for c in rows] == ["pending", "failed"]
    client.post(DELIVERY, data=report(rows[0].provider_ref))
    assert _db.session.get(Payment, resp.get_json()["id"]).status == "failed"
    assert wallet_balance(world.passenger.id) == 50000


def test_a_total_no_sum_makes_is_refused_up_front(client, world, auth_headers, premium):
    headers = auth_headers(world.passenger)
    order = book(client, world, headers, fare_class="reduced")  # KES 750: no sum of 500s and 300s
    before = counts()
    resp = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "airtime", "phone": PAYER},
                       headers=headers)
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["type"].endswith("/airtime-amount-not-payable")
    assert [t["amount"] for t in body["payable_totals"]] == [60000, 80000]
    assert body["suggested_methods"] == ["mpesa", "wallet"] and "M-Pesa" in body["detail"]
    assert premium.sent == [] and counts() == before
    resp = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "mpesa"}, headers=headers)
    assert resp.status_code == 202  # the suggested method works on the same order


def test_sms_buyer_preferring_airtime_gets_mpesa_when_the_total_is_not_payable(client, world, premium):
    user = make_user(phone="+254733000777", preferred_payment="airtime", language="sw")
    _db.session.commit()
    talk = Conversation(client, user.phone, query=f"?token={TOKEN}")
    talk.sms("NUNUA NAIROBI NAKURU 3")  # 3 x KES 800: six messages at least, over the bound
    before = len(inbox(user.phone))
    talk.sms("1")
    answer = inbox(user.phone)[: len(inbox(user.phone)) - before][-1]  # the reply comes first, the ticket after
    assert "salio la simu haliwezi kulipa kiasi hiki, tumekutumia ombi la M-Pesa" in answer
    assert premium.sent == []
    _db.session.expire_all()
    payment = _db.session.scalar(select(Payment).where(Payment.user_id == user.id))
    assert payment.method == "mpesa_stk"


def test_failure_report_is_told_in_the_passengers_language(client, world, auth_headers, premium):
    world.passenger.language = "fr"
    _db.session.commit()
    _, resp = pay_airtime(client, world, auth_headers(world.passenger))
    for i, c in enumerate(charges(resp.get_json()["id"])):
        client.post(DELIVERY, data=report(c.provider_ref, ok=False, reason="UserAccountSuspended") if i == 0
                    else report(c.provider_ref))
    payment = _db.session.get(Payment, resp.get_json()["id"])
    assert payment.message.startswith("Votre ligne mobile est suspendue")
    texts = sms_to(PAYER)
    assert any(t.startswith("Safiri: Votre ligne mobile est suspendue") for t in texts)
    assert any("la réservation" in t and "1 000 KES" in t for t in texts)  # French amounts
