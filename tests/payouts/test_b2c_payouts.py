"""Payouts through Daraja B2C, end to end over HTTP: a wallet withdrawal becomes a payout,
sent once under its key, settled by the result callback (or, when the result never comes,
by a Transaction Status answer), never paid twice. Daraja is mocked with ``responses`` and
the wire fixtures."""
from __future__ import annotations

from datetime import timedelta

import pytest
import requests
import responses
from sqlalchemy import func, select

from app.database import utcnow
from app.extensions import db
from app.ledger.service import balance
from app.payments.models import ParkedCallback
from app.payouts.jobs import sweep_payouts
from app.payouts.models import StatusCheck
from app.payouts.sending import resend_payout
from app.states.history import history_of
from tests.fixtures import load_fixture
from tests.payments.helpers import TOKEN, counts, fund_wallet, ledger_balanced, sms_to, wallets_match_ledger
from tests.payouts.helpers import (
    B2C_URL,
    INITIATOR_CONFIG,
    STATUS_URL,
    accept_b2c,
    accepted,
    b2c_result,
    mock_oauth,
    payout_of,
    platform_admin,
    sent_bodies,
)

B2C_RESULT = f"/channels/mobile-money/b2c/result?token={TOKEN}"
B2C_TIMEOUT = f"/channels/mobile-money/b2c/timeout?token={TOKEN}"
ACCEPTED = {"ResultCode": 0, "ResultDesc": "Accepted"}


@pytest.fixture
def app_settings():
    return INITIATOR_CONFIG


@pytest.fixture
def daraja():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock_oauth(mock)
        yield mock


def withdraw(client, world, auth_headers, amount=50000, key=None):
    fund_wallet(world.passenger, 100000)
    headers = dict(auth_headers(world.passenger), **({"Idempotency-Key": key} if key else {}))
    resp = client.post("/api/v1/wallet/withdrawals", json={"amount": {"amount": amount, "currency": "KES"}},
                       headers=headers)
    assert resp.status_code == 202, resp.get_json()
    return resp.get_json()


def post_result(client, body, url=B2C_RESULT):
    resp = client.post(url, json=body)
    assert resp.status_code == 200 and resp.get_json() == ACCEPTED
    db.session.expire_all()


def test_a_withdrawal_is_sent_once_under_its_key_and_paid_by_its_result(client, world, auth_headers, daraja):
    accept_b2c(daraja)
    answer = withdraw(client, world, auth_headers, key="w-1")
    (sent,) = sent_bodies(daraja, B2C_URL)
    payout = payout_of(id=answer["id"])
    assert sent["OriginatorConversationID"] == payout.originator_id == f"safiri-payout-{payout.id}-1"
    assert (sent["Amount"], sent["PartyA"], sent["PartyB"]) == ("500", "600980", "254711000111")
    assert sent["ResultURL"] == f"https://tickets.example.test/channels/mobile-money/b2c/result?token={TOKEN}"
    assert payout.status == "sent" and payout.conversation_id == "AG_20261201_2010325b025970fbc403"
    assert balance("payouts_pending:platform", "KES") == 50000
    assert client.get("/api/v1/wallet", headers=auth_headers(world.passenger)).get_json()["balance"]["amount"] == 50000

    # The same request again (a flaky network): the stored answer, no second payout or B2C.
    again = client.post("/api/v1/wallet/withdrawals", json={"amount": {"amount": 50000, "currency": "KES"}},
                        headers=dict(auth_headers(world.passenger), **{"Idempotency-Key": "w-1"}))
    assert again.status_code == 202 and again.headers.get("Idempotent-Replayed") == "true"
    assert len(sent_bodies(daraja, B2C_URL)) == 1

    post_result(client, b2c_result(payout.originator_id, amount_kes=500))
    payout = payout_of(id=answer["id"])
    assert payout.status == "paid" and payout.receipt == "SL1CX8KQ2P" and payout.method == "b2c"
    assert balance("payouts_pending:platform", "KES") == 0
    assert balance("provider_clearing:mpesa_b2c", "KES") == 50000
    assert [h.to_status for h in history_of("payout", payout.id)] == ["pending", "sent", "paid"]
    assert history_of("payout", payout.id)[-1].actor == "provider:mpesa"
    assert any("SL1CX8KQ2P" in text and "M-Pesa" in text for text in sms_to(world.passenger.phone, "payout"))
    before = counts()
    post_result(client, b2c_result(payout.originator_id, amount_kes=500))  # Daraja repeats itself
    assert counts() == before and ledger_balanced() and wallets_match_ledger()
    listed = client.get("/api/v1/wallet/withdrawals", headers=auth_headers(world.passenger)).get_json()
    assert [(w["status"], w["receipt"], w["phone"]) for w in listed] == [("paid", "SL1CX8KQ2P", "+2547****0111")]


