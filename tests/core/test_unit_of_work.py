"""``unit_of_work``: a use case commits once, and a transaction that lost a race runs again whole.

Following pretix: first the race (two transactions locking two rows in opposite orders: the
database breaks the deadlock by aborting one of them, which without a retry is an error the
caller sees), then that the unit of work runs the loser again and both finish.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from app.extensions import NestedUnitOfWork, db, unit_of_work
from app.ledger.balances import lock_balance, open_balance
from app.ledger.models import AccountBalance

ACCOUNTS = ("wallet:901", "wallet:902")


def _open_accounts():
    for account in ACCOUNTS:
        open_balance(account, "KES")
    db.session.commit()


def _crossing(app, attempts: int):
    """Two units of work lock the two rows in opposite orders; the first attempts meet at a barrier."""
    barrier = threading.Barrier(2, timeout=20)
    tries: dict[int, int] = {0: 0, 1: 0}
    results: list = [None, None]

    def work(i):
        tries[i] += 1
        first, second = ACCOUNTS if i == 0 else reversed(ACCOUNTS)
        lock_balance(first, "KES").balance += 1
        db.session.flush()
        if tries[i] == 1:
            barrier.wait()  # both hold their first row: each now asks for the other's
        lock_balance(second, "KES").balance += 1
        return tries[i]

    def run(i):
        with app.app_context():
            try:
                results[i] = unit_of_work(lambda: work(i), attempts=attempts)
            except Exception as exc:  # asserted by the test
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.session.expire_all()
    return results


@pytest.mark.postgres_only
def test_without_a_retry_the_deadlock_loser_fails(app):
    _open_accounts()
    results = _crossing(app, attempts=1)
    assert sum(isinstance(r, OperationalError) for r in results) == 1
    assert "deadlock" in str(next(r for r in results if isinstance(r, OperationalError))).lower()


@pytest.mark.postgres_only
def test_the_deadlock_loser_runs_again_and_both_finish(app):
    _open_accounts()
    results = _crossing(app, attempts=3)
    assert sorted(results) == [1, 2]  # one finished at once, the other on its second run
    balances = db.session.scalars(select(AccountBalance.balance).where(AccountBalance.account.in_(ACCOUNTS))).all()
    assert balances == [2, 2]  # each transaction applied once: nothing half-done, nothing twice


def test_a_unique_race_runs_again_and_finds_what_the_other_wrote(app):
    _open_accounts()
    tries = []

    def work():
        tries.append(1)
        if len(tries) == 1:  # the other request wrote the row first: our insert meets the constraint
            db.session.add(AccountBalance(account=ACCOUNTS[0], currency="KES", balance=0))
            db.session.flush()
        return db.session.get(AccountBalance, ACCOUNTS[0]).account

    assert unit_of_work(work) == ACCOUNTS[0] and len(tries) == 2


def test_a_failure_that_is_no_race_rolls_back_and_is_not_retried(app):
    tries = []

    def work():
        tries.append(1)
        open_balance("wallet:903", "KES")
        raise ValueError("a bug")

    with pytest.raises(ValueError):
        unit_of_work(work)
    assert tries == [1] and db.session.get(AccountBalance, "wallet:903") is None


def test_earlier_writes_of_the_session_are_not_thrown_away_by_a_retry(app):
    _open_accounts()
    open_balance("wallet:904", "KES")  # written before the unit of work began (not committed)
    db.session.flush()

    def work():
        db.session.add(AccountBalance(account=ACCOUNTS[0], currency="KES", balance=0))
        db.session.flush()

    with pytest.raises(IntegrityError):
        unit_of_work(work)


def test_a_unit_of_work_inside_another_is_refused(app):
    with pytest.raises(NestedUnitOfWork):
        unit_of_work(lambda: unit_of_work(lambda: None))
