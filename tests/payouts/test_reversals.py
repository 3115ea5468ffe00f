"""A booking paid twice through M-Pesa: with the carrier's setting on (and an API
initiator), the second payment is reversed through Daraja's reversal API instead of going
to the payer's wallet; "already reversed" (R000001) also settles it, and a reversal Daraja
refuses puts the money in the wallet after all. Daraja mocked with the fixtures."""
from __future__ import annotations

import copy

import pytest
import responses

from app.extensions import db
from app.ledger.service import balance
from app.payments.models import Payment, Refund
from tests.channels.test_mpesa_callbacks import CONFIRMATION, c2b_body, cheap  # noqa: F401 - fixture
from tests.fixtures import load_fixture
from tests.payments.helpers import TOKEN, book, counts, ledger_balanced, sms_to, wallets_match_ledger
from tests.payouts.helpers import INITIATOR_CONFIG, REVERSAL_URL, accepted, mock_oauth, payout_of, sent_bodies

ACCEPTED = {"ResultCode": 0, "ResultDesc": "Accepted"}


@pytest.fixture
def app_settings():
    return INITIATOR_CONFIG


@pytest.fixture
def daraja():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock_oauth(mock)
        mock.add(responses.POST, REVERSAL_URL, json=accepted("AG_20261201_00004e48cf7e3533f581"))
        yield mock


def paid_twice(client, world, auth_headers, receipts=("SL19B0PPX3", "SL19B0PPX4")):
    order = book(client, world, auth_headers(world.passenger))
    for trans_id in receipts:
        body = dict(c2b_body(order["code"]), TransID=trans_id, MSISDN="254711000111")
        assert client.post(CONFIRMATION, json=body).get_json() == ACCEPTED
    db.session.expire_all()
    return order


def result(code=0, transaction="SL1DR3VZ0K", amount=1):
    body = copy.deepcopy(load_fixture("mpesa/reversal_result.json" if code == 0 else
                                      "mpesa/reversal_result_already.json"))
    if code not in (0, "R000001"):
        body["Result"].update(ResultCode=code, ResultDesc="The transaction ID is invalid.")
    if code == 0:
        for item in body["Result"]["ResultParameters"]["ResultParameter"]:
            if item["Key"] == "Amount":
                item["Value"] = amount
    body["Result"]["TransactionID"] = transaction
    return body


def post_result(client, payout_id, body):
    url = f"/channels/mobile-money/reversal/result?token={TOKEN}&payout={payout_id}"
    assert client.post(url, json=body).get_json() == ACCEPTED
    db.session.expire_all()


def test_without_the_setting_a_second_payment_goes_to_the_wallet(client, cheap, auth_headers, daraja):
    paid_twice(client, cheap, auth_headers)
    assert sent_bodies(daraja, REVERSAL_URL) == []
    assert client.get("/api/v1/wallet", headers=auth_headers(cheap.passenger)).get_json()["balance"]["amount"] == 100


def test_the_second_payment_is_reversed_and_settled_by_its_result(client, cheap, auth_headers, daraja):
    cheap.carrier.reverse_double_payments = True
    db.session.commit()
    order = paid_twice(client, cheap, auth_headers)
    (sent,) = sent_bodies(daraja, REVERSAL_URL)
    assert (sent["TransactionID"], sent["Amount"], sent["CommandID"]) == ("SL19B0PPX4", "1", "TransactionReversal")
    payout = payout_of(kind="reversal")
    assert sent["ResultURL"].endswith(f"/channels/mobile-money/reversal/result?token={TOKEN}&payout={payout.id}")
    assert payout.status == "sent" and payout.conversation_id == "AG_20261201_00004e48cf7e3533f581"
    assert client.get("/api/v1/wallet", headers=auth_headers(cheap.passenger)).get_json()["balance"]["amount"] == 0
    assert any("reversed" in text and order["code"] in text for text in sms_to(cheap.passenger.phone, "refund"))
    assert balance("payouts_pending:platform", "KES") == 100

    post_result(client, payout.id, result())
    payout = payout_of(kind="reversal")
    assert payout.status == "paid" and payout.receipt == "SL1DR3VZ0K"
    assert db.session.get(Refund, payout.refund_id).status == "completed"
    assert balance("payouts_pending:platform", "KES") == 0
    # The Paybill received two payments and gave one back: one sale's worth is left.
    assert balance("provider_clearing:mpesa", "KES") == -100
    before = counts()
    post_result(client, payout.id, result())  # a replay
    assert counts() == before and ledger_balanced() and wallets_match_ledger()


def test_already_reversed_settles_it_and_a_refusal_puts_it_in_the_wallet(client, cheap, auth_headers, daraja):
    cheap.carrier.reverse_double_payments = True
    db.session.commit()
    paid_twice(client, cheap, auth_headers)
    payout = payout_of(kind="reversal")
    post_result(client, payout.id, result("R000001"))
    assert payout_of(id=payout.id).status == "paid"

    refused_order = paid_twice(client, cheap, auth_headers, receipts=("SL19B0PPX5", "SL19B0PPX6"))
    second = payout_of(kind="reversal")
    assert second.id != payout.id
    post_result(client, second.id, result("R000002"))
    second = payout_of(id=second.id)
    assert second.status == "returned"
    assert client.get("/api/v1/wallet", headers=auth_headers(cheap.passenger)).get_json()["balance"]["amount"] == 100
    assert any(refused_order["code"] not in text and "wallet" in text
               for text in sms_to(cheap.passenger.phone, "payout"))
    assert db.session.get(Payment, second.payment_id).receipt == "SL19B0PPX6"
    assert ledger_balanced() and wallets_match_ledger()
