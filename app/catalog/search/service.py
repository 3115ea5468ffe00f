"""What every channel (REST, USSD, SMS) asks to find the trips on offer.

Every way in calls these functions so that a USSD screen and the app never disagree about
which trips exist, what they cost or how many seats are left. The places typed are resolved
by ``search.places``.

Local time rule: a trip's times are shown in the zone of the stop the passenger boards
at (``departure_local`` *and* ``arrival_local`` of a ``TripOffer`` are both in the
origin stop's zone, as the public contract says).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import aliased

from app.catalog.cache import cached
from app.catalog.fares.service import fares_between
from app.catalog.models import FARE_CLASSES, Carrier, RouteStop, Trip, Vehicle, fold
from app.catalog.search.places import StopView, max_offset, resolve_place
from app.catalog.trips.occupancy import taken_on_leg
from app.catalog.trips.transitions import SELLABLE_STATUSES
from app.core.timeutil import to_local, zone
from app.database import utcnow
from app.errors import Unprocessable
from app.extensions import db

@dataclass(frozen=True)
class OfferedTrip:
    """What an offer says of its trip (plain values read in the search's one statement)."""

    id: int
    carrier_id: int
    route_id: int
    status: str
    departure_at: datetime  # UTC, at the route's first stop
    seat_count: int  # the vehicle's


@dataclass(frozen=True)
class TripOffer:
    """One trip as a passenger going from ``origin_stop`` to ``destination_stop`` sees it."""

    trip: OfferedTrip
    carrier_name: str
    origin_stop: StopView
    destination_stop: StopView
    departure_local: datetime  # in origin_stop.timezone
    arrival_local: datetime  # in origin_stop.timezone too (see module docstring)
    seats_left: int
    prices: dict[str, int]  # fare_class → minor units
    currency: str


def _local_day_bounds(day: date, zone_names: set[str]) -> tuple[datetime, datetime]:
    starts = [datetime.combine(day, time(0), tzinfo=zone(z)) for z in zone_names]
    ends = [datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone(z)) for z in zone_names]
    return min(starts), max(ends)


@dataclass(frozen=True)
class _FareRow:
    route_id: int
    origin_stop_id: int
    destination_stop_id: int
    fare_class: str
    amount: int
    currency: str


def _fares(route_ids: frozenset[int], origin_ids: frozenset[int], destination_ids: frozenset[int]):
    """The listed prices of a search, kept for seconds (a booking prices itself from the fares)."""
    return cached("fares", (route_ids, origin_ids, destination_ids), lambda: tuple(
        _FareRow(f.route_id, f.origin_stop_id, f.destination_stop_id, f.fare_class, f.amount, f.currency)
        for f in fares_between(route_ids, origin_ids, destination_ids)))


