"""Scheduled booking jobs.

``expire_holds`` runs every minute (``app.jobs.periodic``): holds are also expired lazily
before every new hold and ignored by availability once past ``expires_at``, so a late run
only delays the order status change, never blocks a seat.
"""
from __future__ import annotations

from sqlalchemy import select, union

from app.booking.models import Order, SeatHold
from app.booking.transitions import lock_order, transition_holds, transition_order
from app.database import utcnow
from app.extensions import db


def expire_holds(now=None) -> dict:
    """Mark lapsed holds ``expired`` and their unpaid orders ``expired``; never commits (the
    job runner does: ``app.jobs``).

    Each order is locked before its holds, as every use case locks it (the order, then what
    belongs to it): a payment applying to the same order at that moment waits, or is waited
    for, and the two cannot deadlock.
    """
    now = now or utcnow()
    order_ids = list(db.session.scalars(union(
        select(SeatHold.order_id).where(SeatHold.status == "held", SeatHold.expires_at < now),
        select(Order.id).where(Order.status == "pending_payment", Order.hold_expires_at < now),
    ).order_by("order_id")))
    holds = orders = 0
    for order_id in order_ids:
        order = lock_order(order_id)  # re-check: a payment may have landed meanwhile
        holds += transition_holds(to="expired", reason="hold expired", actor="system:hold-expiry", now=now,
                                  order_id=order_id, stale_only=True)
        if order.status == "pending_payment" and order.hold_expires_at < now:
            transition_order(order, "expired", actor="system:hold-expiry", reason="hold expired before payment",
                             now=now)
            orders += 1
    return {"holds": holds, "orders": orders}
