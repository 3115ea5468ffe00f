"""A trip's seat map: each seat free, held or sold (whole-trip statuses for now).

Placeholder until the legs work lands: statuses come from
``app.booking.availability.taken_seats`` for the whole trip; the legs version (free for a
leg when no overlapping leg holds or sold it) replaces this file with the same signature.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from app.booking.availability import taken_seats
from app.booking.models import SeatHold
from app.database import utcnow
from app.extensions import db


def seat_map(trip, origin_stop_id: int, destination_stop_id: int, now=None) -> dict:
    """``{"seats": [{"label", "status"}], "rows": [[label, ...], ...]}`` in layout order."""
    now = now or utcnow()
    taken = taken_seats(trip.id, now)
    sold = set(db.session.scalars(select(SeatHold.seat).where(SeatHold.trip_id == trip.id,
                                                              SeatHold.status == "converted")))
    layout = list(trip.vehicle.seat_layout)
    seats = [{"label": label, "status": "sold" if label in sold else "held" if label in taken else "free"}
             for label in layout]
    rows: dict[str, list[str]] = {}
    for label in layout:
        match = re.match(r"\d+", label)
        rows.setdefault(match.group(0) if match else label, []).append(label)
    return {"seats": seats, "rows": list(rows.values())}
