"""``flask --app wsgi seed-demo``: a Kenyan demo catalog, safe to run any number of times.

Every row is looked up by its natural key (slug, stop code, route code, registration,
phone, fare pair, timetable pattern) before it is created, and trips come from the same
``apply_timetable`` the API uses, so a second run changes nothing and a run on a later day
only adds the new days of the rolling window (today and the next 7 days).

Why the schedule looks like this: it is a plausible week of one carrier. Every route runs
both ways (one can book Nakuru -> Nairobi for the way home). Each coach runs a daily
cycle that brings it back where it started (``VEHICLE_CYCLES``) with at least
``MIN_TURNAROUND`` between arriving and leaving again, so no coach is on two trips at once.
Each driver has a duty (``DRIVER_DUTIES``) that starts where the last trip ended, with at
least ``MIN_DRIVER_REST`` between two trips; on the Mombasa line two drivers per departure
alternate by date parity (out one day, back the next). ``tests/catalog/test_seed.py`` checks
both "never two trips at once" rules on the seeded data.

Whatever the hour, the demo driver also has a *demo shuttle* boarding now (``_demo_shuttle``),
so a newcomer can scan at ``/scan`` and sell at ``/counter`` at once; the duty trip it
overlaps goes to a relief driver. The command prints which number does what.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import click
from flask import Flask
from sqlalchemy import func, select

from app.auth.models import User
from app.catalog.models import Carrier, Fare, Route, RouteStop, Stop, Timetable, Trip, TripDriver, Vehicle
from app.catalog.trips.overlap import refuse_vehicle_clash
from app.catalog.trips.timetable import apply_timetable, new_trip
from app.core.timeutil import to_local
from app.database import utcnow
from app.extensions import db, unit_of_work

TZ = "Africa/Nairobi"
WINDOW_DAYS = 8  # today and the next 7 days
MIN_TURNAROUND = timedelta(minutes=90)  # unload, clean, refuel, board
MIN_DRIVER_REST = timedelta(minutes=90)
STOPS = [  # code, name, city
    ("NBO", "Nairobi (River Road)", "Nairobi"),
    ("NVS", "Naivasha", "Naivasha"),
    ("NKR", "Nakuru", "Nakuru"),
    ("ELD", "Eldoret", "Eldoret"),
    ("KSM", "Kisumu", "Kisumu"),
    ("MSA", "Mombasa", "Mombasa"),
]
_OUTBOUND = {  # code: (name, [(stop code, minutes from start)])
    "NBO-ELD": ("Nairobi - Naivasha - Nakuru - Eldoret", [("NBO", 0), ("NVS", 90), ("NKR", 180), ("ELD", 360)]),
    "NBO-KSM": ("Nairobi - Nakuru - Kisumu", [("NBO", 0), ("NKR", 180), ("KSM", 420)]),
    "NBO-MSA": ("Nairobi - Mombasa", [("NBO", 0), ("MSA", 510)]),
}


def _return_route(code: str, name: str, shape: list[tuple[str, int]]) -> tuple[str, tuple[str, list]]:
    """The same road the other way: stops reversed, each offset measured from the far end."""
    total = shape[-1][1]
    back = [(stop, total - minutes) for stop, minutes in reversed(shape)]
    return "-".join(reversed(code.split("-"))), (" - ".join(reversed(name.split(" - "))), back)


ROUTES = {**_OUTBOUND, **dict(_return_route(code, *spec) for code, spec in _OUTBOUND.items())}
# Standard one-way fares in KES (major units), the same both ways.
FARES_KES = {
    ("NBO", "NVS"): 500, ("NBO", "NKR"): 800, ("NBO", "ELD"): 1500, ("NVS", "NKR"): 400,
    ("NVS", "ELD"): 1100, ("NKR", "ELD"): 800, ("NBO", "KSM"): 1400, ("NKR", "KSM"): 900,
    ("NBO", "MSA"): 1600,
}
CLASS_PERCENT = {"standard": 100, "student": 80, "reduced": 50}
VEHICLES = [
    ("KDA 001A", "Scania Touring 44", 44), ("KDB 002B", "Yutong 49", 49), ("KDC 003C", "Scania Touring 44", 44),
    ("KDD 004D", "Yutong 49", 49), ("KDE 005E", "Scania Touring 44", 44),
]
# Each coach's day, every day: (route code, local departure at the first stop), in order.
VEHICLE_CYCLES = {
    "KDA 001A": [("NBO-ELD", "07:00"), ("ELD-NBO", "14:30")],  # 13:00 in Eldoret, home 20:30
    "KDC 003C": [("ELD-NBO", "07:00"), ("NBO-ELD", "14:30")],  # sleeps in Eldoret
    "KDB 002B": [("NBO-KSM", "06:30"), ("KSM-NBO", "15:00")],  # 13:30 in Kisumu, home 22:00
    "KDD 004D": [("MSA-NBO", "07:00"), ("NBO-MSA", "21:00")],  # night bus down, day bus up
    "KDE 005E": [("NBO-MSA", "08:00"), ("MSA-NBO", "22:00")],  # day bus down, night bus up
}
# route code, vehicle registration, local departure at the first stop (daily)
TIMETABLES = [(route, registration, hhmm) for registration, cycle in VEHICLE_CYCLES.items()
              for route, hhmm in cycle]
USERS = [  # phone, role, name, belongs to the carrier
    ("+254700000001", "carrier_admin", "Amina Admin", True),
    ("+254700000002", "driver", "Daudi Driver", True),
    ("+254700000009", "platform_admin", "Pendo Platform", False),
    ("+254700000010", "agent", "Kioko Agent", True),
    ("+254711000111", "passenger", "Wanjiku Passenger", False),
]
# Drivers besides the demo driver above (printed by seed-demo as driver_2..).
MORE_DRIVERS = [
    ("+254700000003", "Esther Driver"), ("+254700000004", "Faraji Driver"), ("+254700000005", "Gitau Driver"),
    ("+254700000006", "Halima Driver"), ("+254700000007", "Imani Driver"), ("+254700000008", "Jabali Driver"),
]
# Takes the demo driver's duty trips that the demo shuttle overlaps (see ``_demo_shuttle``).
RELIEF_DRIVER = ("+254700000011", "Lela Relief Driver")
# The demo shuttle: whatever the hour, the demo driver has a trip boarding now that leaves
# within two hours, so /scan and /counter work at once. Its own short route and coach.
SHUTTLE_ROUTE = ("NBO-NVS-DEMO", "Nairobi - Naivasha (demo shuttle)", [("NBO", 0), ("NVS", 90)])
SHUTTLE_VEHICLE = ("KDF 006F", "Demo shuttle 14", 14)
SHUTTLE_LEAD = timedelta(minutes=60)  # leaves at least this long after the seed ran
PLAN = {  # what each printed role does, in the order printed
    "carrier_admin": "carrier admin: /carrier, staff and manifests (API), trips",
    "driver": "demo driver: /scan (the demo shuttle boards now)",
    "agent": "counter agent: /counter",
    "passenger": "passenger: /dev/phone (USSD *384*1234#, SMS), the API",
    "platform_admin": "platform admin: every carrier, role grants",
}
# phone: [(route code, local departure, days)] with days "all", "even" or "odd" (parity of
# the local departure date's ordinal). A Mombasa driver goes down one day and comes back
# the next, so two drivers share each pair of departures.
DRIVER_DUTIES = {
    "+254700000002": [("NBO-ELD", "07:00", "all"), ("ELD-NBO", "14:30", "all")],
    "+254700000003": [("ELD-NBO", "07:00", "all"), ("NBO-ELD", "14:30", "all")],
    "+254700000004": [("NBO-KSM", "06:30", "all"), ("KSM-NBO", "15:00", "all")],
    "+254700000005": [("NBO-MSA", "21:00", "even"), ("MSA-NBO", "22:00", "odd")],
    "+254700000006": [("NBO-MSA", "21:00", "odd"), ("MSA-NBO", "22:00", "even")],
    "+254700000007": [("NBO-MSA", "08:00", "even"), ("MSA-NBO", "07:00", "odd")],
    "+254700000008": [("NBO-MSA", "08:00", "odd"), ("MSA-NBO", "07:00", "even")],
}


def _on_duty(days: str, day: date) -> bool:
    return days == "all" or (day.toordinal() % 2 == 0) == (days == "even")


def duty_driver(route_code: str, local_departure: datetime) -> str | None:
    """Phone of the driver whose duty covers this departure (local time at the first stop)."""
    hhmm = local_departure.strftime("%H:%M")
    for phone, duties in DRIVER_DUTIES.items():
        for route, at, days in duties:
            if (route, at) == (route_code, hhmm) and _on_duty(days, local_departure.date()):
                return phone
    return None


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
    """Create or complete the demo as one unit of work; returns the users' phones by role."""
    now = now or utcnow()
    return unit_of_work(lambda: _seed(now))


