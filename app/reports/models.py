"""Closed days and settlements: what a carrier's books froze, and what was paid out.

Why a snapshot row per closed day (unique per carrier and day): once a carrier has
reconciled a day, its figures must never move under it. The figures are a query over the
ledger, and the ledger only grows, so a closed day keeps the answer it gave when it was
closed (``report``) and the totals settlements add up.

Why ``report_closed_day_transactions``: closing first *assigns* every ledger
transaction of that day (and any late one for an earlier closed day, see
``app.reports.closing``) to the closed day, then computes the snapshot from exactly those
rows. A transaction that commits after the close, even with a timestamp inside the
closed day, is therefore never lost and never counted twice: it is unassigned, so it
appears in the next open day as an adjustment. The primary key on the ledger
transaction makes a second assignment impossible.

The database enforces the arithmetic of both tables (gross - refunds - commission -
fees = net) and that a paid settlement carries its payment reference.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.database import utcnow
from app.extensions import db

SETTLEMENT_STATUSES = ("pending", "paid")


class ClosedDay(db.Model):
    __tablename__ = "report_closed_days"
    __table_args__ = (
        UniqueConstraint("carrier_id", "day"),
        CheckConstraint("gross - refunds - commission - operator_fees = net_payable", name="net_adds_up"),
        CheckConstraint("tickets_sold >= 0 AND tickets_refunded >= 0", name="counts_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"))
    day: Mapped[date]  # the carrier's local day
    currency: Mapped[str] = mapped_column(String(3))
    tickets_sold: Mapped[int]
    tickets_refunded: Mapped[int]
    gross: Mapped[int] = mapped_column(BigInteger)
    refunds: Mapped[int] = mapped_column(BigInteger)
    commission: Mapped[int] = mapped_column(BigInteger)
    operator_fees: Mapped[int] = mapped_column(BigInteger)
    net_payable: Mapped[int] = mapped_column(BigInteger)
    report: Mapped[dict] = mapped_column(JSON)  # the whole report as it was closed
    closed_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_by: Mapped[str] = mapped_column(String(48))  # an actor: user:12
    settlement_id: Mapped[int | None] = mapped_column(ForeignKey("settlements.id"), index=True)


class ClosedDayTransaction(db.Model):
    """A ledger transaction counted in a closed day (each at most once)."""

    __tablename__ = "report_closed_day_transactions"

    ledger_transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), primary_key=True)
    closed_day_id: Mapped[int] = mapped_column(ForeignKey("report_closed_days.id"), index=True)


class Settlement(db.Model):
    """What the platform owes a carrier for a run of closed days, and whether it was paid.

    Status machine (``app.reports.states``): ``pending → paid``, paid with a reference.
    """

    __tablename__ = "settlements"
    __table_args__ = (
        UniqueConstraint("carrier_id", "period_start"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
        CheckConstraint("status IN ('pending', 'paid')", name="status"),
        CheckConstraint("status <> 'paid' OR reference IS NOT NULL", name="paid_has_reference"),
        CheckConstraint("gross - refunds - commission - fees - cash_kept = net", name="net_adds_up"),
        Index("ix_settlements_carrier_period", "carrier_id", "period_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"))
    period_start: Mapped[date]
    period_end: Mapped[date]
    currency: Mapped[str] = mapped_column(String(3))
    days: Mapped[int]
    gross: Mapped[int] = mapped_column(BigInteger)
    refunds: Mapped[int] = mapped_column(BigInteger)
    commission: Mapped[int] = mapped_column(BigInteger)
    fees: Mapped[int] = mapped_column(BigInteger)  # operator fees
    # Cash the carrier's counters took (net of cash refunds): already in its hands, so netted.
    cash_kept: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    net: Mapped[int] = mapped_column(BigInteger)  # left to transfer; negative: the carrier owes
    status: Mapped[str] = mapped_column(String(10), default="pending")
    reference: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(48))
    paid_at: Mapped[datetime | None]
    status_changed_at: Mapped[datetime | None]
    status_reason: Mapped[str | None] = mapped_column(String(200))
    # The ledger transaction that moved ``net`` out of the carrier's payable when paid.
    ledger_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
