"""Where a passenger says they are going: stops and cities as typed, matched, ranked, and
where one can travel from a place.

Every channel (REST, USSD, SMS) resolves places here, so a USSD screen and the app never
disagree about which city "Nai" means or which destinations a city offers. What changes
rarely (a place's stops, a route's longest offset, the busiest cities, the destinations
from a city) is kept for seconds (``app.catalog.cache``) as plain values; the statements
that read it are built once with bound parameters, so a lapsed answer costs a round trip.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import and_, bindparam, exists, func, select
from sqlalchemy.orm import aliased

from app.catalog.cache import cached
from app.catalog.models import Fare, RouteStop, Stop, Trip, fold
from app.catalog.trips.transitions import SELLABLE_STATUSES
from app.database import utcnow
from app.errors import NotFound
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


def max_offset(stop_ids: frozenset[int]) -> int:
    """The longest a trip takes to reach one of ``stop_ids`` from its start (route geometry)."""
    return cached("max_offset", stop_ids, lambda: db.session.scalar(
        _max_offset_statement(), {"stop_ids": list(stop_ids)}) or 0)


@lru_cache(maxsize=1)
def _max_offset_statement():
    """The longest offset from a route's start to any of some stops; built once."""
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
        "earliest": now - timedelta(minutes=max_offset(place.stop_ids)),  # coarse; exact check below
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
