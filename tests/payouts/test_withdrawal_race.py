"""Two withdrawals at once against one 24-hour limit (PostgreSQL only: SQLite takes no row locks).

The limit is a sum over the payouts already made, read before the new one is written: two
requests that both read it before either wrote would both pass. The wallet's row lock,
taken first, makes the second wait for the first to commit and then read it. The race is
shown without that lock (both pass, the limit is broken), then the lock holding it.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.payouts import withdrawals
from app.payouts.models import Payout
from tests.factories import auth_headers
from tests.payments.helpers import fund_wallet, ledger_balanced, wallets_match_ledger

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def app_settings():
    return {"WITHDRAWAL_MAX": 100000, "WITHDRAWAL_DAILY_MAX": 100000, "WITHDRAWAL_FEE": 0,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 6, "max_overflow": 2}}


def _at_once(app, headers, amounts) -> list[int]:
    statuses: list = [None] * len(amounts)

    def send(i):
        with app.app_context():
            resp = app.test_client().post("/api/v1/wallet/withdrawals", headers=headers,
                                          json={"amount": {"amount": amounts[i], "currency": "KES"}})
            statuses[i] = resp.status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(amounts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.session.expire_all()
    return statuses


def test_without_the_wallet_lock_two_withdrawals_pass_one_daily_limit(app, world, monkeypatch):
    fund_wallet(world.passenger, 500000)
    headers = auth_headers(world.passenger)
    both_read = threading.Barrier(2, timeout=30)
    real_sum = withdrawals.withdrawn_since

    def read_then_wait(user_id, since):
        total = real_sum(user_id, since)
        both_read.wait()  # each request has read the limit before either writes
        return total

    unlocked = withdrawals.get_wallet
    monkeypatch.setattr(withdrawals, "withdrawn_since", read_then_wait)
    monkeypatch.setattr(withdrawals, "get_wallet", lambda user_id, lock=False, create=True:
                        unlocked(user_id, lock=False, create=create))
    assert sorted(_at_once(app, headers, [60000, 60000])) == [202, 202]
    assert db.session.scalar(select(func.sum(Payout.amount))) == 120000  # over the KES 1,000 limit


def test_the_wallet_lock_keeps_two_withdrawals_within_one_daily_limit(app, world):
    fund_wallet(world.passenger, 500000)
    headers = auth_headers(world.passenger)
    assert sorted(_at_once(app, headers, [60000, 60000])) == [202, 422]
    assert db.session.scalar(select(func.sum(Payout.amount))) == 60000
    assert ledger_balanced() and wallets_match_ledger()
