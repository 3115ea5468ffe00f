"""The trip state machine (applied by ``app.states.machine``).

``scheduled → boarding → departed → arrived``; ``scheduled | boarding → cancelled``.
A trip starts ``scheduled`` (the column default: timetables create trips in bulk, so a
trip's history begins with its first move). Cancellation, with its refunds, is driven by
the booking area (``app.booking.cancellation.cancel_trip``); the carrier's and driver's
endpoint moves the rest (``app.catalog.trips.transitions.transition_trip``).
"""
from __future__ import annotations

from app.catalog.models import Trip
from app.states.machine import Machine
from app.errors import Conflict

TRIP = Machine("trip", Trip, {
    "scheduled": {"boarding", "cancelled"},
    "boarding": {"departed", "cancelled"},
    "departed": {"arrived"},
}, initial={"scheduled"}, slug="illegal-trip-transition", reason_defaults_to_status=False,
    refusal=lambda machine, current, to: Conflict(f"A {current} trip cannot become {to}.",
                                                  slug="illegal-trip-transition", current_status=current))
