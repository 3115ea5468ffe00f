"""Which seats of a trip are taken right now (read-only; used by search, USSD and holds).

A seat is taken by a hold that is ``converted`` (sold) or ``held`` and not yet past its
``expires_at``. A ``held`` row past expiry is ignored here even before the expiry job
marks it, so that a slow job never makes seats look sold out. This is a read for
display; the partial unique index is what decides at write time.
"""
from __future__ import annotations

from sqlalchemy import and_, func, or_, select

from app.booking.models import SeatHold
from app.database import utcnow
from app.extensions import db


def _taken_clause(now):
    return or_(
        SeatHold.status == "converted",
        and_(SeatHold.status == "held", SeatHold.expires_at >= now),
    )


def taken_seat_counts(trip_ids: list[int], now=None) -> dict[int, int]:
    """Number of taken seats per trip id (every requested id present, 0 when none)."""
    now = now or utcnow()
    counts = {trip_id: 0 for trip_id in trip_ids}
    if not trip_ids:
        return counts
    rows = db.session.execute(
        select(SeatHold.trip_id, func.count())
        .where(SeatHold.trip_id.in_(trip_ids), _taken_clause(now))
        .group_by(SeatHold.trip_id)
    )
    for trip_id, count in rows:
        counts[trip_id] = count
    return counts


def taken_seats(trip_id: int, now=None) -> set[str]:
    """Labels of the seats of ``trip_id`` that are held or sold."""
    now = now or utcnow()
    return set(
        db.session.scalars(
            select(SeatHold.seat).where(SeatHold.trip_id == trip_id, _taken_clause(now))
        )
    )
