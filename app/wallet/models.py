"""The wallet row: a passenger's settings (auto-recharge, last top-up) beside the balance
the ledger keeps for the account ``wallet:<user_id>``.

The balance is not stored here: ``app.ledger.service.post`` keeps it (``AccountBalance``,
``app.ledger.balances``) in the same transaction as the entries, under that row's lock,
and ``CHECK balance >= 0`` there refuses a negative wallet whatever the code does.
``Wallet.balance`` reads it (in SQL too: ``select(Wallet.balance)``); ``get_wallet`` loads
both rows in one query.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, cast, func, literal, select
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from app.database import utcnow
from app.extensions import db
from app.ledger.models import AccountBalance
from app.ledger.service import wallet_account


class Wallet(db.Model):
    __tablename__ = "wallets"
    __table_args__ = (
        CheckConstraint("auto_recharge_threshold >= 0", name="threshold_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    currency: Mapped[str] = mapped_column(String(3), default="KES")
    auto_recharge_enabled: Mapped[bool] = mapped_column(default=False)
    auto_recharge_threshold: Mapped[int] = mapped_column(BigInteger, default=0)
    last_topup_amount: Mapped[int | None] = mapped_column(BigInteger)  # last *manual* top-up
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def account_balance(self) -> AccountBalance | None:
        """The ledger's row for this wallet (``get_wallet`` loads it with the wallet)."""
        row = self.__dict__.get("_balance_row")
        if row is None:
            row = db.session.get(AccountBalance, wallet_account(self.user_id))
        return row

    @hybrid_property
    def balance(self) -> int:
        """What the wallet holds, in minor units: the balance the ledger keeps for it."""
        row = self.account_balance()
        return row.balance if row is not None else 0

    @balance.inplace.setter
    def _set_balance(self, value: int) -> None:
        # Only the ledger moves money (``post``); this writes the kept row as it stands, so
        # that a test can show the database itself refuses a negative wallet.
        self.account_balance().balance = value

    @balance.inplace.expression
    @classmethod
    def _balance_expression(cls):
        account = literal("wallet:") + cast(cls.user_id, String)
        # Always correlated to the enclosing query's wallet. Left to auto-correlation, an
        # aggregate such as ``select(func.sum(Wallet.balance))`` names no wallets column
        # outside the subquery, so the subquery took ``wallets`` into its own FROM,
        # uncorrelated: every wallet's balance as one scalar (an error on PostgreSQL, the
        # first wallet's balance on SQLite). ``correlate(cls)`` keeps wallets out of the
        # subquery, and the fallback ``user_id * 0`` (0: user_id is never null) names a
        # wallets column outside it, which puts ``wallets`` in the enclosing FROM.
        kept = (select(AccountBalance.balance).where(AccountBalance.account == account)
                .correlate(cls).scalar_subquery())
        return func.coalesce(kept, cls.user_id * 0)
