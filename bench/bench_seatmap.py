"""Leg availability benchmark (run by hand): the seat map of a full 6-stop, 49-seat trip on PostgreSQL.

    .venv/bin/python bench/bench_seatmap.py                 # 2,000 busy trips around it, 1,000 runs
    .venv/bin/python bench/bench_seatmap.py --trips 200 --runs 300
    .venv/bin/python bench/bench_seatmap.py --smoke --url ...   # tiny data: checks, no targets

Builds a throwaway database (its name starts with ``safiri_bench``): one carrier, a route
of 6 stops, ``--trips`` background trips whose 49 seats are sold end to end (written in
bulk: 245 segment rows each, so the index is not a toy), and the measured trip, filled
through the real ``create_order``: every seat cut into random consecutive legs and each
leg booked with that seat named, half of them then marked sold. Then, warm, for the 15
legs of the route in turn:
- ``seat_map()``: ``app.booking.seatmap.seat_map`` on a loaded trip (one query), what the
  counter calls;
- ``use case``: ``app.sales.seats.leg_seat_map`` (loads the trip, checks it, the map);
- ``HTTP``: ``GET /api/v1/trips/{id}/seats`` with the test client (routing, schema, JSON).
p50/p95/p99 in ms, and ``EXPLAIN (ANALYZE, BUFFERS)`` of the seat-map query.
Always checked (also in ``--smoke``): every leg of the full trip shows no free seat, the
map agrees with a hand-written SQL count, and a seat whose leg is released shows free on
that leg only; exit 1 otherwise. Target (reported, not enforced): HTTP p95 < 10 ms.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, text, update

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from app.auth.models import User  # noqa: E402
from app.booking.availability import _live, _on_leg  # noqa: E402
from app.booking.models import SeatHold, SeatSegment  # noqa: E402
from app.booking.seatmap import seat_map  # noqa: E402
from app.booking.service import create_order, load_trip, release_order  # noqa: E402
from app.catalog.models import Carrier, Fare, Route, RouteStop, Stop, Trip, Vehicle  # noqa: E402
from app.catalog.seed import seat_labels  # noqa: E402
from app.database import utcnow  # noqa: E402
from app.extensions import db, unit_of_work  # noqa: E402
from app.sales.seats import leg_seat_map  # noqa: E402
from bench.gen_ledger import bench_app, recreate_database  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/safiri_bench_seats"
STOPS, SEATS = 6, 49
BACKGROUND = """
WITH sold AS (
  INSERT INTO orders (code, user_id, trip_id, origin_stop_id, destination_stop_id, currency, total_amount,
                      refunded_amount, status, channel, hold_expires_at, created_at)
  SELECT 'B' || t.id || 'S' || s, :user_id, t.id, :origin, :destination, 'KES', 1000, 0, 'paid', 'api', now(), now()
  FROM trips t CROSS JOIN generate_series(1, :seats) s WHERE t.id <> :trip_id
  RETURNING id, trip_id, code),
holds AS (
  INSERT INTO seat_holds (trip_id, seat, order_id, status, expires_at, created_at)
  SELECT trip_id, (CAST(:labels AS text[]))[CAST(split_part(code, 'S', 2) AS int)], id, 'converted', now(), now()
  FROM sold RETURNING trip_id, seat, order_id)
INSERT INTO seat_segments (trip_id, segment, seat, order_id)
SELECT trip_id, p, seat, order_id FROM holds CROSS JOIN generate_series(0, :last_segment) p
"""


def build(url: str, trips: int, seed: int) -> int:
    """The database and its data; returns the measured trip's id."""
    recreate_database(url)
    app = bench_app(url)
    with app.app_context():
        db.create_all()
        carrier = Carrier(name="Bench Coaches", slug="bench")
        db.session.add(carrier)
        db.session.flush()
        stops = [Stop(carrier_id=carrier.id, name=f"Town {n}", city=f"Town {n}", code=f"T{n}") for n in range(STOPS)]
        db.session.add_all(stops)
        db.session.flush()
        route = Route(carrier_id=carrier.id, code="SIX", name="Six towns",
                      stops=[RouteStop(stop_id=s.id, position=n, minutes_from_start=60 * n) for n, s in enumerate(stops)])
        vehicle = Vehicle(carrier_id=carrier.id, registration="KBN 049X", seat_layout=seat_labels(SEATS), seat_count=SEATS)
        user = User(phone="+254700999000", role="passenger")
        db.session.add_all([route, vehicle, user])
        db.session.flush()
        db.session.add_all(Fare(carrier_id=carrier.id, route_id=route.id, origin_stop_id=stops[a].id,
                                destination_stop_id=stops[b].id, amount=10000 * (b - a))
                           for a in range(STOPS) for b in range(a + 1, STOPS))
        start = utcnow().replace(microsecond=0) + timedelta(days=1)
        db.session.add_all(Trip(carrier_id=carrier.id, route_id=route.id, vehicle_id=vehicle.id,
                                departure_at=start + timedelta(minutes=10 * n),
                                arrival_at=start + timedelta(minutes=10 * n + 300)) for n in range(trips + 1))
        db.session.commit()
        trip_id = db.session.scalar(select(Trip.id).order_by(Trip.id).limit(1))
        db.session.execute(text(BACKGROUND), {
            "user_id": user.id, "origin": stops[0].id, "destination": stops[-1].id, "seats": SEATS, "trip_id": trip_id,
            "labels": vehicle.seat_layout, "last_segment": STOPS - 2})
        db.session.commit()
        pick = random.Random(seed)
        for seat in vehicle.seat_layout:  # every seat cut into random consecutive legs, each booked by name
            cuts = sorted(pick.sample(range(1, STOPS - 1), pick.randint(0, 3)))
            bounds = [0, *cuts, STOPS - 1]
            for a, b in zip(bounds, bounds[1:]):
                order = unit_of_work(lambda: create_order(
                    user, trip_id=trip_id, origin_stop_id=stops[a].id, destination_stop_id=stops[b].id,
                    passengers=[{"fare_class": "standard", "seat": seat}]))
                if pick.random() < 0.5:  # sold (the bench only: a payment is not what is measured)
                    db.session.execute(update(SeatHold).where(SeatHold.order_id == order.id).values(status="converted"))
                    db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return trip_id


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    pick = [ordered[min(len(ordered) - 1, int(q * len(ordered)))] for q in (0.5, 0.95, 0.99)]
    return f"p50 {pick[0]:6.2f}  p95 {pick[1]:6.2f}  p99 {pick[2]:6.2f}  (mean {statistics.mean(ordered):.2f}) ms"


