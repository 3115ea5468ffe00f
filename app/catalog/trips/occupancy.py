"""Seats taken per trip, answered by the area that sells them (booking).

Why registered and not imported: booking builds on the catalog (trips, fares), so the
catalog importing booking would close a cycle. The catalog declares what it needs here
and ``create_app`` registers booking's counter, the way a lower layer sends a signal that
a higher one connects to.
"""
from __future__ import annotations

from collections.abc import Callable

TakenSeatCounter = Callable[[list[int]], dict[int, int]]

_counter: TakenSeatCounter | None = None


def register_taken_seat_counter(counter: TakenSeatCounter) -> None:
    """Use ``counter(trip_ids) -> {trip_id: taken}`` to count held and sold seats."""
    global _counter
    _counter = counter


def taken_seat_counts(trip_ids: list[int]) -> dict[int, int]:
    """Held or sold seats per trip id (every id present); needs a registered counter."""
    if _counter is None:
        raise RuntimeError("No taken-seat counter registered: create_app registers booking's.")
    return _counter(trip_ids)