def test_a_failed_payout_is_sent_again_only_by_a_person_and_under_a_new_key(client, world, auth_headers, daraja):
    accept_b2c(daraja)
    payout_id = withdraw(client, world, auth_headers)["id"]
    first = payout_of(id=payout_id).originator_id
    post_result(client, b2c_result(first, success=False))
    payout = payout_of(id=payout_id)
    assert payout.status == "failed" and payout.result_code == "2001"
    assert balance("payouts_pending:platform", "KES") == 50000  # still owed
    sweep_payouts()  # the sweep never resends a failed payout on its own
    assert len(sent_bodies(daraja, B2C_URL)) == 1

    admin = auth_headers(platform_admin())
    resp = client.post(f"/api/v1/payouts/{payout_id}/retry", headers=admin)
    assert resp.status_code == 202, resp.get_json()
    second = payout_of(id=payout_id).originator_id
    assert second == f"safiri-payout-{payout_id}-2" and second != first
    assert [b["OriginatorConversationID"] for b in sent_bodies(daraja, B2C_URL)] == [first, second]
    post_result(client, b2c_result(second, amount_kes=500))
    assert payout_of(id=payout_id).status == "paid"
    # A late result for the first key finds no current payout: parked for a person, nothing moves.
    before = counts()
    post_result(client, b2c_result(first, amount_kes=500, receipt="SL1CX8ZZZZ"))
    after = counts()
    assert after["parked"] == before["parked"] + 1 and after["ledger_txns"] == before["ledger_txns"]
    assert db.session.scalar(select(ParkedCallback.reason).order_by(ParkedCallback.id.desc())) == "earlier_attempt"


def test_no_result_means_ask_transaction_status_before_anything_is_sent_again(client, world, auth_headers, daraja):
    daraja.add(responses.POST, B2C_URL, body=requests.exceptions.ReadTimeout("answer lost"))
    payout_id = withdraw(client, world, auth_headers, amount=80000)["id"]  # KES 800, as in the status fixture
    payout = payout_of(id=payout_id)
    assert payout.status == "sent" and payout.sends == 1 and payout.conversation_id is None
    daraja.add(responses.POST, STATUS_URL, json=accepted("AG_20261201_0000712ecd52d1d3d8b6", "1236-7134259-1"))

    sweep_payouts()  # not due yet: nothing asked, nothing sent
    assert sent_bodies(daraja, STATUS_URL) == [] and len(sent_bodies(daraja, B2C_URL)) == 1
    payout.next_check_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert sweep_payouts() == "created 0, sent 0, checked 1"
    (asked,) = sent_bodies(daraja, STATUS_URL)
    assert asked["OriginatorConversationID"] == payout.originator_id and asked["PartyA"] == "600980"
    check = db.session.scalar(select(StatusCheck))
    assert asked["ResultURL"].endswith(f"/channels/mobile-money/status/result?token={TOKEN}&check={check.id}")

    status = load_fixture("mpesa/transaction_status_result.json")
    post_result(client, status, f"/channels/mobile-money/status/result?token={TOKEN}&check={check.id}")
    payout = payout_of(id=payout_id)
    assert payout.status == "paid" and payout.receipt == "SL19A7TT3M"
    assert len(sent_bodies(daraja, B2C_URL)) == 1  # never sent twice
    assert db.session.get(StatusCheck, check.id).payer == "+2547****3444"  # masked, no name
    assert ledger_balanced()


