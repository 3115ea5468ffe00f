"""The payment state machine: the only code that assigns ``Payment.status``.

``initiated → pending → succeeded | failed | expired``, ``succeeded → refunded``. A
failed or expired payment may still become ``succeeded``: when the operator later
produces a receipt, money did move, and losing it would be worse than a late change.
"""
from __future__ import annotations

from sqlalchemy import select

from app.database import utcnow
from app.errors import Conflict
from app.extensions import db
from app.payments.models import Payment

PAYMENT_TRANSITIONS: dict[str, set[str]] = {
    "initiated": {"pending", "succeeded", "failed"},
    "pending": {"succeeded", "failed", "expired"},
    "failed": {"succeeded"},
    "expired": {"succeeded"},
    "succeeded": {"refunded"},
}


def lock_payment(payment_id: int) -> Payment:
    """The payment under a row lock, freshly read (another request may just have settled it)."""
    return db.session.execute(
        select(Payment).where(Payment.id == payment_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def transition(payment: Payment, new_status: str, *, reason: str | None = None, now=None) -> Payment:
    """Move ``payment`` (already locked by the caller) to ``new_status`` or raise Conflict."""
    if new_status not in PAYMENT_TRANSITIONS.get(payment.status, set()):
        raise Conflict(
            f"This payment is {payment.status}; it cannot become {new_status}.", slug="payment-state"
        )
    payment.status = new_status
    payment.status_changed_at = now or utcnow()
    if new_status != "pending":
        payment.next_poll_at = None  # only a pending push is ever queried (app.payments.jobs)
    if reason and new_status in ("failed", "expired") and not payment.failure_reason:
        payment.failure_reason = reason[:200]
    return payment
