"""Order and hold transitions: the booking area's helpers around the machines of
``app.booking.states`` (tables there; ``app.states.machine`` applies them and records history).

Why locks: two callers (an M-Pesa callback and the expiry job, say) may act on the same
order at once. ``lock_order`` takes ``SELECT ... FOR UPDATE`` so the second waits and
then sees the first one's result; hold changes (``Machine.bulk``) lock the rows
``WHERE status IN`` the allowed sources, which the database re-checks after any wait.
A second ``lock_order`` of the same order in the same PostgreSQL transaction returns the
row already locked (nobody else can have changed it meanwhile) instead of re-reading it.

Seat segments follow their hold here and nowhere else: a hold that becomes ``expired`` or
``released`` gives its segments back in the same transaction (one DELETE), so the seat is
free for the legs it covered; ``new_converted_hold`` claims them again for a late payment.
"""
from __future__ import annotations

from app.booking.models import Order, SeatHold
from app.booking.segments import claim_or_fail, free_segments_of, leg_segments
from app.booking.states import HOLD, ORDER
from app.database import transaction_locks, utcnow
from app.extensions import db

def lock_order(order_id: int) -> Order | None:
    """Load an order under a row lock (FOR UPDATE; SQLite serialises writers anyway)."""
    held = transaction_locks(db.session())
    if held is not None and (Order, order_id) in held:
        order = db.session.get(Order, order_id)  # identity map: already locked and current
        if order is not None:
            return order
    order = ORDER.lock(order_id)
    if order is not None:
        remember_order_lock(order)
    return order


def remember_order_lock(order: Order) -> None:
    """Note that this transaction holds ``order``'s row lock (a later ``lock_order`` reuses it)."""
    held = transaction_locks(db.session())
    if held is not None:
        held[(Order, order.id)] = True

def transition_order(order: Order, new_status: str, *, actor: str, reason: str | None = None, now=None) -> Order:
    """Move ``order`` to ``new_status`` after re-reading it under a row lock.

    Raises ``Conflict`` (409 ``order-state``) for a move the machine does not allow, so
    that a caller acting on stale state learns it instead of overwriting someone else.
    """
    now = now or utcnow()
    locked = ORDER.transition(lock_order(order.id), new_status, actor=actor, reason=reason, now=now, locked=True)
    if new_status == "paid":
        locked.paid_at = now
    return locked

def transition_holds(
    *, to: str, reason: str, actor: str, now=None, order_id: int | None = None, trip_id: int | None = None,
    seats: list[str] | None = None, stale_only: bool = False,
) -> int:
    """Move every matching hold that may legally become ``to``; returns how many moved.

    ``stale_only`` restricts to ``held`` rows past ``expires_at`` (the expiry sweep that
    runs before every new hold, so an expired hold never blocks a buyer). Only ``held``
    holds expire here (a ``converted`` one is sold: see ``lapse_conversion``).
    """
    now = now or utcnow()
    criteria = []
    if order_id is not None:
        criteria.append(SeatHold.order_id == order_id)
    if trip_id is not None:
        criteria.append(SeatHold.trip_id == trip_id)
    if seats is not None:
        criteria.append(SeatHold.seat.in_(seats))
    if stale_only:
        criteria.append(SeatHold.expires_at < now)
    sources = ("held",) if stale_only or to == "expired" else None
    moved = HOLD.bulk(*criteria, to=to, actor=actor, reason=reason, now=now, sources=sources)
    if to in ("expired", "released"):
        free_segments_of(moved)
    return len(moved)

def lapse_conversion(order_id: int, *, reason: str, actor: str, now=None) -> int:
    """Undo, as ``expired``, the conversion ``apply_payment`` just made for an unpaid order.

    Only for ``apply_payment`` when re-claiming the order's other seats fails: the order is
    not paid, so its only ``converted`` holds are the ones converted a moment ago in this
    transaction. They end ``expired`` like its ``held`` ones (the state a rolled-back
    SAVEPOINT around the conversion used to leave), so no seat stays sold to an unpaid order.
    """
    moved = HOLD.bulk(SeatHold.order_id == order_id, to="expired", actor=actor, reason=reason, now=now,
                      sources=("converted",))
    free_segments_of(moved)
    return len(moved)

def expire_stale_holds(trip_id: int | None = None, now=None, actor: str = "system:hold-expiry") -> int:
    """Mark ``held`` holds past their expiry as ``expired`` (one trip, or all)."""
    return transition_holds(to="expired", reason="hold expired", actor=actor, now=now, trip_id=trip_id,
                            stale_only=True)

def new_converted_hold(order: Order, seat: str, *, actor: str, now=None) -> SeatHold:
    """A sold seat claimed directly (late payment) for the order's leg: the segments' primary
    key still decides (``IntegrityError`` when someone else took a segment meanwhile)."""
    now = now or utcnow()
    claim_or_fail(order.trip_id, order.id, [seat],
                  leg_segments(order.trip, order.origin_stop_id, order.destination_stop_id))
    hold = SeatHold(trip_id=order.trip_id, seat=seat, order_id=order.id, expires_at=now)
    return HOLD.create(hold, "converted", actor=actor, reason="re-claimed by a late payment", now=now)

def new_holds(order: Order, seats: list[str], expires_at, *, actor: str) -> list[SeatHold]:
    """``held`` holds for ``seats`` of ``order`` whose segments it has just claimed."""
    holds = [SeatHold(trip_id=order.trip_id, seat=seat, order_id=order.id, expires_at=expires_at) for seat in seats]
    return HOLD.create_all(holds, "held", actor=actor)
