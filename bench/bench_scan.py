"""Online scan throughput under gunicorn on PostgreSQL, and the size of a 60-seat manifest.

Run by hand (needs a PostgreSQL server; loopback only, bounded)::

    .venv/bin/python bench/bench_scan.py [--server postgresql://postgres@127.0.0.1:5432/postgres]
        [--requests 2000] [--concurrency 8] [--workers 2] [--rounds 4]
    .venv/bin/python bench/bench_scan.py --smoke    # seconds, SQLite: the suite runs it

It creates a scratch database ``safiri_bench_<random>``, sells 60 tickets on a trip that
boards now (through the booking services), starts ``gunicorn -w 2`` on 127.0.0.1, and
POSTs ``/api/v1/scans`` with real signed QR payloads: the first scan of each ticket
boards it (``valid``), the rest answer ``already_used``; both run the whole path (token,
verify, row lock, scan row, commit). Scans and ``GET /healthz`` take turns ``--rounds``
times (``--requests`` split between the rounds, as many of each); it reports each round's
requests/s and p50/p99 latency, the median of the rounds' ratios, and the manifest's size
as JSON and gzipped. The database is dropped at the end.
"""
from __future__ import annotations

import argparse
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
import requests
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from app import create_app  # noqa: E402
from app.auth.tokens import issue_access_token  # noqa: E402
from app.database import utcnow  # noqa: E402
from app.extensions import db  # noqa: E402
from app.ticketing.payload import payload_for  # noqa: E402
from tests import factories  # noqa: E402
from tests.tickets.test_scan_support import assign, sell  # noqa: E402


