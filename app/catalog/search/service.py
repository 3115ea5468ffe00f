"""What every channel (REST, USSD, SMS) asks to find stops and trips on offer.

Every way in calls these functions so that a USSD screen and the app never disagree about
which trips exist, what they cost or how many seats are left.

Local time rule: a trip's times are shown in the zone of the stop the passenger boards
at (``departure_local`` *and* ``arrival_local`` of a ``TripOffer`` are both in the
origin stop's zone, as the public contract says).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import and_, bindparam, exists, func, select
from sqlalchemy.orm import aliased

from app.catalog.cache import cached
from app.catalog.fares.service import fares_between
from app.catalog.models import FARE_CLASSES, Carrier, Fare, RouteStop, Stop, Trip, Vehicle, fold
from app.catalog.trips.occupancy import taken_on_leg
from app.catalog.trips.transitions import SELLABLE_STATUSES
from app.core.timeutil import to_local, zone
from app.database import utcnow
from app.errors import NotFound, Unprocessable
from app.extensions import db

class UnknownStop(NotFound):
    """No stop matches what the passenger typed (a 404 naming the text)."""

    slug = "unknown-stop"

    def __init__(self, text: str, role: str | None = None):
        what = f"{role} " if role else ""
        super().__init__(f"No {what}stop or city matches {text!r}.", stop=text, which=role)
        self.text = text
        self.role = role


@dataclass(frozen=True)
class StopView:
    """A stop as search shows it: plain values, so a resolved place can be kept for seconds."""

    id: int
    carrier_id: int
    code: str
    name: str
    city: str
    timezone: str
    latitude: float | None
    longitude: float | None


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


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def resolve_stop(text: str, *, role: str | None = None) -> list[Stop]:
    """Stops (of any carrier) whose code, name or city is ``text``; ``UnknownStop`` if none.

    Matching a city returns every stop in it, across carriers, so "Nairobi" finds trips
    from all of a city's terminals.
    """
    raw = (text or "").strip()
    key = fold(raw)
    if not key:
        raise UnknownStop(raw, role)
    stops = list(db.session.scalars(_stops_named_statement(), {"code": raw.upper(), "key": key}))
    if not stops:
        raise UnknownStop(raw, role)
    return stops


@lru_cache(maxsize=1)
def _stops_named_statement():
    """Stops whose code is ``code`` or whose folded name or city is ``key``; built once (every
    place a passenger types is resolved by it when it is not kept)."""
    key = bindparam("key")
    return (select(Stop).where((Stop.code == bindparam("code")) | (Stop.name_key == key) | (Stop.city_key == key))
            .order_by(Stop.city, Stop.name, Stop.id))


@dataclass(frozen=True)
class Place:
    """What a typed place resolves to, as plain values (cacheable): its stops' ids and zones,
    the first stop's zone ("today" there), and each stop as search shows it."""

    stop_ids: frozenset[int]
    zones: frozenset[str]
    first_zone: str
    stops: dict[int, StopView]


def resolve_place(text: str, *, role: str | None = None) -> Place:
    """``resolve_stop`` as ids and zones, kept for seconds (``app.catalog.cache``); raises
    ``UnknownStop`` alike. A USSD step names its origin several times: one query at most."""
    raw = (text or "").strip()

    def compute():
        try:
            stops = resolve_stop(raw)
        except UnknownStop:
            return None
        return Place(frozenset(s.id for s in stops), frozenset(s.timezone for s in stops), stops[0].timezone,
                     {s.id: _stop_view(s) for s in stops})

    place = cached("place", (raw.upper(), fold(raw)), compute)
    if place is None:
        raise UnknownStop(raw, role)
    return place


def _stop_view(stop: Stop) -> StopView:
    return StopView(stop.id, stop.carrier_id, stop.code, stop.name, stop.city, stop.timezone, stop.latitude,
                    stop.longitude)


def _max_offset(stop_ids: frozenset[int]) -> int:
    """The longest a trip takes to reach one of ``stop_ids`` from its start (route geometry)."""
    return cached("max_offset", stop_ids, lambda: db.session.scalar(
        _max_offset_statement(), {"stop_ids": list(stop_ids)}) or 0)


@lru_cache(maxsize=1)
def _max_offset_statement():
    return select(func.max(RouteStop.minutes_from_start)).where(
        RouteStop.stop_id.in_(bindparam("stop_ids", expanding=True)))


def search_stops(prefix: str, limit: int = 20) -> list[Stop]:
    """Stops whose code, name or city starts with ``prefix`` (for pickers)."""
    key = fold(prefix)
    if not key:
        return []
    pattern = _escape_like(key) + "%"
    return list(
        db.session.scalars(
            select(Stop)
            .where(
                Stop.name_key.like(pattern, escape="\\")
                | Stop.city_key.like(pattern, escape="\\")
                | (Stop.code == prefix.strip().upper())
            )
            .order_by(Stop.city, Stop.name, Stop.id)
            .limit(limit)
        )
    )


def match_cities(prefix: str, limit: int = 8) -> list[str]:
    """City names starting with ``prefix`` (case and accents ignored), alphabetical."""
    key = fold(prefix)
    stmt = select(func.min(Stop.city)).group_by(Stop.city_key).order_by(Stop.city_key).limit(limit)
    if key:
        stmt = stmt.where(Stop.city_key.like(_escape_like(key) + "%", escape="\\"))
    return list(db.session.scalars(stmt))


def popular_cities(limit: int = 6, *, now: datetime | None = None) -> list[str]:
    """Cities with the most upcoming trips one can board there (USSD's first menu); kept for
    seconds when asked about now (``app.catalog.cache``)."""
    if now is None:
        return list(cached("popular_cities", limit, lambda: tuple(_popular_cities(limit, utcnow()))))
    return _popular_cities(limit, now)