def timed(fn, runs: int) -> list[float]:
    fn()  # warm
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def check(trip_id: int, legs: list[tuple[int, int]], stops: list[int], client) -> list[str]:
    """The map against plain SQL on every leg, and a released leg shows free there only."""
    failures = []
    trip = load_trip(trip_id, vehicle=True)
    for a, b in legs:
        body = seat_map(trip, stops[a], stops[b])
        plain = db.session.scalar(text(
            "SELECT count(DISTINCT seat) FROM seat_segments WHERE trip_id = :t AND segment >= :a AND segment < :b"),
            {"t": trip_id, "a": a, "b": b})
        if body["free"] != 0 or SEATS - body["free"] != plain:
            failures.append(f"leg {a}->{b}: {body['free']} free, plain SQL says {SEATS - plain}")
    segment = db.session.execute(select(SeatSegment).where(SeatSegment.trip_id == trip_id)
                                 .join(SeatHold, _live(utcnow())).where(SeatHold.status == "held").limit(1)).scalar()
    if segment is None:
        return failures + ["no held seat on the full trip to release"]
    seat, order_id = segment.seat, segment.order_id
    user = db.session.scalar(select(User).limit(1))  # the one passenger who booked every leg
    unit_of_work(lambda: release_order(user, order_id))
    still = set(db.session.scalars(select(SeatSegment.segment).where(
        SeatSegment.trip_id == trip_id, SeatSegment.seat == seat)))
    for a, b in legs:
        status = {s["label"]: s["status"] for s in client.get(
            f"/api/v1/trips/{trip_id}/seats?origin_stop_id={stops[a]}&destination_stop_id={stops[b]}").json["seats"]}
        if (status[seat] == "free") != (not still & set(range(a, b))):
            failures.append(f"leg {a}->{b}: seat {seat} is {status[seat]} after order {order_id} was released")
    return failures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--trips", type=int, default=2000, help="background trips, every seat sold")
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--smoke", action="store_true", help="tiny data: 5 background trips, 30 runs")
    args = parser.parse_args(argv)
    if args.smoke:
        args.trips, args.runs = 5, 30
    started = time.perf_counter()
    trip_id = build(args.url, args.trips, args.seed)
    print(f"built in {time.perf_counter() - started:.1f} s: {args.trips} background trips + trip {trip_id}")
    app = bench_app(args.url)
    with app.app_context():
        trip = load_trip(trip_id, vehicle=True)
        stops = [rs.stop_id for rs in trip.route.stops]
        legs = [(a, b) for a in range(STOPS) for b in range(a + 1, STOPS)]
        rows = db.session.scalar(select(db.func.count()).select_from(SeatSegment))
        print(f"seat_segments rows: {rows}; measured trip: {SEATS} seats x {STOPS - 1} segments, full")
        client = app.test_client()
        turn = iter(range(10**9))

        def leg():
            a, b = legs[next(turn) % len(legs)]
            return stops[a], stops[b]

        results = {
            "seat_map() on a loaded trip": timed(lambda: seat_map(trip, *leg()), args.runs),
            "use case leg_seat_map": timed(lambda: (db.session.expire_all(), leg_seat_map(trip_id, *leg())), args.runs),
        }

        def http():
            o, d = leg()
            resp = client.get(f"/api/v1/trips/{trip_id}/seats?origin_stop_id={o}&destination_stop_id={d}")
            if resp.status_code != 200:
                raise SystemExit(f"FAIL HTTP {resp.status_code}: {resp.get_data(as_text=True)}")

        results["HTTP GET .../seats"] = timed(http, args.runs)
        db.session.rollback()
        for label, samples in results.items():
            print(f"  {label:30s} {percentiles(samples)}")
        p95 = sorted(results["HTTP GET .../seats"])[int(0.95 * args.runs)]
        print(f"target HTTP p95 < 10 ms: {'met' if p95 < 10 else 'NOT met'} ({p95:.2f} ms)")

        query = (select(SeatSegment.seat, SeatHold.status).join(SeatHold, _live(utcnow()))
                 .where(_on_leg(trip_id, (1, 4))))
        sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        print("EXPLAIN (ANALYZE, BUFFERS) of the seat-map query, leg 1->4:")
        for (line,) in db.session.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql)):
            print("   ", line)
        db.session.rollback()
        failures = check(trip_id, legs, stops, client)
    for failure in failures:
        print("FAIL", failure)
    print("ok   every leg of the full trip: no free seat, equal to plain SQL; a released leg frees only itself"
          if not failures else f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
