"""Pricing benchmark (run by hand): what price rules cost search and the quote.

    DATABASE_URL=sqlite:////tmp/bench_pricing.sqlite3 .venv/bin/python bench/bench_pricing.py [--rules 20] [-n 200]

In process, test client, a fresh database at ``DATABASE_URL`` (SQLite file or a PostgreSQL
database you can throw away: every table is dropped first). Seeds 30 trips on one day with
fares, then times ``GET /trips/search`` (30 offers) and ``GET /trips/{id}/quote`` with no
rule and with ``--rules`` rules (every kind of condition), and prints SQL statements per
request and p50/p95 ms.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from app import create_app  # noqa: E402
from app.catalog.pricerules.models import PriceRule  # noqa: E402
from app.extensions import db  # noqa: E402
from tests import factories  # noqa: E402


def seed(n_trips: int):
    world = factories.build_world(seats=49)
    for i in range(1, n_trips):
        factories.make_trip(world.route, world.vehicle, world.trip.departure_at + timedelta(minutes=20 * i))
    db.session.commit()
    return world


def add_rules(world, count: int) -> None:
    kinds = [{"change_percent": 10, "hour_from": 6, "hour_until": 10}, {"change_amount": 2000, "weekdays": [5, 6]},
             {"change_percent": -5, "min_days_before": 30}, {"change_percent": 15, "max_days_before": 1},
             {"change_percent": 25, "min_load_percent": 80}]
    for i in range(count):
        db.session.add(PriceRule(carrier_id=world.carrier.id, name=f"rule {i}", priority=i,
                                 floor_amount=1000, **kinds[i % len(kinds)]))
    db.session.commit()


def measure(client, url, n, statements):
    times, counts = [], []
    for _ in range(n):
        statements.clear()
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        counts.append(len(statements))
        assert response.status_code == 200, response.json
    times.sort()
    return statistics.median(counts), statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rules", type=int, default=20)
    parser.add_argument("-n", type=int, default=200)
    args = parser.parse_args()
    app = create_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
        world = seed(30)
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        client = app.test_client()
        day = world.trip.departure_at.astimezone(factories.NAIROBI).date()
        search = f"/api/v1/trips/search?origin=Nairobi&destination=Nakuru&date={day}"
        quote = f"/api/v1/trips/{world.trip.id}/quote?origin_stop_id={world.nairobi.id}" \
                f"&destination_stop_id={world.nakuru.id}&passengers=2"
        for label, rules in (("no rule", 0), (f"{args.rules} rules", args.rules)):
            add_rules(world, rules)
            for name, url in (("search (30 offers)", search), ("quote", quote)):
                sql, p50, p95 = measure(client, url, args.n, statements)
                print(f"{label:10} {name:20} SQL {sql:3.0f}  p50 {p50:6.2f} ms  p95 {p95:6.2f} ms")


if __name__ == "__main__":
    main()
