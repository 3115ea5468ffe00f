"""Ledger tables: a transaction and its signed entries.

Sign convention: an account's balance is the plain sum of its entries. Accounts we owe
(``wallet:<user>``, ``carrier_payable:<carrier>``, ``payouts_pending:<carrier>``,
``review_suspense``) and revenue (``platform_fees``) grow positive; money held at an
operator (``provider_clearing:<provider>``) is an asset and goes negative as it comes in.
Every transaction sums to zero per currency, so the whole ledger does too.

(kind, ref) is unique: posting the same business event twice (a replayed callback, a
retried job) hits the constraint instead of moving money twice.

``AccountBalance`` is the balance the ledger keeps itself for each account that may never go
below zero (a passenger's wallet), written by ``post`` in the same transaction as the
entries, under that row's lock; ``CHECK balance >= 0`` refuses a negative one whatever the
code does. The entries stay the truth (tests compare the two).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import utcnow
from app.extensions import db


class LedgerTransaction(db.Model):
    __tablename__ = "ledger_transactions"
    __table_args__ = (
        UniqueConstraint("kind", "ref"),
        Index("ix_ledger_transactions_carrier_created", "carrier_id", "created_at"),
        Index("ix_ledger_transactions_order", "order_id"),  # an order's money (reports, refunds)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # sale, topup, refund, unapplied, suspense...
    ref: Mapped[str] = mapped_column(String(120))
    # The carrier whose statement this belongs to (None for wallet top-ups, suspense).
    carrier_id: Mapped[int | None] = mapped_column(ForeignKey("carriers.id"))
    order_id: Mapped[int | None]
    payment_id: Mapped[int | None]
    memo: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entries: Mapped[list[LedgerEntry]] = relationship(
        back_populates="transaction", order_by="LedgerEntry.id", cascade="all, delete-orphan"
    )


class LedgerEntry(db.Model):
    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_account_currency", "account", "currency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_transactions.id", ondelete="CASCADE"), index=True
    )
    account: Mapped[str] = mapped_column(String(60))
    amount: Mapped[int] = mapped_column(BigInteger)  # signed minor units
    currency: Mapped[str] = mapped_column(String(3))

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")


class AccountBalance(db.Model):
    """The kept balance of one account (see ``app.ledger.balances``): the sum of its entries."""

    __tablename__ = "ledger_balances"
    __table_args__ = (CheckConstraint("balance >= 0", name="balance_nonnegative"),)

    account: Mapped[str] = mapped_column(String(60), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
