"""Trip search over HTTP on a national network, against a bare answer (run by hand).

    .venv/bin/python bench/bench_search.py [--pg postgresql://postgres@127.0.0.1:5432/postgres]
        [--seconds 15] [--threads 2] [--workers 2] [--redis redis://127.0.0.1:6379/12]
    .venv/bin/python bench/bench_search.py --smoke [--url DB]  # seconds, SQLite or DB: the suite runs it

Creates a throwaway PostgreSQL database filled by ``gen_network.py`` (50 carriers, 500 stops
in 100 towns, 200 routes, 1,000 trips a day over two weeks, tomorrow's trips partly sold),
prints the plan of every statement one search runs (``EXPLAIN (ANALYZE, BUFFERS)``, cold
caches, so every statement is there) and whether any is a sequential scan of ``trips`` or
``seat_holds`` or ``seat_segments``, then starts gunicorn (``--workers``, gthread as gunicorn.conf.py says, 127.0.0.1) serving the product app
plus ``GET /bench/bare`` (a constant JSON answer, mounted by ``bench_app()``, never in the
product), and drives both from ``--threads`` client threads (one keep-alive connection
each, closed loop) for ``--seconds`` each: ``GET /api/v1/trips/search`` for a random pair of
towns some route serves, tomorrow. Prints p50/p99 and requests/s of each and the ratio
(target: search p99 <= 3x the bare p99). The database and the Redis db are emptied after.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from flask import jsonify
import psycopg
from redis import Redis
from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from app import create_app  # noqa: E402
from app.database import utcnow  # noqa: E402
from app.extensions import db  # noqa: E402
from bench.gen_network import NAIROBI, SMOKE, Size, generate, pairs  # noqa: E402

SEQ_SCANS_REFUSED = ("Seq Scan on trips", "Seq Scan on seat_holds", "Seq Scan on seat_segments")


def bench_app(extra: dict | None = None):
    """gunicorn factory: the product app plus the bare endpoint (bench only)."""
    app = create_app({"RATELIMIT_ENABLED": False, **(extra or {})})

    @app.get("/bench/bare")
    def bare():
        return jsonify([])

    return app


def tomorrow() -> str:
    return (utcnow().astimezone(NAIROBI).date() + timedelta(days=1)).isoformat()


def search_path(origin: str, destination: str, day: str) -> str:
    return "/api/v1/trips/search?" + urlencode({"origin": origin, "destination": destination, "date": day})


def check_offers(status: int, body, origin: str, destination: str) -> str | None:
    """Why an answer is not what a served pair must get (None: it is)."""
    if status != 200:
        return f"{origin}->{destination}: HTTP {status} {str(body)[:120]}"
    if not isinstance(body, list) or not body:
        return f"{origin}->{destination}: no offer for a served pair"
    for offer in body:
        if offer["origin"]["city"] != origin or offer["destination"]["city"] != destination or offer["seats_left"] < 1:
            return f"{origin}->{destination}: unexpected offer {json.dumps(offer)[:160]}"
    return None


# --- plans -------------------------------------------------------------------------------

def explain(app, origin: str, destination: str, day: str) -> bool:
    """Print each statement of one search with its plan; False when one scans trips or holds."""
    captured: list[tuple[str, object]] = []
    with app.app_context():
        engine = db.engine
    listener = lambda conn, cursor, statement, params, context, many: captured.append((statement, params))  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        answer = app.test_client().get(search_path(origin, destination, day))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    problem = check_offers(answer.status_code, answer.get_json(), origin, destination)
    if problem:
        print(f"  ! {problem}")
    ok = problem is None
    with app.app_context(), db.engine.connect() as conn:
        for statement, params in captured:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            plan = [row[0] for row in conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)]
            print("\n" + " ".join(statement.split())[:300])
            print("\n".join("    " + line for line in plan))
            for refused in SEQ_SCANS_REFUSED:
                if any(refused in line for line in plan):
                    print(f"  ! {refused}")
                    ok = False
    return ok


# --- load --------------------------------------------------------------------------------

def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000 if values else float("nan")


def drive(port: int, paths, seconds: float, threads: int) -> tuple[list[float], int, list[str]]:
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def loop(idx: int) -> None:
        rng = random.Random(idx)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        local, bad = [], []
        while time.monotonic() < stop:
            path, check = paths(rng)
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Connection": "keep-alive"})
                response = conn.getresponse()
                status, body = response.status, json.loads(response.read())
            except (http.client.HTTPException, OSError, ValueError) as exc:
                conn.close()
                status, body = 0, repr(exc)
            local.append(time.perf_counter() - t0)
            problem = check(status, body)
            if problem:
                bad.append(problem)
        with lock:
            latencies.extend(local)
            errors.extend(bad)

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return latencies, len(latencies), errors


def run(args) -> int:
    name = f"safiri_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = args.pg.replace("postgresql://", "postgresql+psycopg://", 1).rsplit("/", 1)[0] + f"/{name}"
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=args.redis, APP_ENV="development",
               SECRET_KEY="bench-secret-key-long-enough-0123456789")
    os.environ.update(env)
    server, failed = None, False
    try:
        Redis.from_url(args.redis).flushdb()
        app = bench_app()
        with app.app_context():
            db.create_all()
            t0 = time.perf_counter()
            print(f"generated {generate(Size())} in {time.perf_counter() - t0:.1f} s")
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        served, day = pairs(Size()), tomorrow()
        origin, destination = served[len(served) // 2]
        print(f"\nplans of one search ({origin} -> {destination}, {day}), cold caches:")
        failed |= not explain(app, origin, destination, day)
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{args.port}",
             "--access-logfile", "/dev/null", "--log-level", "warning", "bench.bench_search:bench_app()"],
            cwd=ROOT, env=env)
        for _ in range(150):
            try:
                http.client.HTTPConnection("127.0.0.1", args.port, timeout=1).request("GET", "/bench/bare")
                break
            except OSError:
                time.sleep(0.1)

        def searches(rng):
            o, d = rng.choice(served)
            return search_path(o, d, day), lambda status, body: check_offers(status, body, o, d)

        def bares(rng):
            return "/bench/bare", lambda status, body: None if status == 200 and body == [] else f"bare: {status}"

        drive(args.port, searches, 2, args.threads)  # warm-up: imports, pools, statement caches
        drive(args.port, bares, 1, args.threads)
        bare, n_bare, e_bare = drive(args.port, bares, args.seconds, args.threads)
        found, n_found, e_found = drive(args.port, searches, args.seconds, args.threads)
        print(f"\n{args.workers} gunicorn workers (gthread, 4 threads: gunicorn.conf.py), {args.threads} client threads, "
              f"{args.seconds:g} s each, {len(served)} served pairs, date {day}")
        print(f"{'endpoint':22} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>7}")
        for label, lat, n, errors in (("bare GET /bench/bare", bare, n_bare, e_bare),
                                      ("GET /trips/search", found, n_found, e_found)):
            print(f"{label:22} {n / args.seconds:7.1f} {pct(lat, 50):7.1f} {pct(lat, 99):7.1f} {len(errors):7d}")
            for problem in errors[:5]:
                print(f"  ! {problem}")
        ratio = pct(found, 99) / pct(bare, 99)
        print(f"search p99 / bare p99 = {ratio:.2f}x (target <= 3x); p50 ratio {pct(found, 50) / pct(bare, 50):.2f}x")
        failed |= bool(e_bare or e_found)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        Redis.from_url(args.redis).flushdb()
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 1 if failed else 0


def smoke(url: str | None = None) -> int:
    """A tiny network on a throwaway SQLite file (or the empty database at ``url``, so
    PostgreSQL's constraints see the generator), searched through the test client: every
    served pair answers offers of that pair, the bare endpoint answers. Nothing is timed."""
    with tempfile.TemporaryDirectory() as tmp:
        app = bench_app({"SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{tmp}/smoke.sqlite3", "REDIS_URL": None,
                         "TICKET_SIGNING_KEYS_FILE": str(Path(tmp) / "ticket-keys.json")})
        with app.app_context():
            db.create_all()
            print(f"generated {generate(SMOKE)}")
        client, day, problems = app.test_client(), tomorrow(), []
        assert client.get("/bench/bare").get_json() == [], "bare endpoint"
        served = pairs(SMOKE)
        for origin, destination in served:
            answer = client.get(search_path(origin, destination, day))
            problem = check_offers(answer.status_code, answer.get_json(), origin, destination)
            if problem:
                problems.append(problem)
        print(f"smoke: {len(served)} served pairs searched, {len(problems)} unexpected answers")
        for problem in problems[:10]:
            print(f"  ! {problem}")
        return 1 if problems or not served else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12", help="a Redis db of its own: it is flushed")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=5097)
    parser.add_argument("--smoke", action="store_true", help="a tiny network on SQLite; fails only on errors")
    parser.add_argument("--url", help="with --smoke: an empty database to use instead of SQLite")
    args = parser.parse_args()
    sys.exit(smoke(args.url) if args.smoke else run(args))


if __name__ == "__main__":
    main()
