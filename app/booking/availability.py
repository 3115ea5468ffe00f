"""Which seats are taken on a leg of a trip right now (read-only; search, USSD, seat maps, holds).

A seat is taken for a leg when some segment of that leg is occupied by a hold that is
``converted`` (sold) or ``held`` and not yet past its ``expires_at``. A ``held`` hold past
expiry is ignored here even before the sweep marks it, so that a slow job never makes
seats look sold out. This is a read for display; the primary key of ``seat_segments``
is what decides at write time.

Legs are given as route-position bounds ``(start, end)``: segments ``start <= s < end``.
Without a leg, the whole trip is meant: a seat taken on any segment counts.
"""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import and_, bindparam, func, or_, select

from app.booking.models import SeatHold, SeatSegment
from app.database import utcnow
from app.extensions import db

Leg = tuple[int, int]


def _live(now):
    """The hold behind a segment row, when it still takes the seat at ``now``.

    Matching on the trip too lets PostgreSQL read only the asked trips' holds (index
    ``ix_seat_holds_trip_status``) instead of every hold ever made."""
    return and_(
        SeatHold.trip_id == SeatSegment.trip_id, SeatHold.order_id == SeatSegment.order_id,
        SeatHold.seat == SeatSegment.seat,
        or_(SeatHold.status == "converted", and_(SeatHold.status == "held", SeatHold.expires_at >= now)),
    )


def _on_leg(trip_id: int, leg: Leg | None):
    if leg is None:
        return and_(SeatSegment.trip_id == trip_id, SeatHold.trip_id == trip_id)
    return and_(SeatSegment.trip_id == trip_id, SeatHold.trip_id == trip_id,
                SeatSegment.segment >= leg[0], SeatSegment.segment < leg[1])


def taken_on_leg(trip_id, start, end, now):
    """The seats taken on the leg ``start <= segment < end`` of ``trip_id`` at ``now``, as a
    correlated subquery: a statement that lists trips (search) counts each one's seats in
    the same round trip. The arguments are columns or bound parameters of that statement."""
    return (
        select(func.count(SeatSegment.seat.distinct()))
        .join(SeatHold, _live(now))
        .where(SeatSegment.trip_id == trip_id, SeatHold.trip_id == trip_id,
               SeatSegment.segment >= start, SeatSegment.segment < end)
        .scalar_subquery()
    )


def taken_seat_counts(trip_ids: list[int], now=None, legs: dict[int, Leg] | None = None) -> dict[int, int]:
    """Number of taken seats per trip id (every requested id present, 0 when none).

    ``legs`` maps a trip id to the leg searched on it (a seat is counted when taken on
    any segment of that leg); a trip without one counts seats taken anywhere on it.
    """
    now = now or utcnow()
    counts = {trip_id: 0 for trip_id in trip_ids}
    if not trip_ids:
        return counts
    legs = legs or {}
    params = {"now": now, "trip_ids": list(trip_ids)}
    for i, trip_id in enumerate(trip_ids):
        params[f"t{i}"], (params[f"a{i}"], params[f"b{i}"]) = trip_id, legs.get(trip_id, WHOLE_TRIP)
    for trip_id, count in db.session.execute(_counts_statement(len(trip_ids)), params):
        counts[trip_id] = count
    return counts


WHOLE_TRIP: Leg = (0, 2**31 - 1)  # every segment (positions are >= 0)


@lru_cache(maxsize=64)
def _counts_statement(n: int):
    """The count query for ``n`` trips, built once per size with bound parameters.

    Why cached: building an OR of ``n`` leg conditions took 40% of a search's CPU in
    SQLAlchemy's expression code; built once, each search only binds its values (and
    SQLAlchemy's compiled cache hits)."""
    now = bindparam("now")
    on_legs = or_(*(and_(SeatSegment.trip_id == bindparam(f"t{i}"), SeatSegment.segment >= bindparam(f"a{i}"),
                         SeatSegment.segment < bindparam(f"b{i}")) for i in range(n)))
    return (
        select(SeatSegment.trip_id, func.count(SeatSegment.seat.distinct()))
        .join(SeatHold, _live(now))
        .where(SeatHold.trip_id.in_(bindparam("trip_ids", expanding=True)), on_legs)
        .group_by(SeatSegment.trip_id)
    )


def seat_statuses(trip_id: int, leg: Leg | None = None, now=None) -> dict[str, str]:
    """``{seat: "sold" | "held"}`` for the seats taken on ``leg`` (sold wins over held)."""
    now = now or utcnow()
    statuses: dict[str, str] = {}
    rows = db.session.execute(
        select(SeatSegment.seat, SeatHold.status).join(SeatHold, _live(now)).where(_on_leg(trip_id, leg))
    )
    for seat, status in rows:
        if status == "converted":
            statuses[seat] = "sold"
        else:
            statuses.setdefault(seat, "held")
    return statuses


def taken_seats(trip_id: int, now=None, leg: Leg | None = None) -> set[str]:
    """Labels of the seats of ``trip_id`` that are held or sold on ``leg`` (default: anywhere)."""
    return set(seat_statuses(trip_id, leg, now))


def free_on_leg(seat_count: int, occupied: dict[str, set[int]], leg: Leg | None) -> int:
    """Seats of a ``seat_count``-seat vehicle free on ``leg`` (from the first stop to the
    terminus without one), counted from ``occupied_segments``' answer: what
    ``taken_seat_counts`` would give, from a read the hold needs anyway."""
    if leg is None:
        taken = sum(1 for segments in occupied.values() if segments)
    else:
        taken = sum(1 for segments in occupied.values() if any(leg[0] <= s < leg[1] for s in segments))
    return max(seat_count - taken, 0)


def occupied_segments(trip_id: int, now=None) -> dict[str, set[int]]:
    """The segments each taken seat of the trip is taken on (one query; automatic assignment)."""
    now = now or utcnow()
    occupied: dict[str, set[int]] = {}
    rows = db.session.execute(
        select(SeatSegment.seat, SeatSegment.segment).join(SeatHold, _live(now))
        .where(SeatSegment.trip_id == trip_id, SeatHold.trip_id == trip_id)
    )
    for seat, segment in rows:
        occupied.setdefault(seat, set()).add(segment)
    return occupied
