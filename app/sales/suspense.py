"""The suspense review's use cases: an admin resolves a parked item (``app.payouts.suspense``).

Why here: applying money in suspense to a booking is a sale like any other: booking
applies it (the order's lock, its seats), ticketing issues the tickets and queues their
SMS (``app.sales.confirming.apply_to_order``), then the money leaves suspense as that
booking's sale. Refunding and writing off need only the payouts area, but run here too,
each one unit of work, so every resolution is committed the same way.
"""
from __future__ import annotations

from app.errors import Conflict
from app.extensions import unit_of_work
from app.payouts import suspense
from app.sales.confirming import apply_to_order


def apply(user, item_id: int, order_code: str, reason: str) -> suspense.SuspenseItem:
    """The item's money pays booking ``order_code`` (same amount; the caller's carrier's).

    404 for a booking or item the caller may not see; 409 ``suspense-resolved``,
    ``suspense-no-money``, ``suspense-amount``, or ``order-not-payable`` when booking cannot
    take it (already paid, seats gone...); nothing changes then.
    """
    def work():
        why = suspense._reason(reason)
        found = suspense.open_item(user, item_id, needs_money=True)
        order = suspense.order_to_apply(user, order_code, found)
        applied = apply_to_order(order.id, amount=found.in_suspense, currency=found.currency,
                                 payment_id=found.payment_id, actor=f"user:{user.id}")
        if applied.outcome != "applied":
            raise Conflict(f"Booking {order.code} cannot take this money ({applied.outcome.replace('_', ' ')}).",
                           slug="order-not-payable")
        suspense.record_applied(user, found, applied.order, why)
        return found

    return unit_of_work(work)


def refund(user, item_id: int, reason: str, phone: str | None = None) -> suspense.SuspenseItem:
    """The item's money back to the payer's M-Pesa (a payout; ``phone`` when the payer's is masked)."""
    return unit_of_work(lambda: suspense.refund(user, item_id, reason, phone)[0])


def write_off(user, item_id: int, reason: str) -> suspense.SuspenseItem:
    """Close the item; money in suspense is written off with the reason."""
    return unit_of_work(lambda: suspense.write_off(user, item_id, reason))
