"""The payouts sweep (``app.jobs.periodic``, money queue): nothing owed is forgotten.

Each run, in its own units of work (``app.extensions.unit_of_work``):

- every refund owed to M-Pesa (``pending_payout``) gets its payout, whoever created it
  (a cancellation, a deleted account, a double payment to reverse) and even if the job
  that should have followed it was lost;
- with an API initiator, pending payouts older than a minute (their send job lost) are sent;
- sent payouts whose result is overdue are asked about (``app.payouts.sending.check_payout``).

Without an initiator the sweep only creates payouts: people pay them (``docs/payouts.md``).
"""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import or_, select

from app.database import utcnow
from app.extensions import db, unit_of_work
from app.payments.models import Refund
from app.payouts.models import Payout
from app.payouts.sending import check_payout, send_payout
from app.payouts.service import initiator_ready, payout_for_refund

log = logging.getLogger(__name__)

BATCH = 100
SEND_GRACE = timedelta(seconds=60)  # a payout this new still has its own send job coming


def sweep_payouts() -> str:
    """Create missing payouts, send forgotten ones, check overdue ones; a summary for the log."""
    now = utcnow()
    created = unit_of_work(lambda: _create_owed(now))
    sent = checked = 0
    if initiator_ready():
        forgotten = db.session.scalars(
            select(Payout.id).where(Payout.status == "pending", Payout.created_at < now - SEND_GRACE,
                                    or_(Payout.phone.is_not(None), Payout.kind == "reversal"))
            .order_by(Payout.id).limit(BATCH)
        ).all()
        db.session.rollback()
        for payout_id in forgotten:
            sent += _each(send_payout, payout_id) in ("sent", "unknown")
        due = db.session.scalars(
            select(Payout.id).where(Payout.status == "sent", Payout.next_check_at <= now)
            .order_by(Payout.next_check_at).limit(BATCH)
        ).all()
        db.session.rollback()
        for payout_id in due:
            checked += _each(check_payout, payout_id, now=now) in ("asked", "sent", "unknown")
    return f"created {created}, sent {sent}, checked {checked}"


def _create_owed(now) -> int:
    """The payouts of refunds owed to M-Pesa that have none yet; how many were created."""
    owed = db.session.scalars(
        select(Refund).outerjoin(Payout, Payout.refund_id == Refund.id)
        .where(Refund.status == "pending_payout", Payout.id.is_(None)).order_by(Refund.id).limit(BATCH)
    ).all()
    return sum(payout_for_refund(refund, now=now) is not None for refund in owed)


def _each(step, payout_id: int, **kwargs) -> str:
    """One payout's step; its failure is logged and the others still run."""
    try:
        return step(payout_id, **kwargs)
    except Exception:
        db.session.rollback()
        log.exception("payouts sweep: %s of payout %s failed", step.__name__, payout_id)
        return "error"


def pay_refund(refund_id: int) -> str:
    """Job: the payout of one refund owed to M-Pesa, right after it was recorded (the sweep
    is the safety net when this job is lost)."""

    def work():
        refund = db.session.get(Refund, refund_id)
        return payout_for_refund(refund) if refund is not None else None

    payout = unit_of_work(work)
    return f"payout {payout.id}" if payout is not None else "nothing owed"
