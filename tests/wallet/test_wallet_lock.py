"""Locking a wallet re-reads it (PostgreSQL only: SQLite takes no row locks).

A request that already loaded the wallet (to show options, say) and then locks it to pay
must decide on the balance as it is now, not as it was when first read: another request
may have moved money in between. ``SELECT ... FOR UPDATE`` returns the current row, but
the session's identity map kept the old values unless the lock refreshes the object.
"""
from __future__ import annotations

import pytest

from app.extensions import db
from app.wallet.service import get_wallet
from tests.payments.helpers import fund_wallet

pytestmark = pytest.mark.postgres_only


def test_locking_a_wallet_already_loaded_reads_the_balance_as_it_is_now(app, world):
    user_id = world.passenger.id
    fund_wallet(world.passenger, 1000)
    seen = get_wallet(user_id)  # this request reads the wallet once...
    assert seen.balance == 1000
    with app.app_context():  # ...another request credits it meanwhile and commits
        fund_wallet(db.session.get(type(world.passenger), user_id), 500)
    locked = get_wallet(user_id, lock=True)
    assert locked.balance == 1500
    db.session.rollback()
