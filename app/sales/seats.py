"""Seat map of a leg: the use case behind ``GET /api/v1/trips/{trip_id}/seats``.

Why the trip's state is checked here and not in ``app.booking.seatmap.seat_map``: the map
is for choosing a seat to buy, so a trip that is no longer sold (cancelled, departed, or
gone from the passenger's stop) answers 409 with the very slug a hold would get; the
counter and the manifest may still draw the map of such a trip by calling ``seat_map``.
"""
from __future__ import annotations

from datetime import datetime

from app.booking.pricing import departure_at_stop
from app.booking.seatmap import seat_map
from app.booking.segments import leg_bounds
from app.booking.service import BOOKABLE_TRIP_STATUSES, load_trip
from app.database import utcnow
from app.errors import Conflict, NotFound


def leg_seat_map(trip_id: int, origin_stop_id: int, destination_stop_id: int, *,
                 now: datetime | None = None) -> dict:
    """The seat map of a leg on sale: 404 ``trip-not-found``; 409 ``trip-not-bookable``,
    ``trip-departed``; 422 ``stop-not-on-route``, ``stops-out-of-order``."""
    now = now or utcnow()
    trip = load_trip(trip_id, vehicle=True)
    if trip is None:
        raise NotFound("There is no such trip.", slug="trip-not-found")
    if trip.status not in BOOKABLE_TRIP_STATUSES:
        raise Conflict(f"This trip is {trip.status}; it is not sold any more.", slug="trip-not-bookable")
    leg_bounds(trip, origin_stop_id, destination_stop_id)
    if departure_at_stop(trip, origin_stop_id) <= now:
        raise Conflict("This trip has already left your stop.", slug="trip-departed")
    return seat_map(trip, origin_stop_id, destination_stop_id, now=now)
