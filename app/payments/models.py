"""Payments, refunds and parked operator callbacks.

A payment is idempotent on the provider's ids through unique constraints:
(provider, provider_ref) holds the CheckoutRequestID / AT message id we were given when
starting it, (provider, receipt) the MpesaReceiptNumber / TransID / AT message id that
proves money moved. A replayed callback therefore finds its payment already settled, and a
racing duplicate hits the constraint rather than settling twice.

Status strings change only through the machines of ``app.payments.states``, which record
each change in ``status_history``.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import utcnow
from app.extensions import db

PAYMENT_STATUSES = ("initiated", "pending", "succeeded", "failed", "expired", "refunded")
PAYMENT_METHODS = ("mpesa_stk", "mpesa_paybill", "airtime", "wallet", "sandbox", "cash")
# What the API, profiles, USSD and SMS call each stored method: one name per thing, so a
# payment requested as "mpesa" is answered as "mpesa" whether the passenger paid through
# the prompt (mpesa_stk) or at the Paybill (mpesa_paybill).
PUBLIC_METHODS = {"mpesa_stk": "mpesa", "mpesa_paybill": "mpesa", "airtime": "airtime", "wallet": "wallet",
                  "sandbox": "sandbox", "cash": "cash"}
PURPOSES = ("order", "topup")


class Payment(db.Model):
    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("provider", "provider_ref"),
        UniqueConstraint("provider", "receipt"),
        CheckConstraint(
            "status IN ('initiated', 'pending', 'succeeded', 'failed', 'expired', 'refunded')",
            name="status",
        ),
        CheckConstraint("purpose IN ('order', 'topup')", name="purpose"),
        CheckConstraint(
            "method IN ('mpesa_stk', 'mpesa_paybill', 'airtime', 'wallet', 'sandbox', 'cash')", name="method"
        ),
        # Cash is taken at a counter by an agent, into their drawer: only cash names one.
        CheckConstraint("(method = 'cash') = (collected_by IS NOT NULL)", name="cash_collected_by"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("purpose = 'topup' OR order_id IS NOT NULL", name="order_payment_has_order"),
        Index("ix_payments_status_created", "status", "created_at"),
        # The STK poller's queue: pending pushes by when they are next due.
        Index("ix_payments_status_next_poll", "status", "next_poll_at"),
        CheckConstraint("poll_count >= 0", name="poll_count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(8), default="order")
    method: Mapped[str] = mapped_column(String(14))
    provider: Mapped[str] = mapped_column(String(20))  # mpesa, africastalking, wallet, sandbox
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164 payer (we pushed to it)
    status: Mapped[str] = mapped_column(String(10), default="initiated")
    provider_ref: Mapped[str | None] = mapped_column(String(80))
    receipt: Mapped[str | None] = mapped_column(String(80))
    # M-Pesa: the Paybill/Till it came to (a C2B confirmation's BusinessShortCode, the STK
    # push's shortcode); a statement of one shortcode is matched only with its payments.
    shortcode: Mapped[str | None] = mapped_column(String(10))
    result_code: Mapped[str | None] = mapped_column(String(20))
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    message: Mapped[str | None] = mapped_column(String(300))  # what the passenger sees
    outcome: Mapped[str | None] = mapped_column(String(20))  # applied, already_paid, seats_gone...
    auto_recharge: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    settled_at: Mapped[datetime | None]
    status_changed_at: Mapped[datetime | None]
    # STK pushes only: when the poller next asks Daraja (NULL: never polled) and how often it did.
    next_poll_at: Mapped[datetime | None]
    poll_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # Cash only: the agent who took it (its ledger account is their drawer, cash_drawer:<agent>).
    collected_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # The order it pays, read through this row's own foreign key (payments does not import
    # booking): what a message about the payment names (its code, whether it is still unpaid).
    order = relationship("Order", viewonly=True)


class Refund(db.Model):
    """Money given back: to the wallet at once, or an M-Pesa payout the carrier's team makes."""

    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("destination IN ('wallet', 'mpesa', 'reversal', 'cash')", name="destination"),
        CheckConstraint("status IN ('completed', 'pending_payout')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(120), unique=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    # wallet (instant), mpesa (a B2C payout), reversal (the payment itself reversed; app.payouts),
    # cash (paid out of a counter drawer at once)
    destination: Mapped[str] = mapped_column(String(8), default="wallet")
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="completed")
    ledger_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The M-Pesa number a pending payout goes to, kept when the account (and with it
    # every other copy of the number) is erased: whoever pays it needs to know where.
    payout_phone: Mapped[str | None] = mapped_column(String(20))


class ParkedCallback(db.Model):
    """An operator callback we could not act on, kept whole for a person to resolve.

    ``dedupe_key`` (source, reason, provider id) makes a replayed callback a no-op.
    ``payment_id`` links money that did arrive (it sits in ``review_suspense``).
    """

    __tablename__ = "parked_callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    source: Mapped[str] = mapped_column(String(30))  # stk, c2b_validation, c2b_confirmation, sms_delivery
    reason: Mapped[str] = mapped_column(String(60))
    provider_ref: Mapped[str | None] = mapped_column(String(80), index=True)
    receipt: Mapped[str | None] = mapped_column(String(80))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    amount: Mapped[int | None] = mapped_column(BigInteger)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(200))  # what was done and why (app.payouts.suspense)
    resolved_by: Mapped[str | None] = mapped_column(String(48))  # an actor: user:12


AIRTIME_CHARGE_STATUSES = ("pending", "delivered", "failed")


class AirtimeCharge(db.Model):
    """One premium SMS of an airtime payment: a fixed price point charged on its own.

    A total is paid with several premium messages when one price point does not make it;
    each has its own gateway message id (unique: its delivery report settles exactly this
    row) and its own outcome. The payment succeeds when every charge is delivered; if any
    fails, the payment fails and what the delivered ones took goes to the wallet
    (``app.payments.airtime``).
    """

    __tablename__ = "airtime_charges"
    __table_args__ = (
        UniqueConstraint("payment_id", "seq"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),
        CheckConstraint("status = 'failed' OR provider_ref IS NOT NULL", name="sent_has_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    seq: Mapped[int]  # 1, 2, ... in sending order
    keyword: Mapped[str] = mapped_column(String(40))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    provider_ref: Mapped[str | None] = mapped_column(String(80), unique=True)  # AT message id
    status: Mapped[str] = mapped_column(String(10), default="pending")
    failure_reason: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    settled_at: Mapped[datetime | None]
