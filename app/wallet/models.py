"""The wallet row: a cache of the ledger account ``wallet:<user_id>`` plus settings.

The balance column is kept by ``app.ledger.service.post`` in the same transaction as the
entries, under this row's lock; ``CHECK balance >= 0`` makes the database refuse a
negative wallet whatever the code does. The ledger stays the truth (tests compare them).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.database import utcnow
from app.extensions import db


class Wallet(db.Model):
    __tablename__ = "wallets"
    __table_args__ = (
        CheckConstraint("balance >= 0", name="balance_nonnegative"),
        CheckConstraint("auto_recharge_threshold >= 0", name="threshold_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    currency: Mapped[str] = mapped_column(String(3), default="KES")
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    auto_recharge_enabled: Mapped[bool] = mapped_column(default=False)
    auto_recharge_threshold: Mapped[int] = mapped_column(BigInteger, default=0)
    last_topup_amount: Mapped[int | None] = mapped_column(BigInteger)  # last *manual* top-up
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
