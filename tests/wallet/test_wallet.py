"""Wallet through HTTP: balance and presets, top-ups (sandbox and Daraja), limits, auto-recharge."""
from __future__ import annotations

import json

import pytest
import responses
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db as _db
from app.payments.models import Payment
from app.wallet.models import Wallet
from tests.fixtures import load_fixture
from tests.payments.helpers import (
    DARAJA, DARAJA_CONFIG, TOKEN, book, counts, fund_wallet, ledger_balanced, sms_to, wallets_match_ledger,
)


def kes(amount):
    """Money as every request takes it (and every answer gives it)."""
    return {"amount": amount, "currency": "KES"}


def test_wallet_shows_balance_presets_and_limits(client, world, auth_headers):
    body = client.get("/api/v1/wallet", headers=auth_headers(world.passenger)).get_json()
    assert body["balance"] == {"amount": 0, "currency": "KES"}
    assert [p["amount"] for p in body["presets"]] == [10000, 20000, 50000, 100000]
    assert body["limits"]["min"]["amount"] == 1000 and body["limits"]["max"]["amount"] == 15_000_000
    assert client.get("/api/v1/wallet").status_code == 401


def test_sandbox_top_up_credits_wallet_with_history_and_sms(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    resp = client.post("/api/v1/wallet/top-ups", json={"amount": kes(50000)}, headers=headers)
    assert resp.status_code == 202 and resp.get_json()["purpose"] == "topup"
    assert client.get("/api/v1/wallet", headers=headers).get_json()["balance"]["amount"] == 50000
    history = client.get("/api/v1/wallet/transactions", headers=headers).get_json()
    assert [(h["kind"], h["amount"]["amount"]) for h in history] == [("topup", 50000)]
    assert any("KES 500 added to your wallet" in t for t in sms_to(world.passenger.phone, "receipt"))
    assert wallets_match_ledger() and ledger_balanced()


@pytest.mark.parametrize("body", [
    {"amount": kes(0)}, {"amount": kes(-5000)}, {"amount": kes(999)}, {"amount": kes(15_000_100)},
    {"amount": kes(10**15)}, {"amount": kes("500")}, {"amount": kes(100.5)}, {}, {"amount": kes(10050)},
    {"amount": kes(10000), "phone": "abc"}, {"amount": {"amount": 10000, "currency": "UGX"}},
    {"amount": {"amount": 10000}}, {"amount": {"amount": 10000, "currency": "kes"}},
    {"amount": 50000},  # a bare integer is not money: {"amount", "currency"} like in every answer
])
def test_bad_top_ups_are_422_and_change_nothing(client, world, auth_headers, body):
    before = counts()
    resp = client.post("/api/v1/wallet/top-ups", json=body, headers=auth_headers(world.passenger))
    assert resp.status_code == 422
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert counts() == before


def test_auto_recharge_needs_a_previous_top_up_and_valid_threshold(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    resp = client.put("/api/v1/wallet/auto-recharge", json={"enabled": True, "threshold": kes(20000)}, headers=headers)
    assert resp.status_code == 422 and resp.get_json()["type"] == "/problems/no-previous-topup"
    assert client.put("/api/v1/wallet/auto-recharge", json={"enabled": True, "threshold": kes(-1)},
                      headers=headers).status_code == 422
    assert client.get("/api/v1/wallet", headers=headers).get_json()["auto_recharge"]["enabled"] is False


def test_auto_recharge_tops_up_after_a_purchase_leaves_balance_low(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    client.post("/api/v1/wallet/top-ups", json={"amount": kes(160000)}, headers=headers)  # KES 1,600 (sandbox)
    resp = client.put("/api/v1/wallet/auto-recharge", json={"enabled": True, "threshold": kes(20000)}, headers=headers)
    assert resp.status_code == 200 and resp.get_json() == {"enabled": True, "threshold": kes(20000), "amount": kes(160000)}
    order = book(client, world, headers)
    resp = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "wallet"}, headers=headers)
    assert resp.status_code == 202 and resp.get_json()["status"] == "succeeded"
    # 1,600 - 1,500 = 100 < 200: an automatic top-up of the last manual amount ran (sandbox confirms).
    topups = _db.session.scalars(select(Payment).where(Payment.purpose == "topup").order_by(Payment.id)).all()
    assert [(p.amount, p.auto_recharge, p.status) for p in topups] == [(160000, False, "succeeded"),
                                                                      (160000, True, "succeeded")]
    assert client.get("/api/v1/wallet", headers=headers).get_json()["balance"]["amount"] == 170000
    assert wallets_match_ledger()


def test_no_auto_recharge_when_balance_stays_above_threshold(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    client.post("/api/v1/wallet/top-ups", json={"amount": kes(500000)}, headers=headers)
    client.put("/api/v1/wallet/auto-recharge", json={"enabled": True, "threshold": kes(20000)}, headers=headers)
    order = book(client, world, headers)
    client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "wallet"}, headers=headers)
    assert len(_db.session.scalars(select(Payment).where(Payment.purpose == "topup")).all()) == 1


class TestDarajaTopUp:
    @pytest.fixture
    def app_settings(self):
        return DARAJA_CONFIG

    def test_top_up_by_stk_push_then_callback(self, client, world, auth_headers):
        headers = auth_headers(world.passenger)
        with responses.RequestsMock() as daraja:
            daraja.add(responses.GET, f"{DARAJA}/oauth/v1/generate", json=load_fixture("mpesa/oauth_response.json"))
            daraja.add(responses.POST, f"{DARAJA}/mpesa/stkpush/v1/processrequest",
                       json=load_fixture("mpesa/stk_push_response.json"))
            resp = client.post("/api/v1/wallet/top-ups", json={"amount": kes(100), "phone": "0708374149"}, headers=headers)
            assert resp.status_code == 422  # below KES 10
            resp = client.post("/api/v1/wallet/top-ups", json={"amount": kes(1000), "phone": "0708374149"},
                               headers=headers)
            push = json.loads(daraja.calls[-1].request.body)
        assert resp.status_code == 202 and resp.get_json()["status"] == "pending"
        assert push["AccountReference"] == "WALLET" and push["Amount"] == "10"
        callback = load_fixture("mpesa/stk_callback_success.json")
        callback["Body"]["stkCallback"]["CallbackMetadata"]["Item"][0]["Value"] = 10
        assert client.post(f"/channels/mobile-money/stk?token={TOKEN}", json=callback).status_code == 200
        assert client.get("/api/v1/wallet", headers=headers).get_json()["balance"]["amount"] == 1000
        before = counts()
        client.post(f"/channels/mobile-money/stk?token={TOKEN}", json=callback)
        assert counts() == before


def test_cached_balance_cannot_go_negative_in_the_database(app, world):
    fund_wallet(world.passenger, 1000)
    wallet = _db.session.scalar(select(Wallet).where(Wallet.user_id == world.passenger.id))
    wallet.balance = -1
    with pytest.raises(IntegrityError):
        _db.session.commit()
    _db.session.rollback()
