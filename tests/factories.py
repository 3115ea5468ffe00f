"""Factories for test data: plain functions that add rows and flush.

``build_world()`` makes the catalog most tests need: one carrier, three stops on a
route Nairobi → Nakuru → Eldoret, a 10-seat vehicle, a trip tomorrow at 08:00 Nairobi
time, fares for each pair and class, a carrier admin, a driver and a passenger.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.auth.models import User
from app.auth.tokens import issue_access_token
from app.catalog.models import Carrier, Fare, Route, RouteStop, Stop, Trip, Vehicle
from app.catalog.trips.overlap import vehicle_clash
from app.concessions.models import Concession
from app.database import utcnow
from app.extensions import db

NAIROBI = ZoneInfo("Africa/Nairobi")
_seq = itertools.count(1)


def make_carrier(name: str = "Coast Express", **kw) -> Carrier:
    n = next(_seq)
    carrier = Carrier(name=name, slug=kw.pop("slug", f"carrier-{n}"), **kw)
    db.session.add(carrier)
    db.session.flush()
    return carrier


def make_stop(carrier: Carrier, name: str, city: str | None = None, code: str | None = None, **kw) -> Stop:
    stop = Stop(
        carrier_id=carrier.id, name=name, city=city or name, code=code or name[:3].upper(), **kw
    )
    db.session.add(stop)
    db.session.flush()
    return stop


def make_route(carrier: Carrier, stops_with_offsets: list[tuple[Stop, int]], code: str | None = None) -> Route:
    names = [s.name for s, _ in stops_with_offsets]
    route = Route(carrier_id=carrier.id, code=code or f"R{next(_seq)}", name=" - ".join(names))
    for position, (stop, offset) in enumerate(stops_with_offsets):
        route.stops.append(RouteStop(stop_id=stop.id, position=position, minutes_from_start=offset))
    db.session.add(route)
    db.session.flush()
    return route


def make_vehicle(carrier: Carrier, seats: int = 10, registration: str | None = None) -> Vehicle:
    layout = [str(i) for i in range(1, seats + 1)]
    vehicle = Vehicle(
        carrier_id=carrier.id, registration=registration or f"KDA {next(_seq):03d}A",
        name="Coach", seat_layout=layout, seat_count=seats,
    )
    db.session.add(vehicle)
    db.session.flush()
    return vehicle


def spare_vehicle(vehicle: Vehicle) -> Vehicle:
    """Another coach of the same carrier with the same seat layout."""
    spare = Vehicle(carrier_id=vehicle.carrier_id, registration=f"KSP {next(_seq):03d}S", name=vehicle.name,
                    seat_layout=list(vehicle.seat_layout), seat_count=vehicle.seat_count)
    db.session.add(spare)
    db.session.flush()
    return spare


def make_trip(route: Route, vehicle: Vehicle, departure_at: datetime, duration_minutes: int | None = None, **kw) -> Trip:
    if duration_minutes is None:
        duration_minutes = max(rs.minutes_from_start for rs in route.stops) or 60
    arrival_at = departure_at + timedelta(minutes=duration_minutes)
    if kw.get("status") != "cancelled" and vehicle_clash(vehicle.id, departure_at, arrival_at):
        # One coach is never on two overlapping trips (PostgreSQL refuses it): tests that
        # want two trips at once get a spare coach with the same seats.
        vehicle = spare_vehicle(vehicle)
    trip = Trip(
        carrier_id=route.carrier_id, route_id=route.id, vehicle_id=vehicle.id,
        departure_at=departure_at, arrival_at=departure_at + timedelta(minutes=duration_minutes), **kw,
    )
    db.session.add(trip)
    db.session.flush()
    return trip


def make_fare(route: Route, origin: Stop, destination: Stop, amount: int, fare_class: str = "standard") -> Fare:
    fare = Fare(
        carrier_id=route.carrier_id, route_id=route.id, origin_stop_id=origin.id,
        destination_stop_id=destination.id, fare_class=fare_class, amount=amount, currency="KES",
    )
    db.session.add(fare)
    db.session.flush()
    return fare


def make_user(role: str = "passenger", phone: str | None = None, carrier: Carrier | None = None, **kw) -> User:
    user = User(
        phone=phone or f"+2547{next(_seq) % 100000000:08d}",
        role=role,
        carrier_id=carrier.id if carrier else None,
        **kw,
    )
    db.session.add(user)
    db.session.flush()
    return user


def hold_concessions(user: User, carrier: Carrier, categories=("student", "reduced"), days: int = 365) -> None:
    """``user`` holds ``categories`` with ``carrier`` (approved, valid ``days`` more): only a
    holder buys those fares (``app.sales.concessions``). The world's passenger holds both, so
    a test about something else may sell any class; concession tests use another passenger."""
    for category in categories:
        db.session.add(Concession(
            user_id=user.id, carrier_id=carrier.id, category=category, status="approved",
            reason="senior" if category == "reduced" else None,
            institution="University of Nairobi" if category == "student" else None,
            student_number="C31/0001/2026" if category == "student" else None,
            expires_on=utcnow().date() + timedelta(days=days)))
    db.session.flush()


def auth_headers(user: User) -> dict:
    return {"Authorization": f"Bearer {issue_access_token(user)}"}


def local_departure(days_ahead: int = 1, at: time = time(8, 0)) -> datetime:
    """``days_ahead`` days from today at ``at`` Nairobi time, as aware UTC."""
    day = utcnow().astimezone(NAIROBI).date() + timedelta(days=days_ahead)
    return datetime.combine(day, at, tzinfo=NAIROBI).astimezone(ZoneInfo("UTC"))


@dataclass
class World:
    carrier: Carrier
    nairobi: Stop
    nakuru: Stop
    eldoret: Stop
    route: Route
    vehicle: Vehicle
    trip: Trip
    fares: dict
    admin: User
    driver: User
    passenger: User


def build_world(seats: int = 10) -> World:
    carrier = make_carrier()
    nairobi = make_stop(carrier, "Nairobi", code="NBO")
    nakuru = make_stop(carrier, "Nakuru", code="NKR")
    eldoret = make_stop(carrier, "Eldoret", code="ELD")
    route = make_route(carrier, [(nairobi, 0), (nakuru, 150), (eldoret, 330)], code="NBO-ELD")
    vehicle = make_vehicle(carrier, seats=seats)
    trip = make_trip(route, vehicle, local_departure(1))
    fares = {}
    for (o, d, amount) in [(nairobi, eldoret, 150000), (nairobi, nakuru, 80000), (nakuru, eldoret, 90000)]:
        for fare_class, factor in (("standard", 100), ("student", 80), ("reduced", 50)):
            fares[(o.code, d.code, fare_class)] = make_fare(route, o, d, amount * factor // 100, fare_class)
    admin = make_user("carrier_admin", carrier=carrier, phone="+254700000001", name="Amina Admin")
    driver = make_user("driver", carrier=carrier, phone="+254700000002", name="Daudi Driver")
    passenger = make_user("passenger", phone="+254711000111", name="Wanjiku Passenger")
    hold_concessions(passenger, carrier)
    db.session.commit()
    return World(carrier, nairobi, nakuru, eldoret, route, vehicle, trip, fares, admin, driver, passenger)
