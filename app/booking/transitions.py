"""The order and hold state machines: the only code that assigns their status strings.

Order: ``pending_payment → paid | expired | failed``; ``expired → paid`` (a late
payment whose seats could be re-claimed); ``paid → partially_refunded | refunded``;
``partially_refunded → partially_refunded | refunded``.
Hold: ``held → converted | expired | released``; ``converted → released`` (a cancelled
ticket frees its seat); a new ``converted`` hold is inserted directly when a late payment
re-claims a seat.

Why locks: two callers (an M-Pesa callback and the expiry job, say) may act on the same
order at once. ``lock_order`` takes ``SELECT ... FOR UPDATE`` so the second waits and
then sees the first one's result; hold changes are single ``UPDATE ... WHERE status IN``
statements, which lock the rows they touch and re-check the status after waiting.
A second ``lock_order`` of the same order in the same PostgreSQL transaction returns the
row already locked (nobody else can have changed it meanwhile) instead of re-reading it.
"""
from __future__ import annotations

from sqlalchemy import select, update

from app.booking.models import Order, SeatHold
from app.database import transaction_locks, utcnow
from app.errors import Conflict
from app.extensions import db

ORDER_TRANSITIONS: dict[str, set[str]] = {
    "pending_payment": {"paid", "expired", "failed"},
    "expired": {"paid", "failed"},
    "paid": {"partially_refunded", "refunded"},
    "partially_refunded": {"partially_refunded", "refunded"},
}
HOLD_TRANSITIONS: dict[str, set[str]] = {
    "held": {"converted", "expired", "released"},
    "converted": {"released"},
}


def lock_order(order_id: int) -> Order | None:
    """Load an order under a row lock (FOR UPDATE; SQLite serialises writers anyway)."""
    held = transaction_locks(db.session())
    if held is not None and (Order, order_id) in held:
        order = db.session.get(Order, order_id)  # identity map: already locked and current
        if order is not None:
            return order
    order = db.session.execute(
        select(Order).where(Order.id == order_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    held = transaction_locks(db.session())
    if order is not None and held is not None:
        held[(Order, order_id)] = True
    return order


def transition_order(order: Order, new_status: str, *, reason: str | None = None, now=None) -> Order:
    """Move ``order`` to ``new_status`` after re-reading it under a row lock.

    Raises ``Conflict`` (409 ``order-state``) for a move the machine does not allow, so
    that a caller acting on stale state learns it instead of overwriting someone else.
    """
    now = now or utcnow()
    locked = lock_order(order.id)
    if new_status not in ORDER_TRANSITIONS.get(locked.status, set()):
        raise Conflict(
            f"This order is {locked.status.replace('_', ' ')}; it cannot become {new_status.replace('_', ' ')}.",
            slug="order-state",
        )
    locked.status = new_status
    locked.status_changed_at = now
    locked.status_reason = (reason or new_status)[:200]
    if new_status == "paid":
        locked.paid_at = now
    return locked


def transition_holds(
    *, to: str, reason: str, now=None, order_id: int | None = None, trip_id: int | None = None,
    seats: list[str] | None = None, stale_only: bool = False,
) -> int:
    """Move every matching hold that may legally become ``to``; returns how many moved.

    ``stale_only`` restricts to ``held`` rows past ``expires_at`` (the expiry sweep that
    runs before every new hold, so an expired hold never blocks a buyer).
    """
    now = now or utcnow()
    sources = [s for s, targets in HOLD_TRANSITIONS.items() if to in targets]
    stmt = update(SeatHold).where(SeatHold.status.in_(sources))
    if order_id is not None:
        stmt = stmt.where(SeatHold.order_id == order_id)
    if trip_id is not None:
        stmt = stmt.where(SeatHold.trip_id == trip_id)
    if seats is not None:
        stmt = stmt.where(SeatHold.seat.in_(seats))
    if stale_only:
        stmt = stmt.where(SeatHold.status == "held", SeatHold.expires_at < now)
    stmt = stmt.values(status=to, status_changed_at=now, status_reason=reason[:200])
    result = db.session.execute(stmt.execution_options(synchronize_session="fetch"))
    return result.rowcount or 0


def lapse_conversion(order_id: int, *, reason: str, now=None) -> int:
    """Undo, as ``expired``, the conversion ``apply_payment`` just made for an unpaid order.

    Only for ``apply_payment`` when re-claiming the order's other seats fails: the order is
    not paid, so its only ``converted`` holds are the ones converted a moment ago in this
    transaction. They end ``expired`` like its ``held`` ones (the state a rolled-back
    SAVEPOINT around the conversion used to leave), so no seat stays sold to an unpaid order.
    """
    now = now or utcnow()
    stmt = (
        update(SeatHold).where(SeatHold.order_id == order_id, SeatHold.status == "converted")
        .values(status="expired", status_changed_at=now, status_reason=reason[:200])
    )
    return db.session.execute(stmt.execution_options(synchronize_session="fetch")).rowcount or 0


def expire_stale_holds(trip_id: int | None = None, now=None) -> int:
    """Mark ``held`` holds past their expiry as ``expired`` (one trip, or all)."""
    return transition_holds(to="expired", reason="hold expired", now=now, trip_id=trip_id, stale_only=True)


def new_converted_hold(order: Order, seat: str, now=None) -> SeatHold:
    """A sold seat claimed directly (late payment): the unique index still decides."""
    now = now or utcnow()
    hold = SeatHold(
        trip_id=order.trip_id, seat=seat, order_id=order.id, status="converted",
        expires_at=now, status_changed_at=now, status_reason="re-claimed by a late payment",
    )
    db.session.add(hold)
    return hold
