"""Scheduled booking jobs.

``expire_holds`` should run every minute (the lead schedules it): holds are also expired
lazily before every new hold and ignored by availability once past ``expires_at``, so a
late run only delays the order status change, never blocks a seat.
"""
from __future__ import annotations

from sqlalchemy import select

from app.booking.models import Order
from app.booking.transitions import expire_stale_holds, lock_order, transition_order
from app.database import utcnow
from app.extensions import db


def expire_holds(now=None) -> dict:
    """Mark lapsed holds ``expired`` and their unpaid orders ``expired``; commits."""
    now = now or utcnow()
    holds = expire_stale_holds(now=now)
    order_ids = list(db.session.scalars(
        select(Order.id).where(Order.status == "pending_payment", Order.hold_expires_at < now)
    ))
    orders = 0
    for order_id in order_ids:
        order = lock_order(order_id)  # re-check: a payment may have landed meanwhile
        if order.status == "pending_payment" and order.hold_expires_at < now:
            transition_order(order, "expired", actor="system:hold-expiry", reason="hold expired before payment",
                             now=now)
            orders += 1
    db.session.commit()
    return {"holds": holds, "orders": orders}
