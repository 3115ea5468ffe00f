"""``flask --app wsgi seed-demo``: a Kenyan demo catalog, safe to run any number of times.

Every row is looked up by its natural key (slug, stop code, route code, registration,
phone, fare pair, timetable pattern) before it is created, and trips come from the same
``apply_timetable`` the API uses, so a second run changes nothing and a run on a later day
only adds the new days of the rolling 7-day window.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask import Flask
from sqlalchemy import func, select

from app.auth.models import User
from app.catalog.models import Carrier, Fare, Route, RouteStop, Stop, Timetable, Trip, TripDriver, Vehicle
from app.catalog.timetable import apply_timetable
from app.core.timeutil import to_local
from app.database import utcnow
from app.extensions import db

TZ = "Africa/Nairobi"
WINDOW_DAYS = 7
STOPS = [  # code, name, city
    ("NBO", "Nairobi (River Road)", "Nairobi"),
    ("NVS", "Naivasha", "Naivasha"),
    ("NKR", "Nakuru", "Nakuru"),
    ("ELD", "Eldoret", "Eldoret"),
    ("KSM", "Kisumu", "Kisumu"),
    ("MSA", "Mombasa", "Mombasa"),
]
ROUTES = {  # code: (name, [(stop code, minutes from start)])
    "NBO-ELD": ("Nairobi - Naivasha - Nakuru - Eldoret", [("NBO", 0), ("NVS", 90), ("NKR", 180), ("ELD", 360)]),
    "NBO-KSM": ("Nairobi - Nakuru - Kisumu", [("NBO", 0), ("NKR", 180), ("KSM", 420)]),
    "NBO-MSA": ("Nairobi - Mombasa", [("NBO", 0), ("MSA", 510)]),
}
# Standard one-way fares in KES (major units), by ordered pair.
FARES_KES = {
    ("NBO", "NVS"): 500, ("NBO", "NKR"): 800, ("NBO", "ELD"): 1500, ("NVS", "NKR"): 400,
    ("NVS", "ELD"): 1100, ("NKR", "ELD"): 800, ("NBO", "KSM"): 1400, ("NKR", "KSM"): 900,
    ("NBO", "MSA"): 1600,
}
CLASS_PERCENT = {"standard": 100, "student": 80, "reduced": 50}
VEHICLES = [("KDA 001A", "Scania Touring 44", 44), ("KDB 002B", "Yutong 49", 49)]
# route code, vehicle registration, local departure at the first stop (daily)
TIMETABLES = [
    ("NBO-ELD", "KDA 001A", "07:00"), ("NBO-ELD", "KDA 001A", "13:30"),
    ("NBO-KSM", "KDB 002B", "08:30"), ("NBO-MSA", "KDB 002B", "09:00"), ("NBO-MSA", "KDA 001A", "21:00"),
]
USERS = [  # phone, role, name, belongs to the carrier
    ("+254700000001", "carrier_admin", "Amina Admin", True),
    ("+254700000002", "driver", "Daudi Driver", True),
    ("+254700000009", "platform_admin", "Pendo Platform", False),
    ("+254711000111", "passenger", "Wanjiku Passenger", False),
]


def seat_labels(count: int) -> list[str]:
    """Rows of four (1A..1D, 2A..), the back row taking what is left (e.g. 12A..12E)."""
    full_rows, rest = divmod(count, 4)
    if rest:
        full_rows -= 1
        rest += 4
    labels = [f"{row}{letter}" for row in range(1, full_rows + 1) for letter in "ABCD"]
    labels += [f"{full_rows + 1}{letter}" for letter in "ABCDEFGH"[:rest]]
    return labels


def _get_or_add(model, defaults: dict | None = None, **key):
    row = db.session.scalar(select(model).filter_by(**key))
    if row is None:
        row = model(**key, **(defaults or {}))
        db.session.add(row)
        db.session.flush()
    return row


def seed_demo(now: datetime | None = None) -> dict:
    """Create or complete the demo; returns the users' phones by role."""
    now = now or utcnow()
    carrier = _get_or_add(Carrier, {"name": "Safiri Coaches", "country": "KE", "currency": "KES",
                                    "support_phone": "+254700000000"}, slug="safiri-coaches")
    stops = {code: _get_or_add(Stop, {"name": name, "city": city, "timezone": TZ}, carrier_id=carrier.id, code=code)
             for code, name, city in STOPS}
    routes = {}
    for code, (name, shape) in ROUTES.items():
        route = db.session.scalar(select(Route).filter_by(carrier_id=carrier.id, code=code))
        if route is None:
            route = Route(carrier_id=carrier.id, code=code, name=name, stops=[
                RouteStop(stop_id=stops[s].id, position=i, minutes_from_start=m) for i, (s, m) in enumerate(shape)
            ])
            db.session.add(route)
            db.session.flush()
        routes[code] = route
        codes = [s for s, _ in shape]
        for i, origin in enumerate(codes):
            for destination in codes[i + 1:]:
                for fare_class, percent in CLASS_PERCENT.items():
                    _get_or_add(
                        Fare, {"carrier_id": carrier.id, "currency": "KES",
                               "amount": FARES_KES[(origin, destination)] * 100 * percent // 100},
                        route_id=route.id, origin_stop_id=stops[origin].id,
                        destination_stop_id=stops[destination].id, fare_class=fare_class,
                    )
    vehicles = {reg: _get_or_add(Vehicle, {"name": name, "seat_layout": seat_labels(n), "seat_count": n},
                                 carrier_id=carrier.id, registration=reg)
                for reg, name, n in VEHICLES}

    today = to_local(now, TZ).date()
    for route_code, registration, hhmm in TIMETABLES:
        apply_timetable(carrier.id, routes[route_code], vehicles[registration], list(range(1, 8)), hhmm,
                        today, today + timedelta(days=WINDOW_DAYS - 1), now=now)

    users = {}
    for phone, role, name, scoped in USERS:
        users[role] = _get_or_add(User, {"role": role, "name": name,
                                         "carrier_id": carrier.id if scoped else None}, phone=phone)
    driver = users["driver"]
    for trip in db.session.scalars(select(Trip).where(
        Trip.carrier_id == carrier.id, Trip.departure_at >= now - timedelta(days=1),
        Trip.departure_at < now + timedelta(days=3),
    )):
        if (trip.departure_local.date() - today).days in (0, 1):
            _get_or_add(TripDriver, trip_id=trip.id, user_id=driver.id)
    db.session.commit()
    return {role: user.phone for role, user in users.items()}


def demo_counts() -> dict[str, int]:
    """Row counts of the demo's tables (what "idempotent" is checked against)."""
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Carrier, Stop, Route, RouteStop, Vehicle, Timetable, Trip, Fare, TripDriver, User)}


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Load the Kenyan demo catalog and users (idempotent; extends the 7-day window)."""
        phones = seed_demo()
        counts = demo_counts()
        click.echo(f"Demo carrier 'Safiri Coaches': {counts['trips']} trips, {counts['fares']} fares.")
        for role, phone in phones.items():
            click.echo(f"  {role:15} {phone}")
