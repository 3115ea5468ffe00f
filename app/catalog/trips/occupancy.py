"""Seats taken and sold per trip, answered by the areas that sell them (booking, ticketing).

Why registered and not imported: booking and ticketing build on the catalog (trips,
fares), so the catalog importing them would close a cycle. The catalog declares what it
needs here and ``create_app`` registers their counters, the way a lower layer sends a
signal that a higher one connects to.
"""
from __future__ import annotations

from collections.abc import Callable

# (trip_ids, legs) -> {trip_id: taken}; legs maps a trip id to the route positions
# (start, end) of the leg asked about; a trip without one: seats taken anywhere on it.
TakenSeatCounter = Callable[..., dict[int, int]]

# (trip_id, start, end, now) -> a correlated count of the seats taken on that leg, where
# each argument is a column or bound parameter of the statement that lists the trips.
TakenOnLeg = Callable[..., object]

_counter: TakenSeatCounter | None = None
_sold_counter: TakenSeatCounter | None = None
_on_leg: TakenOnLeg | None = None


def register_taken_seat_counter(counter: TakenSeatCounter) -> None:
    """Use ``counter(trip_ids, legs=...) -> {trip_id: taken}`` to count held and sold seats."""
    global _counter
    _counter = counter


def register_sold_seat_counter(counter: TakenSeatCounter) -> None:
    """Use ``counter(trip_ids) -> {trip_id: sold}`` to count seats sold (live tickets)."""
    global _sold_counter
    _sold_counter = counter


def register_taken_on_leg(builder: TakenOnLeg) -> None:
    """Use ``builder(trip_id, start, end, now)`` for ``taken_on_leg``."""
    global _on_leg
    _on_leg = builder


def taken_on_leg(trip_id, start, end, now):
    """Held or sold seats on the leg (route positions ``start <= segment < end``) of
    ``trip_id``, as a column of the statement listing the trips (search: one round trip
    instead of two); needs a registered builder."""
    if _on_leg is None:
        raise RuntimeError("No taken-on-leg builder registered: create_app registers booking's.")
    return _on_leg(trip_id, start, end, now)


def taken_seat_counts(trip_ids: list[int], legs: dict[int, tuple[int, int]] | None = None) -> dict[int, int]:
    """Held or sold seats per trip id (every id present), on each trip's leg in ``legs`` (route
    positions ``(start, end)``) or anywhere on the trip; needs a registered counter."""
    if _counter is None:
        raise RuntimeError("No taken-seat counter registered: create_app registers booking's.")
    return _counter(trip_ids, legs=legs)


def seat_tally(trips) -> dict[int, dict[str, int]]:
    """``{trip_id: {"sold", "held", "free"}}`` over the whole trip, in seats.

    ``sold``: seats with a live ticket on some leg; ``held``: seats taken (booking's
    availability, ``app.booking.availability``, on any segment) and not sold; ``free``: seats
    taken on no segment, for sale end to end (a seat sold on one leg is still offered on the
    others, as search and the seat map show).
    """
    if _sold_counter is None:
        raise RuntimeError("No sold-seat counter registered: create_app registers booking's.")
    ids = [trip.id for trip in trips]
    taken, sold = taken_seat_counts(ids), _sold_counter(ids)
    return {
        trip.id: {"sold": sold.get(trip.id, 0), "held": max(taken[trip.id] - sold.get(trip.id, 0), 0),
                  "free": max(trip.vehicle.seat_count - taken[trip.id], 0)}
        for trip in trips
    }