def test_unknown_to_mpesa_is_sent_again_under_the_same_key(client, world, auth_headers, daraja):
    daraja.add(responses.POST, B2C_URL, body=requests.exceptions.ReadTimeout("answer lost"))
    payout_id = withdraw(client, world, auth_headers)["id"]
    daraja.add(responses.POST, STATUS_URL, json=accepted("AG_check_1", "1236-1"))
    payout = payout_of(id=payout_id)
    payout.next_check_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    sweep_payouts()
    check = db.session.scalar(select(StatusCheck))
    daraja.replace(responses.POST, B2C_URL, json=load_fixture("mpesa/b2c_response.json"))
    not_found = {"Result": {"ResultType": 0, "ResultCode": 2001, "ResultDesc": "The transaction is not found.",
                            "OriginatorConversationID": "1236-1", "ConversationID": "AG_check_1",
                            "TransactionID": "SL10000000"}}
    post_result(client, not_found, f"/channels/mobile-money/status/result?token={TOKEN}&check={check.id}")
    keys = [b["OriginatorConversationID"] for b in sent_bodies(daraja, B2C_URL)]
    assert keys == [payout.originator_id, payout.originator_id]  # the same key: Daraja refuses a duplicate
    assert payout_of(id=payout_id).status == "sent" and payout_of(id=payout_id).sends == 2


def test_a_refused_first_request_fails_but_a_refused_resend_decides_nothing(client, world, auth_headers, daraja):
    daraja.add(responses.POST, B2C_URL, status=400, json={"errorCode": "400.002.02", "errorMessage": "Invalid"})
    payout_id = withdraw(client, world, auth_headers)["id"]
    assert payout_of(id=payout_id).status == "failed"
    # A resend under a key Daraja already has is refused as well: the payout stays sent.
    fund_wallet(world.passenger, 1)  # a distinct top-up for the second withdrawal's balance
    daraja.replace(responses.POST, B2C_URL, body=requests.exceptions.ConnectionError("refused"))
    second = client.post("/api/v1/wallet/withdrawals", json={"amount": {"amount": 20000, "currency": "KES"}},
                         headers=auth_headers(world.passenger)).get_json()["id"]
    assert payout_of(id=second).status == "sent"
    daraja.replace(responses.POST, B2C_URL, status=400, json={"errorCode": "400.002.05", "errorMessage": "Duplicate"})
    assert resend_payout(second) == "resend refused"
    assert payout_of(id=second).status == "sent"


def test_a_timeout_callback_asks_the_status_at_once(client, world, auth_headers, daraja):
    accept_b2c(daraja)
    payout_id = withdraw(client, world, auth_headers)["id"]
    payout = payout_of(id=payout_id)
    assert payout.next_check_at > utcnow()
    timeout = b2c_result(payout.originator_id, success=False)
    post_result(client, timeout, B2C_TIMEOUT)
    payout = payout_of(id=payout_id)
    assert payout.status == "sent" and payout.next_check_at <= utcnow()


def test_callbacks_are_token_guarded_and_never_500(client, world, auth_headers, daraja):
    accept_b2c(daraja)
    payout_id = withdraw(client, world, auth_headers)["id"]
    key = payout_of(id=payout_id).originator_id
    before = counts()
    assert client.post("/channels/mobile-money/b2c/result?token=wrong", json=b2c_result(key)).status_code == 403
    assert counts() == before and payout_of(id=payout_id).status == "sent"
    for path in ("b2c/result", "b2c/timeout", "reversal/result", "reversal/timeout", "status/result",
                 "status/timeout"):
        url = f"/channels/mobile-money/{path}?token={TOKEN}"
        assert client.post(url, data="not json", content_type="text/plain").status_code == 400
        resp = client.post(url, json={"Result": {"ResultDesc": "no code"}})
        assert resp.status_code == 200 and resp.get_json() == ACCEPTED
        unknown = client.post(url + "&check=99999&payout=99999", json=b2c_result("someone-else-1"))
        assert unknown.status_code == 200 and unknown.get_json() == ACCEPTED
    assert payout_of(id=payout_id).status == "sent"
    assert db.session.scalar(select(func.count()).select_from(ParkedCallback)) >= 6
