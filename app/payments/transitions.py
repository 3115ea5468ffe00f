"""Payment transitions: the payments area's helpers around ``app.payments.states.PAYMENT``.

The table lives in ``app.payments.states``; ``app.states.machine`` applies it and appends the
status history. Callers lock the payment first (``lock_payment``) because they read it to
decide (already settled? a replay?) before moving it.
"""
from __future__ import annotations

from sqlalchemy.exc import NoResultFound

from app.database import utcnow
from app.payments.models import Payment
from app.payments.states import PAYMENT

def lock_payment(payment_id: int) -> Payment:
    """The payment under a row lock, freshly read (another request may just have settled it)."""
    payment = PAYMENT.lock(payment_id)
    if payment is None:
        raise NoResultFound(f"no payment {payment_id}")
    return payment

def transition(payment: Payment, new_status: str, *, reason: str | None = None, now=None,
               actor: str | None = None) -> Payment:
    """Move ``payment`` (already locked by the caller) to ``new_status`` or raise Conflict.

    ``actor`` defaults to the payment's provider (``provider:mpesa``): most moves are an
    operator's answer. A person's or a job's move names them.
    """
    now = now or utcnow()
    PAYMENT.transition(payment, new_status, actor=actor or f"provider:{payment.provider}", reason=reason,
                       now=now, locked=True)
    if new_status != "pending":
        payment.next_poll_at = None  # only a pending push is ever queried (app.payments.jobs)
    if reason and new_status in ("failed", "expired") and not payment.failure_reason:
        payment.failure_reason = reason[:200]
    return payment
