"""A national bus network for the search benchmark: carriers, stops, routes, fares, trips, holds.

    .venv/bin/python bench/gen_network.py --url postgresql+psycopg://...   # (bench_search.py calls it)

Default size (``Size()``): 50 carriers, 500 stops in 100 towns (every carrier serves 10 towns,
so a town is served by ~5 carriers and a search crosses carriers), 4 routes of 5 stops per
carrier (200 routes, 2,000 fares of two classes), 1,000 trips a day (5 per route, 06:00 to
18:00 Nairobi time) for ``days_back`` days before today and ``days_ahead`` days from today,
and on tomorrow's trips 2 seats sold each (orders, converted holds and their seat
segments), so those tables are not empty when their plans are read. Core ``INSERT``s of plain rows: a few seconds on
PostgreSQL. ``pairs()`` lists (from, to) towns one can actually travel between.

It writes through the models' tables, so a change of schema that breaks it shows in the
suite (``tests/test_bench_smoke.py`` runs ``bench_search.py --smoke``), not weeks later.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from app import create_app  # noqa: E402
from app.auth.models import User  # noqa: E402
from app.booking.models import Order, SeatHold, SeatSegment  # noqa: E402
from app.catalog.models import Carrier, Fare, Route, RouteStop, Stop, Trip, Vehicle, fold  # noqa: E402
from app.database import utcnow  # noqa: E402
from app.extensions import db  # noqa: E402

NAIROBI = ZoneInfo("Africa/Nairobi")
HOURS = (6, 9, 12, 15, 18)  # local departures of each route, every day
STOPS_PER_ROUTE = 5
LEG_MINUTES = 60


@dataclass(frozen=True)
class Size:
    carriers: int = 50
    towns: int = 100
    stops_per_carrier: int = 10  # 50 x 10 = 500 stops
    routes_per_carrier: int = 4
    days_back: int = 3
    days_ahead: int = 10

    @property
    def trips_per_day(self) -> int:
        return self.carriers * self.routes_per_carrier * len(HOURS)


SMOKE = Size(carriers=3, towns=8, stops_per_carrier=5, routes_per_carrier=1, days_back=1, days_ahead=2)


def town(i: int) -> str:
    return f"Town{i:03d}"


def _town_of(size: Size, carrier: int, k: int) -> int:
    return (carrier * 7 + k * 11) % size.towns


def _route_stops(size: Size, r: int) -> list[int]:
    return [(r * 2 + j) % size.stops_per_carrier for j in range(STOPS_PER_ROUTE)]


def pairs(size: Size) -> list[tuple[str, str]]:
    """(origin town, destination town) pairs some route serves in that order."""
    found = set()
    for c in range(size.carriers):
        for r in range(size.routes_per_carrier):
            stops = _route_stops(size, r)
            for i in range(len(stops)):
                for j in range(i + 1, len(stops)):
                    a, b = _town_of(size, c, stops[i]), _town_of(size, c, stops[j])
                    if a != b:
                        found.add((town(a), town(b)))
    return sorted(found)


def generate(size: Size = Size()) -> dict:
    """Fill the app's (empty, created) database; counts of what was written."""
    now = utcnow()
    session = db.session
    session.execute(insert(Carrier), [{"name": f"Carrier {c:02d}", "slug": f"carrier-{c:02d}"}
                                      for c in range(size.carriers)])
    carriers = list(session.scalars(select(Carrier.id).order_by(Carrier.id)))
    stop_rows = []
    for c, carrier_id in enumerate(carriers):
        for k in range(size.stops_per_carrier):
            name = f"{town(_town_of(size, c, k))} C{c:02d}"
            city = town(_town_of(size, c, k))
            stop_rows.append({"carrier_id": carrier_id, "code": f"S{k:02d}", "name": name, "city": city,
                              "name_key": fold(name), "city_key": fold(city), "timezone": "Africa/Nairobi"})
    session.execute(insert(Stop), stop_rows)
    stops = {(cid, code): sid for sid, cid, code in session.execute(select(Stop.id, Stop.carrier_id, Stop.code))}
    layout = [f"{row}{seat}" for row in range(1, 11) for seat in "ABCD"]
    # One coach per route and departure hour: it runs once a day, so no two of its trips
    # overlap (PostgreSQL's exclusion constraint refuses a coach on two trips at once).
    session.execute(insert(Vehicle), [
        {"carrier_id": cid, "registration": f"K{c:03d}R{r}H{hour:02d}", "seat_layout": layout, "seat_count": len(layout)}
        for c, cid in enumerate(carriers) for r in range(size.routes_per_carrier) for hour in HOURS])
    vehicles = {(cid, registration): vid for vid, cid, registration
                in session.execute(select(Vehicle.id, Vehicle.carrier_id, Vehicle.registration))}
    session.execute(insert(Route), [{"carrier_id": cid, "code": f"R{r}", "name": f"Route {r}"}
                                    for cid in carriers for r in range(size.routes_per_carrier)])
    routes = {(cid, code): rid for rid, cid, code in session.execute(select(Route.id, Route.carrier_id, Route.code))}
    route_stop_rows, fare_rows, trip_rows = [], [], []
    first_day = now.astimezone(NAIROBI).date() - timedelta(days=size.days_back)
    for c, cid in enumerate(carriers):
        for r in range(size.routes_per_carrier):
            route_id = routes[(cid, f"R{r}")]
            stop_ids = [stops[(cid, f"S{k:02d}")] for k in _route_stops(size, r)]
            for position, stop_id in enumerate(stop_ids):
                route_stop_rows.append({"route_id": route_id, "stop_id": stop_id, "position": position,
                                        "minutes_from_start": position * LEG_MINUTES})
            for i in range(len(stop_ids)):
                for j in range(i + 1, len(stop_ids)):
                    for fare_class, share in (("standard", 100), ("student", 80)):
                        fare_rows.append({"carrier_id": cid, "route_id": route_id, "origin_stop_id": stop_ids[i],
                                          "destination_stop_id": stop_ids[j], "fare_class": fare_class,
                                          "amount": (j - i) * 500 * share, "currency": "KES"})
            for d in range(size.days_back + size.days_ahead):
                day = first_day + timedelta(days=d)
                for hour in HOURS:
                    departs = datetime.combine(day, time(hour), tzinfo=NAIROBI)
                    trip_rows.append({"carrier_id": cid, "route_id": route_id, "vehicle_id": vehicles[(cid, f"K{c:03d}R{r}H{hour:02d}")],
                                      "departure_at": departs, "status": "scheduled",
                                      "arrival_at": departs + timedelta(minutes=LEG_MINUTES * STOPS_PER_ROUTE)})
    session.execute(insert(RouteStop), route_stop_rows)
    session.execute(insert(Fare), fare_rows)
    session.execute(insert(Trip), trip_rows)
    sold = _sell_tomorrow(size, now)
    session.commit()
    return {"carriers": len(carriers), "stops": len(stop_rows), "routes": len(routes), "fares": len(fare_rows),
            "trips": len(trip_rows), "trips_per_day": size.trips_per_day, "seats_sold": sold}


