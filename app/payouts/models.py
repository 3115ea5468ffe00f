"""Payouts (money going back out to a person's M-Pesa) and the status checks asked of Daraja.

A payout is what we owe to one M-Pesa number (or, for a reversal, to the payer of one
receipt), and how it is being paid: through Daraja (B2C or reversal) or by a person, who
marks it paid with a reference. The money waits in a ledger account (``account``: the
carrier's or the platform's ``payouts_pending``) from the moment it is owed until the
payout is paid, so the ledger always says what is still to pay.

Idempotency: ``ref`` (unique) names what the payout pays (``refund:12``,
``withdrawal:7:<uuid>``), so it is created once; ``originator_id`` (unique) is the B2C
``OriginatorConversationID`` of the current attempt, ``safiri-payout-<id>-<attempt>``:
Daraja refuses a second request with the same one, so a resend after a lost answer can
never pay twice, and a retry after a real failure takes the next attempt's key.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.database import utcnow
from app.extensions import db

PAYOUT_STATUSES = ("pending", "sent", "paid", "failed", "returned")
PAYOUT_KINDS = ("refund", "reversal", "withdrawal", "closure")
PAYOUT_METHODS = ("b2c", "reversal", "manual")


class Payout(db.Model):
    __tablename__ = "payouts"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'paid', 'failed', 'returned')", name="status"),
        CheckConstraint("kind IN ('refund', 'reversal', 'withdrawal', 'closure')", name="kind"),
        CheckConstraint("method IS NULL OR method IN ('b2c', 'reversal', 'manual')", name="method"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("fee >= 0", name="fee_not_negative"),
        CheckConstraint("kind <> 'reversal' OR payment_id IS NOT NULL", name="reversal_has_payment"),
        CheckConstraint("status <> 'paid' OR paid_at IS NOT NULL", name="paid_has_time"),
        CheckConstraint("attempt >= 0 AND sends >= 0 AND checks >= 0", name="counters_not_negative"),
        # The sweep's queue: payouts of a state by when they are next due.
        Index("ix_payouts_status_next_check", "status", "next_check_at"),
        Index("ix_payouts_carrier_status", "carrier_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    # Whose money pays it: a carrier (its refunds) or the platform (None: wallet money,
    # withdrawals, deleted accounts, reversed double payments).
    carrier_id: Mapped[int | None] = mapped_column(ForeignKey("carriers.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id"), unique=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))  # reversal: the payment reversed
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164 M-Pesa number it goes to (B2C)
    amount: Mapped[int] = mapped_column(BigInteger)
    fee: Mapped[int] = mapped_column(BigInteger, default=0)  # withdrawal fee, taken when it was asked
    currency: Mapped[str] = mapped_column(String(3))
    account: Mapped[str] = mapped_column(String(60))  # ledger account holding the money until paid
    status: Mapped[str] = mapped_column(String(10), default="pending")
    status_changed_at: Mapped[datetime | None]
    status_reason: Mapped[str | None] = mapped_column(String(200))
    method: Mapped[str | None] = mapped_column(String(10))
    originator_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    attempt: Mapped[int] = mapped_column(default=0)  # keys used: a retry after a failure takes the next
    sends: Mapped[int] = mapped_column(default=0)  # requests with the current key (resends after lost answers)
    conversation_id: Mapped[str | None] = mapped_column(String(64), index=True)
    receipt: Mapped[str | None] = mapped_column(String(40))  # M-Pesa receipt, or a person's reference
    result_code: Mapped[str | None] = mapped_column(String(20))
    result_desc: Mapped[str | None] = mapped_column(String(200))
    next_check_at: Mapped[datetime | None]  # sent: when to ask Transaction Status if no result came
    checks: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]


class StatusCheck(db.Model):
    """One Transaction Status request and its answer.

    Asked for a payout whose result did not come (``payout_id``), or by an admin for a
    receipt a passenger disputes (``receipt``, ``carrier_id`` for whose admins may read it).
    Daraja posts the answer to ``/status/result?check=<id>``; ``answered_at`` NULL: waiting.
    The payer's number is kept masked only.
    """

    __tablename__ = "status_checks"
    __table_args__ = (
        CheckConstraint("purpose IN ('payout', 'dispute')", name="purpose"),
        CheckConstraint("receipt IS NOT NULL OR originator_id IS NOT NULL", name="asks_something"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(8))
    payout_id: Mapped[int | None] = mapped_column(ForeignKey("payouts.id"), index=True)
    carrier_id: Mapped[int | None] = mapped_column(ForeignKey("carriers.id"))
    receipt: Mapped[str | None] = mapped_column(String(40), index=True)
    originator_id: Mapped[str | None] = mapped_column(String(64))
    requested_by: Mapped[str] = mapped_column(String(48))  # an actor: user:3, system:payouts
    conversation_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    refused: Mapped[str | None] = mapped_column(String(200))  # Daraja refused the request itself
    result_code: Mapped[str | None] = mapped_column(String(20))
    result_desc: Mapped[str | None] = mapped_column(String(200))
    transaction_status: Mapped[str | None] = mapped_column(String(40))
    found_receipt: Mapped[str | None] = mapped_column(String(40))
    amount: Mapped[int | None] = mapped_column(BigInteger)
    payer: Mapped[str | None] = mapped_column(String(20))  # masked: +2547****3444
    reason_type: Mapped[str | None] = mapped_column(String(60))
    completed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
