"""Seat segments: which stretches of road a hold occupies, claimed and freed in one statement each.

A leg is the run of route stops from the passenger's origin to their destination; it
occupies the segments that start at each of those stops but the last (see
``SeatSegment``). Claiming a seat for a leg inserts one row per segment; the primary key
refuses a row another order already has, so two overlapping legs can never both hold a
seat, while legs that only touch (Nairobi→Nakuru, Nakuru→Kisumu) share it.

Why ``INSERT ... ON CONFLICT DO NOTHING RETURNING``: the database still decides (a refused
row is simply not inserted, and PostgreSQL waits for a competing transaction to finish
before deciding), but the transaction stays usable without a SAVEPOINT, so placing every
seat of a party costs one statement; the rows that came back tell which seats were won.
Rows are sent in (segment, seat) order so that two buyers wanting overlapping seats wait
on each other in the same order and cannot deadlock within one statement.
"""
from __future__ import annotations

from sqlalchemy import delete, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.booking.models import SeatHold, SeatSegment
from app.catalog.models import Trip
from app.errors import Unprocessable
from app.extensions import db


def leg_bounds(trip: Trip, origin_stop_id: int, destination_stop_id: int) -> tuple[int, int]:
    """The (origin, destination) route positions of a leg; 422 when it is not a leg of this trip.

    422 ``stop-not-on-route`` when a stop is not served, ``stops-out-of-order`` when the
    destination does not come after the origin (as ``booking.pricing.check_stops``).
    """
    positions = {rs.stop_id: rs.position for rs in trip.route.stops}
    if origin_stop_id not in positions or destination_stop_id not in positions:
        raise Unprocessable("This trip does not serve both of these stops.", slug="stop-not-on-route")
    start, end = positions[origin_stop_id], positions[destination_stop_id]
    if start >= end:
        raise Unprocessable("The destination must come after the origin on this route.", slug="stops-out-of-order")
    return start, end


def whole_trip(trip: Trip) -> tuple[int, int]:
    """The bounds of the leg from the first stop to the terminus."""
    return trip.route.stops[0].position, trip.route.stops[-1].position


def leg_segments(trip: Trip, origin_stop_id: int, destination_stop_id: int) -> list[int]:
    """The segments (start positions) a passenger from origin to destination occupies."""
    start, end = leg_bounds(trip, origin_stop_id, destination_stop_id)
    return [rs.position for rs in trip.route.stops if start <= rs.position < end]


def _insert():
    return pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _rows(trip_id: int, order_id: int, seats: list[str], segments: list[int]) -> list[dict]:
    return [{"trip_id": trip_id, "segment": segment, "seat": seat, "order_id": order_id}
            for segment in sorted(segments) for seat in sorted(seats)]


def claim(trip_id: int, order_id: int, seats: list[str], segments: list[int]) -> set[str]:
    """Take ``seats`` on ``segments`` for the order, one statement; the seats NOT won.

    A seat is won when every one of its rows went in. Rows of a seat that was only partly
    won stay until the caller frees them (``unclaim``) or rolls back.
    """
    if not seats:
        return set()
    stmt = (_insert()(SeatSegment).values(_rows(trip_id, order_id, seats, segments))
            .on_conflict_do_nothing().returning(SeatSegment.seat))
    won: dict[str, int] = {}
    for seat in db.session.scalars(stmt):
        won[seat] = won.get(seat, 0) + 1
    return {seat for seat in seats if won.get(seat, 0) < len(segments)}


def claim_or_fail(trip_id: int, order_id: int, seats: list[str], segments: list[int]) -> None:
    """Take ``seats`` on ``segments``; a refused row raises ``IntegrityError`` (for a SAVEPOINT)."""
    db.session.execute(db.insert(SeatSegment), _rows(trip_id, order_id, seats, segments))


def unclaim(order_id: int, seats: list[str]) -> None:
    """Give back the rows the order holds for ``seats`` (a partly won seat, a retry)."""
    if seats:
        db.session.execute(delete(SeatSegment).where(SeatSegment.order_id == order_id,
                                                     SeatSegment.seat.in_(seats)))


def free_segments_of(hold_ids: list[int]) -> None:
    """Delete the segments of holds that just became ``expired`` or ``released`` (one statement)."""
    if hold_ids:
        db.session.execute(
            delete(SeatSegment).where(tuple_(SeatSegment.order_id, SeatSegment.seat).in_(
                select(SeatHold.order_id, SeatHold.seat).where(SeatHold.id.in_(hold_ids))))
            .execution_options(synchronize_session=False))
