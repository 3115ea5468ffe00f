"""Prices and route geometry for an order: which fare applies and when a stop is served.

Why here and not in the catalog: booking needs "the price quoted now, fixed while the
hold lives", so the lookup happens once at hold time and the result is copied onto the
order items; later fare edits never touch a live order.
"""
from __future__ import annotations

from app.catalog.models import FARE_CLASSES, Fare, Trip
from app.catalog.service import departure_at_stop, fares_between, route_stop  # noqa: F401 - booking and the channels read it here
from app.errors import Unprocessable


def check_stops(trip: Trip, origin_stop_id: int, destination_stop_id: int) -> None:
    """Both stops on the trip's route, origin before destination; else 422."""
    origin = route_stop(trip, origin_stop_id)
    destination = route_stop(trip, destination_stop_id)
    if origin is None or destination is None:
        raise Unprocessable("This trip does not serve both of these stops.", slug="stop-not-on-route")
    if origin.position >= destination.position:
        raise Unprocessable("The destination must come after the origin on this route.", slug="stops-out-of-order")


def fares_for(trip: Trip, origin_stop_id: int, destination_stop_id: int, classes: set[str]) -> dict[str, Fare]:
    """The fare for each requested class; 422 ``unknown-fare-class`` if one has none."""
    unknown = sorted(c for c in classes if c not in FARE_CLASSES)
    if unknown:
        raise Unprocessable(f"Unknown fare class: {', '.join(unknown)}.", slug="unknown-fare-class")
    fares = {fare.fare_class: fare for fare in fares_between(trip.route_id, origin_stop_id, destination_stop_id, classes)}
    missing = sorted(classes - fares.keys())
    if missing:
        raise Unprocessable(
            f"No {', '.join(missing)} fare is sold between these stops.", slug="unknown-fare-class"
        )
    currencies = {f.currency for f in fares.values()}
    if len(currencies) != 1:
        raise Unprocessable("These fares are in different currencies.", slug="fare-currency")
    return fares
