"""Seats taken and sold per trip, answered by the areas that sell them (booking, ticketing).

Why registered and not imported: booking and ticketing build on the catalog (trips,
fares), so the catalog importing them would close a cycle. The catalog declares what it
needs here and ``create_app`` registers their counters, the way a lower layer sends a
signal that a higher one connects to.
"""
from __future__ import annotations

from collections.abc import Callable

TakenSeatCounter = Callable[[list[int]], dict[int, int]]

_counter: TakenSeatCounter | None = None
_sold_counter: TakenSeatCounter | None = None


def register_taken_seat_counter(counter: TakenSeatCounter) -> None:
    """Use ``counter(trip_ids) -> {trip_id: taken}`` to count held and sold seats."""
    global _counter
    _counter = counter


def register_sold_seat_counter(counter: TakenSeatCounter) -> None:
    """Use ``counter(trip_ids) -> {trip_id: sold}`` to count seats sold (live tickets)."""
    global _sold_counter
    _sold_counter = counter


def taken_seat_counts(trip_ids: list[int]) -> dict[int, int]:
    """Held or sold seats per trip id (every id present); needs a registered counter."""
    if _counter is None:
        raise RuntimeError("No taken-seat counter registered: create_app registers booking's.")
    return _counter(trip_ids)


def seat_tally(trips) -> dict[int, dict[str, int]]:
    """``{trip_id: {"sold", "held", "free"}}``: sold from tickets, held = taken - sold, free = seats - taken.

    "Taken" is booking's availability (``app.booking.availability``), so the list agrees
    with what search and the seat map offer.
    """
    if _sold_counter is None:
        raise RuntimeError("No sold-seat counter registered: create_app registers ticketing's.")
    ids = [trip.id for trip in trips]
    taken, sold = taken_seat_counts(ids), _sold_counter(ids)
    return {
        trip.id: {"sold": sold.get(trip.id, 0), "held": max(taken[trip.id] - sold.get(trip.id, 0), 0),
                  "free": max(trip.vehicle.seat_count - taken[trip.id], 0)}
        for trip in trips
    }
