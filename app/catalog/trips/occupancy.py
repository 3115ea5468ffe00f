"""Seats taken per trip, answered by the area that sells them (booking).

Why registered and not imported: booking builds on the catalog (trips, fares), so the
catalog importing booking would close a cycle. The catalog declares what it needs here
and ``create_app`` registers booking's counter, the way a lower layer sends a signal that
a higher one connects to.
"""
from __future__ import annotations

from collections.abc import Callable

# (trip_ids, legs) -> {trip_id: taken}; legs maps a trip id to the route positions
# (start, end) of the leg asked about; a trip without one: seats taken anywhere on it.
TakenSeatCounter = Callable[..., dict[int, int]]

_counter: TakenSeatCounter | None = None


def register_taken_seat_counter(counter: TakenSeatCounter) -> None:
    """Use ``counter(trip_ids, legs=...) -> {trip_id: taken}`` to count held and sold seats."""
    global _counter
    _counter = counter


def taken_seat_counts(trip_ids: list[int], legs: dict[int, tuple[int, int]] | None = None) -> dict[int, int]:
    """Held or sold seats per trip id (every id present), on each trip's leg in ``legs`` (route
    positions ``(start, end)``) or anywhere on the trip; needs a registered counter."""
    if _counter is None:
        raise RuntimeError("No taken-seat counter registered: create_app registers booking's.")
    return _counter(trip_ids, legs=legs)
