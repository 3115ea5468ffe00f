"""Prices and route geometry for an order: which fare applies, what the rules make of it, and
when a stop is served.

Why here and not in the catalog: booking needs "the price quoted now, fixed while the
hold lives", so the lookup happens once at hold time and the result (with how it was made)
is copied onto the order items; later fare or rule edits never touch a live order, and a
paid one never changes at all.

The carrier's price rules (``app.catalog.pricerules``) apply on top of the base fare. What
they look at is one ``Ride`` per trip and stop: the departure at the passenger's stop, the
sale day there, and how full the trip is, from the seats left on the passenger's leg that
search shows (``catalog.seats_left``, which counts with ``app.booking.availability``).
Search, the quote and the hold all build it with ``ride_for``, so every channel prices alike.
"""
from __future__ import annotations

from datetime import datetime

from app.booking.availability import free_on_leg
from app.catalog.models import FARE_CLASSES, Trip
from app.catalog.pricerules.engine import Priced, Ride, apply_rules
from app.catalog.pricerules.service import fares_with_rules
from app.catalog.service import departure_at_stop, route_stop, seats_left  # noqa: F401 - booking and the channels read it here
from app.core.timeutil import to_local
from app.database import utcnow
from app.errors import Unprocessable


def check_stops(trip: Trip, origin_stop_id: int, destination_stop_id: int) -> None:
    """Both stops on the trip's route, origin before destination; else 422."""
    origin = route_stop(trip, origin_stop_id)
    destination = route_stop(trip, destination_stop_id)
    if origin is None or destination is None:
        raise Unprocessable("This trip does not serve both of these stops.", slug="stop-not-on-route")
    if origin.position >= destination.position:
        raise Unprocessable("The destination must come after the origin on this route.", slug="stops-out-of-order")


def load_percent(seat_count: int, left: int) -> int:
    """Seats held or sold, in percent of the vehicle, rounded down (a demand band's measure)."""
    if seat_count <= 0:
        return 100
    return max(seat_count - left, 0) * 100 // seat_count


def ride_for(route_id: int, seat_count: int, departure_local: datetime, left: int,
             now: datetime | None = None) -> Ride:
    """The facts rules look at for a trip of ``route_id`` with ``seat_count`` seats, ``left`` of
    them free on the leg, boarding at ``departure_local`` (the stop's zone)."""
    now = now or utcnow()
    return Ride(departure_local=departure_local, today_local=to_local(now, str(departure_local.tzinfo)).date(),
                load_percent=load_percent(seat_count, left), route_id=route_id)


def price(base: int, currency: str, fare_class: str, rules, ride: Ride) -> Priced:
    """One fare with the carrier's ``rules``; a result at or below zero is never sold (the rule
    writes refuse such sets, this is the last guard)."""
    priced = apply_rules(base, currency, fare_class, rules, ride)
    if priced.amount <= 0:
        raise Unprocessable("This fare cannot be priced; the carrier must fix its price rules.",
                            slug="price-not-positive")
    return priced


def fares_for(trip: Trip, origin_stop_id: int, destination_stop_id: int, classes: set[str],
              now: datetime | None = None, occupied: dict[str, set[int]] | None = None) -> dict[str, Priced]:
    """The price of each requested class now, rules applied; 422 ``unknown-fare-class`` if
    one has no fare. ``occupied``: the trip's taken segments when the caller has read them
    (``booking.availability.occupied_segments``), so the seats left are not counted again."""
    unknown = sorted(c for c in classes if c not in FARE_CLASSES)
    if unknown:
        raise Unprocessable(f"Unknown fare class: {', '.join(unknown)}.", slug="unknown-fare-class")
    found, rules = fares_with_rules(trip.carrier_id, trip.route_id, origin_stop_id, destination_stop_id, classes)
    fares = {fare.fare_class: fare for fare in found}
    missing = sorted(classes - fares.keys())
    if missing:
        raise Unprocessable(
            f"No {', '.join(missing)} fare is sold between these stops.", slug="unknown-fare-class"
        )
    currencies = {f.currency for f in fares.values()}
    if len(currencies) != 1:
        raise Unprocessable("These fares are in different currencies.", slug="fare-currency")
    stops = {s.stop_id: s for s in trip.route.stops}
    origin, destination = stops[origin_stop_id], stops[destination_stop_id]
    departs = to_local(departure_at_stop(trip, origin_stop_id), origin.stop.timezone)
    # The seats left on this leg, as search counts them for the same offer.
    leg = (origin.position, destination.position)
    if occupied is None:
        left = seats_left([trip], legs={trip.id: leg})[trip.id]
    else:
        left = free_on_leg(trip.vehicle.seat_count, occupied, leg)
    ride = ride_for(trip.route_id, trip.vehicle.seat_count, departs, left, now)
    return {c: price(f.amount, f.currency, c, rules, ride) for c, f in fares.items()}
