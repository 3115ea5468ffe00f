"""Placing seat holds for a leg: chosen seats, or the best free ones in the vehicle's layout.

The seats are claimed segment by segment (``app.booking.segments.claim``: one INSERT for
the whole party, the database refusing any row another order has), then the holds are
written. A buyer naming seats costs one statement; automatic assignment one read more.

Why the stale-hold sweep runs only after a refusal: a ``held`` hold past its expiry still
owns its segments until it is marked ``expired``, but reads already show its seat as free.
When such a seat is refused, the trip's stale holds are expired (giving their segments
back) and the claim is tried again, so an expired hold never blocks a buyer, and the
common case pays nothing for it.

Automatic assignment picks, among the seats free for the leg, those already taken on
other segments first (then layout order): a seat sold Nairobi→Nakuru is the first one
offered Nakuru→Kisumu, keeping whole free seats for whole-route passengers. Each lost
race means a competing hold on that leg committed, so the free set shrinks every time and
the loop ends; a buyer is told ``sold-out`` only when a read found too few free seats.
"""
from __future__ import annotations

from datetime import datetime

from app.booking.availability import occupied_segments
from app.booking.models import Order
from app.booking.segments import claim, leg_segments, unclaim
from app.booking.transitions import expire_stale_holds, new_holds
from app.errors import Conflict


def ranked_free_seats(layout: list[str], occupied: dict[str, set[int]], segments: list[int],
                      exclude: set[str] = frozenset()) -> list[str]:
    """Seats free on every one of ``segments``, best fit first (most used elsewhere, then layout order)."""
    leg = set(segments)
    position = {seat: index for index, seat in enumerate(layout)}
    free = [seat for seat in layout if seat not in exclude and not occupied.get(seat, set()) & leg]
    return sorted(free, key=lambda seat: (-len(occupied.get(seat, ())), position[seat]))


class _Placement:
    """One order's claims on one leg, with the stale-hold sweep run at most once."""

    def __init__(self, order: Order, now: datetime, occupied: dict[str, set[int]] | None):
        self.order, self.now, self.swept, self.occupied = order, now, False, occupied
        self.segments = leg_segments(order.trip, order.origin_stop_id, order.destination_stop_id)

    def claim(self, seats: list[str]) -> set[str]:
        """Claim ``seats``; the ones lost (their partial rows given back), after one sweep and retry."""
        lost = claim(self.order.trip_id, self.order.id, seats, self.segments)
        if lost:
            unclaim(self.order.id, sorted(lost))
            if not self.swept:
                self.swept = True
                if expire_stale_holds(self.order.trip_id, now=self.now):
                    return self.claim(sorted(lost))
        return lost

    def free(self, layout: list[str], exclude: set[str]) -> list[str]:
        """Free seats, ranked; the first time from the caller's read when it gave one (a
        seat taken since is refused by the claim and the next pick reads again)."""
        occupied, self.occupied = self.occupied, None
        if occupied is None:
            occupied = occupied_segments(self.order.trip_id, self.now)
        return ranked_free_seats(layout, occupied, self.segments, exclude)


def place_holds(order: Order, layout: list[str], chosen: list[str], auto_count: int, *, now: datetime,
                expires_at: datetime, occupied: dict[str, set[int]] | None = None) -> list[str]:
    """Hold ``chosen`` seats plus ``auto_count`` automatically assigned ones for the order's
    leg; return the automatic seats. ``occupied``: the trip's taken segments, when the
    caller has just read them (``availability.occupied_segments``).

    Raises 409 ``seat-taken`` when a chosen seat is not free on the leg and 409 ``sold-out``
    when there are not enough free seats on it.
    """
    placement = _Placement(order, now, occupied)
    batch = placement.free(layout, set(chosen))[:auto_count] if auto_count else []
    if len(batch) < auto_count:
        raise Conflict("Not enough free seats are left on this trip.", slug="sold-out")
    lost = placement.claim(list(chosen) + batch)  # one statement for the whole party
    taken = sorted(lost & set(chosen))
    if taken:
        raise Conflict(f"Seat {', '.join(taken)} is already taken; choose another.", slug="seat-taken", seats=taken)
    picked = [seat for seat in batch if seat not in lost]
    for _attempt in range(len(layout)):
        missing = auto_count - len(picked)
        if not missing:
            break
        batch = placement.free(layout, set(chosen) | set(picked))[:missing]
        if len(batch) < missing:
            break
        lost = placement.claim(batch)
        picked += [seat for seat in batch if seat not in lost]
    if len(picked) < auto_count:
        raise Conflict("Not enough free seats are left on this trip.", slug="sold-out")
    new_holds(order, list(chosen) + picked, expires_at, actor=f"user:{order.user_id}")
    return picked
