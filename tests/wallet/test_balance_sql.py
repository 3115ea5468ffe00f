"""``Wallet.balance`` in SQL is each wallet's own balance, also inside an aggregate over
several wallets (on SQLite and PostgreSQL): the subquery is correlated to the wallet row."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.wallet.models import Wallet
from tests.factories import make_user
from tests.payments.helpers import fund_wallet


def test_an_aggregate_over_several_wallets_adds_each_wallets_balance(world):
    users = [make_user() for _ in range(3)]
    db.session.commit()
    for user, amount in zip(users, (10000, 25000, 0)):
        if amount:
            fund_wallet(user, amount)
        db.session.commit()
    ids = [user.id for user in users]
    total = db.session.scalar(select(func.sum(Wallet.balance)))  # no wallets column outside the balance
    assert total == 35000
    assert db.session.scalar(select(func.max(Wallet.balance))) == 25000
    assert db.session.scalar(select(func.count()).where(Wallet.balance > 0)) == 2
    per_currency = db.session.execute(select(Wallet.currency, func.sum(Wallet.balance))
                                      .where(Wallet.user_id.in_(ids)).group_by(Wallet.currency)).all()
    assert per_currency == [("KES", 35000)]
    assert db.session.scalar(select(Wallet.balance).where(Wallet.user_id == ids[1])) == 25000
