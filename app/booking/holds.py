"""Placing seat holds: chosen seats, or the first free ones in the vehicle's layout.

Why a SAVEPOINT per attempt: the partial unique index answers "seat taken" with an
``IntegrityError``; rolling back only the savepoint keeps the order row (and the outer
transaction) usable, so automatic assignment can retry with the next free seats while a
chosen seat is reported as 409 ``seat-taken``. The stale-hold sweep runs first in the
same transaction so that an expired hold never blocks a buyer.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from app.booking.availability import taken_seats
from app.booking.models import Order
from app.booking.transitions import expire_stale_holds, new_holds
from app.errors import Conflict
from app.extensions import db

AUTO_ASSIGN_ATTEMPTS = 5


def _insert_holds(order: Order, seats: list[str], expires_at: datetime) -> bool:
    """Insert one ``held`` row per seat inside a savepoint; False when any seat was taken."""
    try:
        with db.session.begin_nested():
            new_holds(order, seats, expires_at, actor=f"user:{order.user_id}")
    except IntegrityError:
        return False
    return True


def place_holds(order: Order, layout: list[str], chosen: list[str], auto_count: int, *, now: datetime,
                expires_at: datetime) -> list[str]:
    """Hold ``chosen`` seats plus ``auto_count`` automatically assigned ones; return the auto seats.

    Raises 409 ``seat-taken`` when a chosen seat is not free and 409 ``sold-out`` when
    there are not enough free seats (or every retry lost its race).
    """
    expire_stale_holds(order.trip_id, now=now)
    if chosen:
        if not _insert_holds(order, chosen, expires_at):
            taken = sorted(set(chosen) & taken_seats(order.trip_id, now=now)) or chosen
            raise Conflict(
                f"Seat {', '.join(taken)} is already taken; choose another.", slug="seat-taken", seats=taken
            )
    if not auto_count:
        return []
    for _attempt in range(AUTO_ASSIGN_ATTEMPTS):
        busy = taken_seats(order.trip_id, now=now) | set(chosen)
        free = [seat for seat in layout if seat not in busy]
        if len(free) < auto_count:
            break
        picked = free[:auto_count]
        if _insert_holds(order, picked, expires_at):
            return picked
    raise Conflict("Not enough free seats are left on this trip.", slug="sold-out")