def search_trips(origin: str, destination: str, day: date, *, now: datetime | None = None) -> list[TripOffer]:
    """Trips one can board at ``origin`` on ``day`` (local to that stop) towards ``destination``.

    Only trips still for sale (scheduled or boarding, not yet past the origin stop) and
    with a fare for the pair are offered, sorted by departure at the origin.
    """
    now = now or utcnow()
    if fold(origin) and fold(origin) == fold(destination):
        raise Unprocessable("Origin and destination are the same place.", slug="same-origin-destination")
    origins = resolve_place(origin, role="origin")
    destinations = resolve_place(destination, role="destination")
    origin_ids, destination_ids = origins.stop_ids, destinations.stop_ids
    if origin_ids & destination_ids:
        raise Unprocessable("Origin and destination are the same place.", slug="same-origin-destination")
    zones = origins.zones
    if all(day < to_local(now, z).date() for z in zones):
        raise Unprocessable(f"{day.isoformat()} is in the past.", slug="past-date")

    longest = max_offset(origin_ids)
    start, end = _local_day_bounds(day, zones)
    rows = db.session.execute(_offers_statement(), {
        "origin_ids": list(origin_ids), "destination_ids": list(destination_ids),
        "earliest": start - timedelta(minutes=longest), "end": end,
        "now": utcnow(),  # a hold takes its seat until it expires by the real clock, whatever ``now`` says
    }).all()

    candidates: dict[int, tuple[OfferedTrip, str, _Leg, datetime, int]] = {}
    for (trip_id, carrier_id, route_id, status, departure_at, seat_count, carrier_name,
         o_stop, o_minutes, d_stop, d_minutes, taken) in rows:
        if trip_id in candidates:
            continue  # a city with two stops on one route: keep the first boarding point
        departs = departure_at + timedelta(minutes=o_minutes)
        if departs <= now or to_local(departs, origins.stops[o_stop].timezone).date() != day:
            continue
        trip = OfferedTrip(trip_id, carrier_id, route_id, status, departure_at, seat_count)
        candidates[trip_id] = (trip, carrier_name, _Leg(o_stop, d_stop, d_minutes), departs, taken)
    if not candidates:
        return []

    prices: dict[tuple[int, int, int], dict[str, int]] = {}
    currencies: dict[tuple[int, int, int], str] = {}
    for fare in _fares(frozenset(t.route_id for t, *_ in candidates.values()), origin_ids, destination_ids):
        key = (fare.route_id, fare.origin_stop_id, fare.destination_stop_id)
        prices.setdefault(key, {})[fare.fare_class] = fare.amount
        currencies[key] = fare.currency  # the fare's own currency: carriers differ
    for key, by_class in prices.items():  # standard, student, reduced: a stable order
        prices[key] = {c: by_class[c] for c in FARE_CLASSES if c in by_class}

    offers = []
    for trip, carrier_name, leg, departs, taken in candidates.values():
        key = (trip.route_id, leg.origin_stop_id, leg.destination_stop_id)
        if key not in prices:
            continue  # no price for this pair: it cannot be sold, so it is not offered
        origin_stop = origins.stops[leg.origin_stop_id]
        tz = origin_stop.timezone
        offers.append(
            TripOffer(
                trip=trip,
                carrier_name=carrier_name,
                origin_stop=origin_stop,
                destination_stop=destinations.stops[leg.destination_stop_id],
                departure_local=to_local(departs, tz),
                arrival_local=to_local(trip.departure_at + timedelta(minutes=leg.destination_minutes), tz),
                seats_left=max(trip.seat_count - taken, 0),
                prices=prices[key],
                currency=currencies[key],
            )
        )
    offers.sort(key=lambda offer: (offer.departure_local, offer.trip.id))
    return offers


@dataclass(frozen=True)
class _Leg:
    origin_stop_id: int
    destination_stop_id: int
    destination_minutes: int  # from the route's first stop


@lru_cache(maxsize=1)
def _offers_statement():
    """Every (trip, boarding stop, alighting stop) a search considers, as plain columns with
    the seats taken on that leg at ``now`` (booking's count, ``occupancy.taken_on_leg``),
    built once with bound parameters.

    Why built once, as columns and with the count: search is the most frequent request there
    is. Loading trips, route stops and their stops as ORM objects, a second query for the
    coaches' seat counts, building the aliased joins anew on each call and a third round trip
    for the seats taken were over half of a search's time in issue 17's profiles; the stops
    come from the resolved places instead."""
    rs_o, rs_d = aliased(RouteStop), aliased(RouteStop)
    taken = taken_on_leg(Trip.id, rs_o.position, rs_d.position, bindparam("now"))
    return (
        select(Trip.id, Trip.carrier_id, Trip.route_id, Trip.status, Trip.departure_at, Vehicle.seat_count,
               Carrier.name, rs_o.stop_id, rs_o.minutes_from_start, rs_d.stop_id, rs_d.minutes_from_start, taken)
        .join(rs_o, rs_o.route_id == Trip.route_id)
        .join(rs_d, and_(rs_d.route_id == Trip.route_id, rs_d.position > rs_o.position))
        .join(Carrier, Carrier.id == Trip.carrier_id)
        .join(Vehicle, Vehicle.id == Trip.vehicle_id)
        .where(
            rs_o.stop_id.in_(bindparam("origin_ids", expanding=True)),
            rs_d.stop_id.in_(bindparam("destination_ids", expanding=True)),
            Trip.status.in_(SELLABLE_STATUSES),
            Trip.departure_at >= bindparam("earliest"),
            Trip.departure_at < bindparam("end"),
        )
        .order_by(Trip.departure_at, Trip.id, rs_o.position, rs_d.position)
    )
