"""The seat map of a leg: every seat of the vehicle free, held or sold for that ride, and the rows to draw.

Why per leg: a seat sold Nairobi→Nakuru is free Nakuru→Kisumu (``app.booking.segments``),
so a map of the whole trip would hide seats that can be sold. The app and the counter
draw it and let people choose; USSD and SMS assign automatically from the same data.

The vehicle stores only its seat labels in selling order, so the rows are read from the
labels: "12A" is seat A of row 12. Labels without that shape (seat numbers "1", "2"...)
are drawn four to a row in layout order. A row of three or four seats has its aisle after
the second one; a wider back row is a bench without aisle. Every vehicle has one deck
(deck 1) until vehicles describe more.
"""
from __future__ import annotations

import re
from datetime import datetime

from app.booking.availability import seat_statuses
from app.booking.segments import leg_bounds
from app.catalog.models import Trip

LABEL = re.compile(r"^(\d+)([A-Za-z]+)$")
SEATS_PER_PLAIN_ROW = 4
DECK = 1


def layout_rows(labels: list[str]) -> list[dict]:
    """``[{"row", "deck", "seats", "aisle_after"}]`` in layout order (see the module's docstring)."""
    matches = [LABEL.match(label) for label in labels]
    rows: dict[int, list[str]] = {}
    if labels and all(matches):
        for label, match in zip(labels, matches):
            rows.setdefault(int(match[1]), []).append(label)
    else:
        for index, label in enumerate(labels):
            rows.setdefault(index // SEATS_PER_PLAIN_ROW + 1, []).append(label)
    return [{"row": number, "deck": DECK, "seats": seats, "aisle_after": 2 if 3 <= len(seats) <= 4 else None}
            for number, seats in rows.items()]


def seat_map(trip: Trip, origin_stop_id: int, destination_stop_id: int, now: datetime | None = None) -> dict:
    """The seats of ``trip``'s vehicle with their status for the leg, and its rows.

    ``trip`` must have its route's stops and its vehicle at hand (``booking.service.load_trip(...,
    vehicle=True)``); one query reads the taken seats. 422 ``stop-not-on-route`` /
    ``stops-out-of-order`` for a leg this trip does not have. Whether the trip is still sold
    is the caller's question (``app.sales.seats``).
    """
    leg = leg_bounds(trip, origin_stop_id, destination_stop_id)
    taken = seat_statuses(trip.id, leg, now)
    labels = list(trip.vehicle.seat_layout)
    seats = [{"label": label, "status": taken.get(label, "free")} for label in labels]
    return {
        "trip_id": trip.id, "origin_stop_id": origin_stop_id, "destination_stop_id": destination_stop_id,
        "free": sum(1 for seat in seats if seat["status"] == "free"),
        "seats": seats, "rows": layout_rows(labels),
    }