def _prepare(url: str, keys_file: str) -> tuple[list[str], int, str, str]:
    """Schema, a 60-seat trip boarding now with 60 paid tickets; returns payloads etc."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TICKET_SIGNING_KEYS_FILE": keys_file,
                      "SECRET_KEY": "bench-secret-key-long-enough-for-hs256-signing"})
    with app.app_context():
        db.create_all()
        world = factories.build_world(seats=60)
        trip = factories.make_trip(world.route, world.vehicle, utcnow() + timedelta(minutes=30))
        db.session.commit()
        assign(world.driver, trip, world.trip)
        payloads = []
        for start in range(0, 60, 10):
            names = [f"Passenger Number{i}" for i in range(start, start + 10)]
            payloads += [payload_for(t) for t in sell(world, trip, names=names)]
            sell(world, world.trip, names=names)  # the manifest trip: 60 seats sold
        token = issue_access_token(world.driver)
        manifest = app.test_client().get(
            f"/api/v1/driver/trips/{world.trip.id}/manifest", headers={"Authorization": f"Bearer {token}"}
        ).get_data()
        trip_id = trip.id
        db.session.remove()
        db.engine.dispose()
    return payloads, trip_id, token, manifest


def _load(base: str, token: str, trip_id: int, payloads: list[str], total: int, concurrency: int, run: str):
    latencies: list[float] = []
    results: dict[str, int] = {}
    lock = threading.Lock()
    counter = iter(range(total))

    def worker(n: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        for i in counter:  # shared iterator: bounded to ``total`` requests overall
            body = {"trip_id": trip_id, "qr_payload": payloads[i % len(payloads)],
                    "device_id": f"bench-{n}", "nonce": f"{run}-{i}"}
            start = time.perf_counter()
            if trip_id is None:  # baseline: the cheapest request the app serves
                response = session.get(f"{base}/healthz", timeout=10)
            else:
                response = session.post(f"{base}/api/v1/scans", json=body, timeout=10)
            elapsed = time.perf_counter() - start
            result = response.json().get("result", str(response.status_code))
            with lock:
                latencies.append(elapsed)
                results[result] = results.get(result, 0) + 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, latencies, results


def _summary(elapsed: float, latencies: list[float]) -> tuple[float, float, float]:
    """Requests per second, p50 and p99 (seconds) of one load."""
    latencies = sorted(latencies)
    return (len(latencies) / elapsed, statistics.median(latencies),
            latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))])


def smoke() -> None:
    """The same seeding and requests through the test client on a throwaway SQLite file: the
    first scan of a ticket boards it, the second answers ``already_used``, ``/healthz`` is up.
    Any other answer raises (exit 1); nothing is timed. The suite runs it."""
    with tempfile.TemporaryDirectory() as tmp:
        url, keys = f"sqlite:///{tmp}/smoke.sqlite3", str(Path(tmp) / "ticket-keys.json")
        payloads, trip_id, token, manifest = _prepare(url, keys)
        assert len(payloads) == 60 and len(manifest) > 1000, "seeding"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TICKET_SIGNING_KEYS_FILE": keys,
                          "SECRET_KEY": "bench-secret-key-long-enough-for-hs256-signing"})
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/healthz").status_code == 200, "healthz"
        for run, expected in (("first", "valid"), ("again", "already_used")):
            for i, payload in enumerate(payloads[:3]):
                body = {"trip_id": trip_id, "qr_payload": payload, "device_id": "bench-0", "nonce": f"{run}-{i}"}
                answer = client.post("/api/v1/scans", json=body, headers=headers)
                assert answer.get_json().get("result") == expected, (run, answer.status_code, answer.get_json())
    print("smoke: ok (3 tickets boarded, 3 scanned again)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=4, help="scans and /healthz take turns this many times")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=5987)
    parser.add_argument("--smoke", action="store_true", help="a few scans in-process on SQLite; fails on errors")
    args = parser.parse_args()
    if args.smoke:
        smoke()
        return

    server = make_url(args.server)
    name = f"safiri_bench_{uuid.uuid4().hex[:8]}"
    dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    url = server.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    gunicorn = None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            keys = str(Path(tmp) / "ticket-keys.json")
            payloads, trip_id, token, manifest = _prepare(url, keys)
            env = {**os.environ, "DATABASE_URL": url, "TICKET_SIGNING_KEYS_FILE": keys, "APP_ENV": "development",
                   "SECRET_KEY": "bench-secret-key-long-enough-for-hs256-signing"}
            gunicorn = subprocess.Popen(
                [str(ROOT / ".venv/bin/gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{args.port}",
                 "--access-logfile", "/dev/null", "--log-level", "warning", "wsgi:app"],
                cwd=ROOT, env=env,
            )
            base = f"http://127.0.0.1:{args.port}"
            for _ in range(100):  # at most 10 s to come up
                try:
                    if requests.get(f"{base}/healthz", timeout=1).ok:
                        break
                except requests.RequestException:
                    time.sleep(0.1)
            _load(base, token, trip_id, payloads[:30], 100, args.concurrency, "warm")  # boards 30
            # Scans and /healthz take turns, ``--rounds`` times: on a shared machine the
            # baseline alone moved 13-21 ms p50 between consecutive runs, so a ratio is only
            # worth its name when both sides saw the same minutes. Reported: each round, and
            # the median of the rounds' ratios.
            ratios, shares = [], []
            for r in range(args.rounds):
                n = max(1, args.requests // args.rounds)
                elapsed, latencies, results = _load(base, token, trip_id, payloads, n, args.concurrency, f"run{r}")
                scan_rate, scan_p50, scan_p99 = _summary(elapsed, latencies)
                elapsed, latencies, _ = _load(base, token, None, payloads, n, args.concurrency, f"base{r}")
                bare_rate, bare_p50, _ = _summary(elapsed, latencies)
                ratios.append(scan_p50 / bare_p50)
                shares.append(scan_rate / bare_rate)
                print(f"round {r + 1}: scans {scan_rate:.0f} req/s, p50 {scan_p50 * 1000:.1f} ms, "
                      f"p99 {scan_p99 * 1000:.1f} ms {results}; /healthz {bare_rate:.0f} req/s, "
                      f"p50 {bare_p50 * 1000:.1f} ms; ratio {ratios[-1]:.2f}x, {shares[-1] * 100:.1f}%")
            print(f"online scans ({args.workers} gunicorn workers, {args.concurrency} clients, {args.rounds} rounds "
                  f"of {max(1, args.requests // args.rounds)} scans and as many GET /healthz):")
            print(f"scan p50 / healthz p50 = {statistics.median(ratios):.2f}x, median of the rounds (target <= 3x); "
                  f"throughput {statistics.median(shares) * 100:.1f}% of healthz (target >= 33%)")
            print(f"manifest, 60 seats sold: {len(manifest)} bytes JSON, {len(gzip.compress(manifest))} bytes gzip")
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