def _popular_cities(limit: int, now: datetime) -> list[str]:
    return [city for city, _ in db.session.execute(_popular_statement(), {"now": now, "limit": limit})]


@lru_cache(maxsize=1)
def _popular_statement():
    """Cities by upcoming trips one can board there, built once with bound parameters."""
    later = aliased(RouteStop)
    boardable = exists().where(later.route_id == RouteStop.route_id, later.position > RouteStop.position)
    count = func.count(func.distinct(Trip.id))
    return (
        select(func.min(Stop.city), count)
        .join(RouteStop, RouteStop.stop_id == Stop.id)
        .join(Trip, Trip.route_id == RouteStop.route_id)
        .where(Trip.status.in_(SELLABLE_STATUSES), Trip.departure_at > bindparam("now"), boardable)
        .group_by(Stop.city_key)
        .order_by(count.desc(), Stop.city_key)
        .limit(bindparam("limit"))
    )


DESTINATION_DAYS = 7  # "the coming days" for destinations_from: the demo's rolling week


def destinations_from(origin: str, limit: int = 20, *, days: int = DESTINATION_DAYS,
                      now: datetime | None = None) -> list[str]:
    """Cities one can actually travel to from ``origin`` in the next ``days`` days.

    A city counts when some sellable trip (scheduled or boarding) boards at one of the
    origin's stops after ``now`` and before the horizon, reaches a stop of that city later
    on its route, and has a fare for that pair (what ``search_trips`` would offer). Busiest
    first (most trips), then nearest (shortest ride), then alphabetical; the origin's own
    city is never listed. Raises
    ``UnknownStop`` when ``origin`` matches no stop. USSD's "Where to?" uses it; the API
    and SMS can too, so no channel offers a destination with no trip.
    """
    place = resolve_place(origin, role="origin")
    if now is None:  # about now: kept for seconds, per origin, whole (``app.catalog.cache``): the
        # menu's first page and a typed destination's matches are slices of one answer
        found = cached("destinations", (place.stop_ids, days),
                       lambda: tuple(_destinations(place, days, utcnow())))
        return list(found[:limit])
    return _destinations(place, days, now)[:limit]


def _destinations(place: Place, days: int, now: datetime) -> list[str]:
    horizon = now + timedelta(days=days)
    rows = db.session.execute(_destinations_statement(), {
        "origin_ids": list(place.stop_ids),
        "earliest": now - timedelta(minutes=_max_offset(place.stop_ids)),  # coarse; exact check below
        "horizon": horizon,
    }).all()
    trips: dict[str, set[int]] = {}
    names: dict[str, str] = {}
    ride: dict[str, int] = {}
    for city_key, city, trip_id, departure_at, offset, arrival_offset in rows:
        if not now < departure_at + timedelta(minutes=offset) <= horizon:
            continue  # already past the origin stop, or beyond the horizon
        trips.setdefault(city_key, set()).add(trip_id)
        names[city_key] = min(names.get(city_key, city), city)
        ride[city_key] = min(ride.get(city_key, arrival_offset - offset), arrival_offset - offset)
    origin_cities = {fold(stop.city) for stop in place.stops.values()}  # ``Stop.city_key``
    ranked = sorted((k for k in trips if k not in origin_cities), key=lambda k: (-len(trips[k]), ride[k], k))
    return [names[k] for k in ranked]


@lru_cache(maxsize=1)
def _destinations_statement():
    """Every (city, trip) one can reach from the origin's stops with a fare for the pair, with
    the offsets that say when the trip boards and arrives; built once with bound parameters
    (aliasing the route's stops anew made building it most of a miss's time)."""
    rs_o, rs_d = aliased(RouteStop), aliased(RouteStop)
    origin_ids = bindparam("origin_ids", expanding=True)
    return (
        select(Stop.city_key, Stop.city, Trip.id, Trip.departure_at, rs_o.minutes_from_start,
               rs_d.minutes_from_start)
        .join(rs_d, rs_d.stop_id == Stop.id)
        .join(rs_o, and_(rs_o.route_id == rs_d.route_id, rs_o.position < rs_d.position))
        .join(Trip, Trip.route_id == rs_o.route_id)
        .join(Fare, and_(Fare.route_id == rs_o.route_id, Fare.origin_stop_id == rs_o.stop_id,
                         Fare.destination_stop_id == rs_d.stop_id))
        .where(
            rs_o.stop_id.in_(origin_ids),
            Stop.id.not_in(origin_ids),
            Trip.status.in_(SELLABLE_STATUSES),
            Trip.departure_at > bindparam("earliest"),
            Trip.departure_at < bindparam("horizon"),
        )
    )


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

    max_offset = _max_offset(origin_ids)
    start, end = _local_day_bounds(day, zones)
    rows = db.session.execute(_offers_statement(), {
        "origin_ids": list(origin_ids), "destination_ids": list(destination_ids),
        "earliest": start - timedelta(minutes=max_offset), "end": end,
        "now": utcnow(),  # a hold takes its seat until it expires by the real clock, whatever ``now`` says
    }).all()

    candidates: dict[int, tuple[OfferedTrip, str, _Leg, datetime, int]] = {}
    for (trip_id, carrier_id, route_id, status, departure_at, seat_count, carrier_name,
         o_stop, o_position, o_minutes, d_stop, d_minutes, taken) in rows:
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
               Carrier.name, rs_o.stop_id, rs_o.position, rs_o.minutes_from_start,
               rs_d.stop_id, rs_d.minutes_from_start, taken)
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
