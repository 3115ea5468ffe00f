"""Purchase benchmark (run by hand): hold -> pay with wallet -> ticket, against a bare insert.

    .venv/bin/python bench/bench_purchase.py [--pg postgresql://postgres@127.0.0.1:5432/postgres]
        [--seconds 20] [--threads 8] [--workers 2]

It creates a throwaway PostgreSQL database, seeds trips and funded passengers, starts
gunicorn (``--workers``) on 127.0.0.1 serving the real app plus one bench-only endpoint
(``POST /bench/bare``: one INSERT, mounted by ``bench_app()`` below, never in the product),
then drives both from ``--threads`` client threads for bounded time and prints purchases
per second and p50/p99 of each step next to the bare request. Loopback only.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def bench_app():
    """gunicorn factory: the product app plus the bare endpoint (bench only)."""
    from flask import jsonify
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db

    app = create_app({"RATELIMIT_ENABLED": False})

    @app.post("/bench/bare")
    def bare():
        db.session.execute(text("INSERT INTO bench_pings (created_at) VALUES (now())"))
        db.session.commit()
        return jsonify(ok=True), 201

    return app


def seed(n_users: int, n_trips: int, seats: int) -> tuple[list[str], list[dict]]:
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db
    from app.ledger.service import Leg, post
    from tests import factories

    app = create_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        db.create_all()
        db.session.execute(text("CREATE TABLE IF NOT EXISTS bench_pings (id serial primary key, created_at timestamptz)"))
        world = factories.build_world(seats=seats)
        trips = [world.trip]
        for i in range(1, n_trips):
            trips.append(factories.make_trip(world.route, world.vehicle, world.trip.departure_at + timedelta(hours=i)))
        users = [factories.make_user() for _ in range(n_users)]
        db.session.flush()
        for u in users:
            post("topup", f"bench-fund-{u.id}", [Leg("provider_clearing:sandbox", -10**10, "KES"),
                                                 Leg(f"wallet:{u.id}", 10**10, "KES")])
        db.session.commit()
        tokens = [factories.auth_headers(u)["Authorization"] for u in users]
        bodies = [{"trip_id": t.id, "origin_stop_id": world.nairobi.id, "destination_stop_id": world.eldoret.id,
                   "passengers": [{"fare_class": "standard"}]} for t in trips]
    return tokens, bodies


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def drive(base: str, seconds: float, threads: int, work) -> tuple[int, dict[str, list[float]], int]:
    import requests

    stop = time.monotonic() + seconds
    lat: dict[str, list[float]] = {}
    done = [0]
    errors = [0]
    lock = threading.Lock()

    def loop(idx: int):
        session = requests.Session()
        local: dict[str, list[float]] = {}
        n = e = 0
        for i in range(1_000_000):  # bounded
            if time.monotonic() >= stop:
                break
            ok = work(session, base, idx, i, local)
            n += ok
            e += not ok
        with lock:
            done[0] += n
            errors[0] += e
            for k, v in local.items():
                lat.setdefault(k, []).extend(v)

    ts = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return done[0], lat, errors[0]


def timed(local, name, fn):
    t0 = time.perf_counter()
    resp = fn()
    local.setdefault(name, []).append(time.perf_counter() - t0)
    return resp


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=5099)
    args = parser.parse_args()

    import psycopg

    name = f"safiri_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db_url = args.pg.rsplit("/", 1)[0] + f"/{name}"
    env = dict(os.environ, DATABASE_URL=db_url, APP_ENV="development", SECRET_KEY="bench-secret-key-long-enough-0123456789",
               REDIS_URL="", CHANNEL_TOKEN="bench", PLATFORM_FEE_BPS="500")
    os.environ.update(env)
    server = None
    try:
        tokens, bodies = seed(n_users=args.threads * 4, n_trips=40, seats=60)
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{args.port}",
             "--log-level", "warning", "bench.bench_purchase:bench_app()"], cwd=ROOT, env=env)
        base = f"http://127.0.0.1:{args.port}"
        import requests

        for _ in range(100):
            try:
                requests.get(base + "/api/openapi.json", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)

        def bare(session, base, idx, i, local):
            return timed(local, "bare insert", lambda: session.post(base + "/bench/bare", timeout=10)).status_code == 201

        def purchase(session, base, idx, i, local):
            auth = {"Authorization": tokens[(idx * 4 + i) % len(tokens)]}
            t0 = time.perf_counter()
            order = timed(local, "hold (POST /orders)", lambda: session.post(
                base + "/api/v1/orders", json=bodies[(idx + i * args.threads) % len(bodies)], headers=auth, timeout=10))
            if order.status_code != 201:
                return False
            pay = timed(local, "pay wallet + ticket", lambda: session.post(
                base + f"/api/v1/orders/{order.json()['id']}/payments", json={"method": "wallet"}, headers=auth,
                timeout=10))
            local.setdefault("full purchase", []).append(time.perf_counter() - t0)
            return pay.status_code == 202 and pay.json()["status"] == "succeeded"

        drive(base, 2, args.threads, bare)  # warm-up
        n_bare, lat_bare, e_bare = drive(base, args.seconds, args.threads, bare)
        n_buy, lat_buy, e_buy = drive(base, args.seconds, args.threads, purchase)
        print(f"\n{args.workers} gunicorn workers, {args.threads} client threads, {args.seconds:.0f}s each, PostgreSQL")
        print(f"bare insert:   {n_bare / args.seconds:8.1f} req/s   errors {e_bare}")
        print(f"purchases:     {n_buy / args.seconds:8.1f} /s      errors {e_buy}")
        print(f"{'step':24} {'p50 ms':>8} {'p99 ms':>8}")
        for name, values in list(lat_bare.items()) + list(lat_buy.items()):
            print(f"{name:24} {pct(values, 50):8.1f} {pct(values, 99):8.1f}")
        ratio = pct(lat_buy["full purchase"], 50) / pct(lat_bare["bare insert"], 50)
        print(f"full purchase p50 / bare p50 = {ratio:.2f}x (target <= 4x)")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