def _sell_tomorrow(size: Size, now) -> int:
    """Two seats sold on each of tomorrow's trips (an order and two converted holds each)."""
    session = db.session
    session.execute(insert(User), [{"phone": "+254799000001", "role": "passenger", "language": "en"}])
    user_id = session.scalar(select(User.id))
    tomorrow = now.astimezone(NAIROBI).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(0), tzinfo=NAIROBI)
    trips = session.execute(select(Trip.id, Trip.route_id).where(
        Trip.departure_at >= start, Trip.departure_at < start + timedelta(days=1))).all()
    first_stop = dict(session.execute(select(RouteStop.route_id, RouteStop.stop_id).where(RouteStop.position == 0)).all())
    last_stop = dict(session.execute(select(RouteStop.route_id, RouteStop.stop_id)
                                     .where(RouteStop.position == STOPS_PER_ROUTE - 1)).all())
    session.execute(insert(Order), [
        {"code": f"GEN{trip_id:07d}", "user_id": user_id, "trip_id": trip_id, "origin_stop_id": first_stop[route_id],
         "destination_stop_id": last_stop[route_id], "currency": "KES", "total_amount": 400000, "status": "paid",
         "channel": "api", "hold_expires_at": now, "paid_at": now, "created_at": now}
        for trip_id, route_id in trips])
    orders = dict(session.execute(select(Order.trip_id, Order.id).where(Order.code.like("GEN%"))).all())
    session.execute(insert(SeatHold), [
        {"trip_id": trip_id, "seat": seat, "order_id": orders[trip_id], "status": "converted", "expires_at": now,
         "created_at": now} for trip_id, _ in trips for seat in ("1A", "1B")])
    # The seats' legs: first stop to terminus, every segment (app.booking.models.SeatSegment).
    session.execute(insert(SeatSegment), [
        {"trip_id": trip_id, "segment": segment, "seat": seat, "order_id": orders[trip_id]}
        for trip_id, _ in trips for seat in ("1A", "1B") for segment in range(STOPS_PER_ROUTE - 1)])
    return 2 * len(trips)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="an empty database (its tables are created)")
    parser.add_argument("--smoke", action="store_true", help="a tiny network")
    args = parser.parse_args()
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url})
    with app.app_context():
        db.create_all()
        print(generate(SMOKE if args.smoke else Size()))


if __name__ == "__main__":
    main()
