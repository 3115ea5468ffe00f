"""Withdrawals to the passenger's own M-Pesa through the API: the limits, the fee, the
balance, the 24-hour limit, an account without a Kenyan number; each refusal a clear 4xx
that moves nothing. Without an API initiator the payout waits for the platform's team."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.ledger.service import Leg, balance, post, wallet_account
from app.payouts.models import Payout
from tests.factories import make_user
from tests.payments.helpers import counts, fund_wallet, ledger_balanced, wallets_match_ledger

URL = "/api/v1/wallet/withdrawals"


def ask(client, headers, amount, currency="KES"):
    return client.post(URL, json={"amount": {"amount": amount, "currency": currency}}, headers=headers)


@pytest.fixture
def app_settings():
    return {"WITHDRAWAL_MIN": 10000, "WITHDRAWAL_MAX": 100000, "WITHDRAWAL_DAILY_MAX": 150000,
            "WITHDRAWAL_FEE": 1000}


def test_a_withdrawal_takes_amount_and_fee_and_waits_for_a_person_without_initiator(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    fund_wallet(world.passenger, 100000)
    rules = client.get(f"{URL}/rules", headers=headers).get_json()
    assert rules == {"min": {"amount": 10000, "currency": "KES"}, "max": {"amount": 100000, "currency": "KES"},
                     "daily_max": {"amount": 150000, "currency": "KES"}, "left": {"amount": 150000, "currency": "KES"},
                     "fee": {"amount": 1000, "currency": "KES"}, "automatic": False}
    resp = ask(client, headers, 50000)
    assert resp.status_code == 202, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "pending" and body["fee"] == {"amount": 1000, "currency": "KES"}
    assert body["phone"] == "+2547****0111"
    assert client.get("/api/v1/wallet", headers=headers).get_json()["balance"]["amount"] == 49000
    assert balance("payouts_pending:platform", "KES") == 50000 and balance("platform_fees", "KES") == 1000
    assert client.get(f"{URL}/rules", headers=headers).get_json()["left"]["amount"] == 100000
    assert ledger_balanced() and wallets_match_ledger()


@pytest.mark.parametrize("amount, slug", [
    (9900, "withdrawal-amount"), (100100, "withdrawal-amount"), (50050, "withdrawal-amount"),
], ids=["under-min", "over-max", "cents"])
def test_amounts_outside_the_rules_are_refused_and_nothing_moves(client, world, auth_headers, amount, slug):
    fund_wallet(world.passenger, 200000)
    before = counts()
    resp = ask(client, auth_headers(world.passenger), amount)
    assert resp.status_code == 422 and resp.get_json()["type"].endswith(slug)
    assert counts() == before


def test_more_than_the_wallet_holds_with_the_fee_is_refused(client, world, auth_headers):
    fund_wallet(world.passenger, 50000)
    before = counts()
    resp = ask(client, auth_headers(world.passenger), 50000)  # + KES 10 fee: one short
    assert resp.status_code == 402 and resp.get_json()["type"].endswith("insufficient-funds")
    assert counts() == before
    assert ask(client, auth_headers(world.passenger), 49000).status_code == 202


def test_the_24_hour_limit_counts_every_withdrawal_but_those_given_back(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    fund_wallet(world.passenger, 500000)
    assert ask(client, headers, 100000).status_code == 202
    refused = ask(client, headers, 60000)
    assert refused.status_code == 422 and refused.get_json()["type"].endswith("withdrawal-daily-limit")
    assert refused.get_json()["left"] == {"amount": 50000, "currency": "KES"}
    assert ask(client, headers, 50000).status_code == 202


def test_other_currency_or_no_kenyan_number_is_refused(client, world, auth_headers):
    fund_wallet(world.passenger, 100000)
    resp = ask(client, auth_headers(world.passenger), 50000, currency="UGX")
    assert resp.status_code == 422 and resp.get_json()["type"].endswith("wrong-currency")
    foreign = make_user(phone="+256772000111")
    db.session.commit()
    post("topup", "test-fund-foreign", [Leg("provider_clearing:sandbox", -100000, "KES"),
                                        Leg(wallet_account(foreign.id), 100000, "KES")])
    db.session.commit()
    resp = ask(client, auth_headers(foreign), 50000)
    assert resp.status_code == 422 and resp.get_json()["type"].endswith("withdrawal-number")
    assert db.session.scalar(select(func.count()).select_from(Payout)) == 0


def test_withdrawals_need_a_signed_in_user_and_list_only_ones_own(client, world, auth_headers):
    assert client.get(URL).status_code == 401
    fund_wallet(world.passenger, 100000)
    assert ask(client, auth_headers(world.passenger), 20000).status_code == 202
    other = make_user()
    db.session.commit()
    assert client.get(URL, headers=auth_headers(other)).get_json() == []
    assert len(client.get(URL, headers=auth_headers(world.passenger)).get_json()) == 1