def _seed(now: datetime) -> dict:
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
                kes = FARES_KES.get((origin, destination)) or FARES_KES[(destination, origin)]
                for fare_class, percent in CLASS_PERCENT.items():
                    _get_or_add(
                        Fare, {"carrier_id": carrier.id, "currency": "KES",
                               "amount": kes * 100 * percent // 100},
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
    drivers = {users["driver"].phone: users["driver"]}
    for n, (phone, name) in enumerate(MORE_DRIVERS, start=2):
        drivers[phone] = users[f"driver_{n}"] = _get_or_add(
            User, {"role": "driver", "name": name, "carrier_id": carrier.id}, phone=phone)
    code_of = {route.id: code for code, route in routes.items()}
    for trip in db.session.scalars(select(Trip).where(
        Trip.carrier_id == carrier.id, Trip.departure_at >= now - timedelta(days=1),
        Trip.departure_at < now + timedelta(days=WINDOW_DAYS + 1),
    )):
        phone = duty_driver(code_of.get(trip.route_id, ""), trip.departure_local)
        if phone is not None and 0 <= (trip.departure_local.date() - today).days < WINDOW_DAYS:
            if not db.session.scalar(select(func.count()).where(TripDriver.trip_id == trip.id)):
                db.session.add(TripDriver(trip_id=trip.id, user_id=drivers[phone].id))  # (or the relief's)
    db.session.flush()
    relief = _get_or_add(User, {"role": "driver", "name": RELIEF_DRIVER[1], "carrier_id": carrier.id},
                         phone=RELIEF_DRIVER[0])
    _demo_shuttle(now, carrier, stops, users["driver"], relief)
    return {role: user.phone for role, user in users.items()}


def _ceil_quarter(moment: datetime) -> datetime:
    moment = moment.replace(second=0, microsecond=0)
    return moment + timedelta(minutes=-moment.minute % 15)


def _demo_shuttle(now: datetime, carrier: Carrier, stops: dict, driver: User, relief: User) -> Trip:
    """A shuttle the demo driver drives, boarding now and leaving 60 to 120 minutes from ``now``.

    Reused while one still leaves more than 15 minutes from now and within two hours
    (a second run changes nothing); else the next one leaves at the next quarter hour an
    hour ahead, after the last shuttle is back. The demo driver's duty trips it overlaps
    go to the relief driver, so nobody is on two trips at once.
    """
    code, name, shape = SHUTTLE_ROUTE
    route = db.session.scalar(select(Route).filter_by(carrier_id=carrier.id, code=code))
    if route is None:
        route = Route(carrier_id=carrier.id, code=code, name=name, stops=[
            RouteStop(stop_id=stops[s].id, position=i, minutes_from_start=m) for i, (s, m) in enumerate(shape)])
        db.session.add(route)
        db.session.flush()
    for fare_class, percent in CLASS_PERCENT.items():
        _get_or_add(Fare, {"carrier_id": carrier.id, "currency": "KES",
                           "amount": FARES_KES[("NBO", "NVS")] * percent}, route_id=route.id,
                    origin_stop_id=stops["NBO"].id, destination_stop_id=stops["NVS"].id, fare_class=fare_class)
    registration, vehicle_name, seats = SHUTTLE_VEHICLE
    vehicle = _get_or_add(Vehicle, {"name": vehicle_name, "seat_layout": seat_labels(seats), "seat_count": seats},
                          carrier_id=carrier.id, registration=registration)
    live = select(Trip).where(Trip.route_id == route.id, Trip.status.in_(("scheduled", "boarding")))
    trip = db.session.scalar(live.where(Trip.departure_at > now + timedelta(minutes=15),
                                        Trip.departure_at <= now + timedelta(hours=2)).order_by(Trip.departure_at))
    if trip is None:
        last_back = db.session.scalar(select(func.max(Trip.arrival_at)).where(
            Trip.vehicle_id == vehicle.id, Trip.status != "cancelled"))
        start = _ceil_quarter(max(now + SHUTTLE_LEAD, last_back or now))
        trip = new_trip(route, vehicle, start)
        refuse_vehicle_clash(vehicle.id, trip.departure_at, trip.arrival_at)
        db.session.add(trip)
        db.session.flush()
    for link in db.session.scalars(select(TripDriver).join(Trip, Trip.id == TripDriver.trip_id).where(
            TripDriver.user_id == driver.id, Trip.id != trip.id, Trip.status != "cancelled",
            Trip.departure_at < trip.arrival_at, Trip.arrival_at > trip.departure_at)):
        link.user_id = relief.id  # the relief driver takes the duty trip the shuttle overlaps
    db.session.flush()
    _get_or_add(TripDriver, trip_id=trip.id, user_id=driver.id)
    return trip


def demo_shuttle_now(now: datetime | None = None) -> Trip | None:
    """The next demo shuttle still to leave (what ``seed-demo`` prints)."""
    now = now or utcnow()
    return db.session.scalar(select(Trip).join(Route, Route.id == Trip.route_id).where(
        Route.code == SHUTTLE_ROUTE[0], Trip.departure_at > now, Trip.status.in_(("scheduled", "boarding")))
        .order_by(Trip.departure_at))


def demo_numbers() -> list[tuple[str, str]]:
    """(phone, what it does) for each demo role, in ``PLAN`` order: the start page lists them."""
    phones = {role: phone for phone, role, _name, _scoped in USERS}
    return [(phones[role], what) for role, what in PLAN.items()]


def demo_counts() -> dict[str, int]:
    """Row counts of the demo's tables (what "idempotent" is checked against)."""
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Carrier, Stop, Route, RouteStop, Vehicle, Timetable, Trip, Fare, TripDriver, User)}


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Load the Kenyan demo catalog and users (idempotent; extends the window to 7 days ahead)."""
        phones = seed_demo()
        counts = demo_counts()
        click.echo(f"Demo carrier 'Safiri Coaches': {counts['trips']} trips, {counts['fares']} fares.")
        click.echo("Sign in with any of these numbers; the code arrives in /dev/phone and /dev/outbox.")
        for role, phone in phones.items():
            click.echo(f"  {role:15} {phone}  {PLAN.get(role, 'another driver: /scan')}")
        click.echo(f"  {'relief driver':15} {RELIEF_DRIVER[0]}  takes duty trips the demo shuttle overlaps")
        shuttle = demo_shuttle_now()
        if shuttle is not None:
            click.echo(f"Demo shuttle (trip {shuttle.id}, {shuttle.route.name}) leaves at "
                       f"{shuttle.departure_local:%H:%M} Nairobi time, driver {phones['driver']}; boarding is open.")
