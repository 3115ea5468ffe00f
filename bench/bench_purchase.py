"""Purchase benchmark (run by hand): hold -> pay with wallet -> ticket, against a bare insert.

    .venv/bin/python bench/bench_purchase.py [--pg postgresql://postgres@127.0.0.1:5432/postgres]
        [--seconds 20] [--threads 2,8] [--workers 2] [--redis redis://127.0.0.1:6379/12]
    .venv/bin/python bench/bench_purchase.py --inprocess 200   # test client: SQL statements + ms
    .venv/bin/python bench/bench_purchase.py --smoke           # seconds, SQLite: the suite runs it

``--inprocess`` counts the SQL statements (COMMIT not counted) of four paths through the
test client: hold (``POST /orders``), pay with the wallet (tickets issued), cancel that
order (refund to the wallet), and an M-Pesa purchase confirmed by Daraja's STK callback
(Daraja mocked with ``responses``: the push is accepted, then the callback is posted).

It creates a throwaway PostgreSQL database, seeds trips and funded passengers, starts
gunicorn (``--workers``) on 127.0.0.1 serving the real app plus one bench-only endpoint
(``POST /bench/bare``: one INSERT, mounted by ``bench_app()`` below, never in the product),
then drives both from each ``--threads`` count of client threads for bounded time and
prints purchases per second and p50/p99 of each step next to the bare request: client
latency, and server time (``Server-Timing`` header set by ``bench_app()``: WSGI app time
in the worker, excluding queueing in the socket backlog). ``threads == workers`` keeps the
client from queueing behind busy workers.

Production-like: ``REDIS_URL`` points at the ``--redis`` database (flushed before and after;
only that database), so SMS and auto-recharge jobs are enqueued, not run in the request.
Nobody consumes the queue. Loopback only.
"""
from __future__ import annotations

import argparse
import json
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

from flask import g, jsonify
import psycopg
from redis import Redis
import requests
import responses
from sqlalchemy import event, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.ledger.service import Leg, post  # noqa: E402
from app.payments.models import Payment  # noqa: E402
from tests import factories  # noqa: E402
from tests.fixtures import load_fixture  # noqa: E402


# Daraja configured for the in-process run (mocked with ``responses``; nothing leaves the host).
DARAJA = "https://daraja.bench.invalid"
DARAJA_CONFIG = {
    "MPESA_CONSUMER_KEY": "ck", "MPESA_CONSUMER_SECRET": "cs", "MPESA_SHORTCODE": "174379",
    "MPESA_PASSKEY": "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919", "MPESA_BASE_URL": DARAJA,
}


def bench_app(extra: dict | None = None):
    """gunicorn factory: the product app plus the bare endpoint (bench only)."""
    app = create_app({"RATELIMIT_ENABLED": False, **(extra or {})})

    @app.before_request
    def _start_timer():
        g.bench_t0 = time.perf_counter()

    @app.after_request
    def _server_timing(response):
        t0 = g.get("bench_t0")
        if t0 is not None:
            response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - t0) * 1000:.2f}"
        return response

    @app.post("/bench/bare")
    def bare():
        db.session.execute(text("INSERT INTO bench_pings (created_at) VALUES (CURRENT_TIMESTAMP)"))
        db.session.commit()
        return jsonify(ok=True), 201

    return app


def seed(n_users: int, n_trips: int, seats: int) -> tuple[list[str], list[dict]]:
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


def server_ms(resp) -> float:
    """Seconds spent in the worker's WSGI app (the ``Server-Timing`` header of ``bench_app``)."""
    value = resp.headers.get("Server-Timing", "")
    try:
        return float(value.split("dur=", 1)[1]) / 1000
    except (IndexError, ValueError):
        return float("nan")


def timed(local, name, fn):
    t0 = time.perf_counter()
    resp = fn()
    local.setdefault(name, []).append(time.perf_counter() - t0)
    local.setdefault("server: " + name, []).append(server_ms(resp))
    return resp


def flush_redis(url: str) -> None:
    """Empty only the bench's own Redis database (the number in ``url``)."""
    Redis.from_url(url).flushdb()


def _mock_daraja():
    """Daraja's OAuth and STK push, answered locally; each push gets its own CheckoutRequestID."""
    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    mock.add(responses.GET, f"{DARAJA}/oauth/v1/generate", json=load_fixture("mpesa/oauth_response.json"))
    pushes = [0]

    def push(request):
        pushes[0] += 1
        body = dict(load_fixture("mpesa/stk_push_response.json"), CheckoutRequestID=f"ws_CO_bench{pushes[0]:08d}")
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    mock.add_callback(responses.POST, f"{DARAJA}/mpesa/stkpush/v1/processrequest", callback=push)
    return mock


def _stk_callback(checkout_id: str, amount_minor: int, receipt: str) -> dict:
    body = load_fixture("mpesa/stk_callback_success.json")
    cb = body["Body"]["stkCallback"]
    cb["CheckoutRequestID"] = checkout_id
    items = {item["Name"]: item for item in cb["CallbackMetadata"]["Item"]}
    items["Amount"]["Value"] = amount_minor / 100
    items["MpesaReceiptNumber"]["Value"] = receipt
    return body


def inprocess(n: int, rounds: int = 20) -> None:
    """Test client in this process: SQL statements per request and ms per purchase vs bare.

    Every answer is checked (an ``AssertionError`` names the first unexpected one): ``--smoke``
    runs this with a few purchases on SQLite, and the suite runs that."""
    tokens, bodies = seed(n_users=8, n_trips=40, seats=60)
    app = bench_app(DARAJA_CONFIG)
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    client = app.test_client()
    token = os.environ["CHANNEL_TOKEN"]

    def counted(call):
        statements.clear()
        resp = call()
        return resp, list(statements)

    def purchase(i):
        auth = {"Authorization": tokens[i % len(tokens)]}
        order, hold = counted(lambda: client.post("/api/v1/orders", json=bodies[i % len(bodies)], headers=auth))
        assert order.status_code == 201, order.get_json()
        pay, paid = counted(lambda: client.post(f"/api/v1/orders/{order.get_json()['id']}/payments",
                                                json={"method": "wallet"}, headers=auth))
        assert pay.status_code == 202 and pay.get_json()["status"] == "succeeded", pay.get_json()
        return hold, paid, order.get_json()["id"], auth

    def cancel(order_id, auth):
        done, stmts = counted(lambda: client.post(f"/api/v1/orders/{order_id}/cancel", json={}, headers=auth))
        assert done.status_code == 200 and done.get_json()["refund"]["amount"] > 0, done.get_json()
        return stmts

    def stk_purchase(i):
        auth = {"Authorization": tokens[i % len(tokens)]}
        order = client.post("/api/v1/orders", json=bodies[(i + 1) % len(bodies)], headers=auth).get_json()
        pay = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "mpesa", "phone": "0708374149"},
                          headers=auth)
        assert pay.status_code == 202 and pay.get_json()["status"] == "pending", pay.get_json()
        with app.app_context():
            checkout = db.session.get(Payment, pay.get_json()["id"]).provider_ref
        body = _stk_callback(checkout, order["total"]["amount"], f"BENCH{i:05d}")
        answer, stmts = counted(lambda: client.post(f"/channels/mobile-money/stk?token={token}", json=body))
        assert answer.status_code == 200 and answer.get_json()["ResultCode"] == 0, answer.get_json()
        return stmts

    with _mock_daraja():
        for i in range(rounds):
            hold, pay, order_id, auth = purchase(i)
            cancelled = cancel(order_id, auth)
            confirmed = stk_purchase(i)
    print(f"SQL statements: hold {len(hold)}, pay {len(pay)}, cancel {len(cancelled)}, "
          f"stk confirmation {len(confirmed)} (COMMIT not counted)")
    if os.environ.get("BENCH_SQL"):  # BENCH_SQL=140: print each statement, cut at 140 characters
        width = int(os.environ["BENCH_SQL"]) if os.environ["BENCH_SQL"].isdigit() else 140
        for tag, stmts in (("hold", hold), ("pay", pay), ("cancel", cancelled), ("stk", confirmed)):
            for stmt in stmts:
                print(f"  {tag}: {' '.join(stmt.split())[:width]}")
    buy, bare = [], []
    for i in range(n):
        t0 = time.perf_counter()
        purchase(i)
        buy.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        assert client.post("/bench/bare").status_code == 201
        bare.append(time.perf_counter() - t0)
    b, p = statistics.median(bare), statistics.median(buy)
    print(f"in-process medians over {n}: purchase {p * 1000:.1f} ms, bare {b * 1000:.2f} ms, ratio {p / b:.1f}x")


def smoke() -> None:
    """``--inprocess`` with a few purchases on a throwaway SQLite file, no Redis (jobs inline):
    any error or unexpected answer raises (exit 1); times are printed, never judged."""
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update(DATABASE_URL=f"sqlite:///{tmp}/smoke.sqlite3", APP_ENV="development",
                          SECRET_KEY="bench-secret-key-long-enough-0123456789", CHANNEL_TOKEN="bench",
                          PLATFORM_FEE_BPS="500", TICKET_SIGNING_KEYS_FILE=str(Path(tmp) / "ticket-keys.json"))
        os.environ.pop("REDIS_URL", None)
        inprocess(3, rounds=3)
    print("smoke: ok")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", default=None, help="client thread counts, comma-separated (default: workers)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=5099)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12", help="job queue; this db is flushed")
    parser.add_argument("--inprocess", type=int, default=0, help="test-client run of N purchases instead")
    parser.add_argument("--smoke", action="store_true", help="a few in-process purchases on SQLite; fails on errors")
    args = parser.parse_args()
    if args.smoke:
        smoke()
        return
    thread_counts = [int(t) for t in (args.threads or str(args.workers)).split(",")]

    name = f"safiri_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db_url = args.pg.rsplit("/", 1)[0] + f"/{name}"
    env = dict(os.environ, DATABASE_URL=db_url, APP_ENV="development", SECRET_KEY="bench-secret-key-long-enough-0123456789",
               REDIS_URL=args.redis, CHANNEL_TOKEN="bench", PLATFORM_FEE_BPS="500")
    os.environ.update(env)
    server = None
    flush_redis(args.redis)
    try:
        if args.inprocess:
            inprocess(args.inprocess)
            return
        tokens, bodies = seed(n_users=max(thread_counts) * 4, n_trips=40, seats=60)
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{args.port}",
             "--log-level", "warning", "bench.bench_purchase:bench_app()"], cwd=ROOT, env=env)
        base = f"http://127.0.0.1:{args.port}"
        for _ in range(100):
            try:
                requests.get(base + "/api/openapi.json", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)

        def bare(session, base, idx, i, local):
            return timed(local, "bare insert", lambda: session.post(base + "/bench/bare", timeout=10)).status_code == 201

        def run(threads: int) -> None:
            def purchase(session, base, idx, i, local):
                auth = {"Authorization": tokens[(idx * 4 + i) % len(tokens)]}
                t0 = time.perf_counter()
                order = timed(local, "hold (POST /orders)", lambda: session.post(
                    base + "/api/v1/orders", json=bodies[(idx + i * threads) % len(bodies)], headers=auth,
                    timeout=10))
                if order.status_code != 201:
                    return False
                pay = timed(local, "pay wallet + ticket", lambda: session.post(
                    base + f"/api/v1/orders/{order.json()['id']}/payments", json={"method": "wallet"},
                    headers=auth, timeout=10))
                local.setdefault("full purchase", []).append(time.perf_counter() - t0)
                local.setdefault("server: full purchase", []).append(
                    local["server: hold (POST /orders)"][-1] + local["server: pay wallet + ticket"][-1])
                return pay.status_code == 202 and pay.json()["status"] == "succeeded"

            drive(base, 2, threads, bare)  # warm-up
            n_bare, lat_bare, e_bare = drive(base, args.seconds, threads, bare)
            n_buy, lat_buy, e_buy = drive(base, args.seconds, threads, purchase)
            print(f"\n{args.workers} gunicorn workers, {threads} client threads, {args.seconds:.0f}s each, "
                  f"PostgreSQL, jobs to Redis")
            print(f"bare insert:   {n_bare / args.seconds:8.1f} req/s   errors {e_bare}")
            print(f"purchases:     {n_buy / args.seconds:8.1f} /s      errors {e_buy}")
            print(f"{'step':24} {'client p50':>10} {'p99':>7} {'server p50':>11} {'p99':>7}  (ms)")
            lat = {**lat_bare, **lat_buy}
            for name in ("bare insert", "hold (POST /orders)", "pay wallet + ticket", "full purchase"):
                client, server = lat.get(name, []), lat.get("server: " + name, [])
                print(f"{name:24} {pct(client, 50):10.1f} {pct(client, 99):7.1f} {pct(server, 50):11.2f} "
                      f"{pct(server, 99):7.1f}")
            for kind in ("", "server: "):
                ratio = pct(lat[kind + "full purchase"], 50) / pct(lat[kind + "bare insert"], 50)
                print(f"{kind or 'client: '}full purchase p50 / bare p50 = {ratio:.2f}x (target <= 4x)")
            print(f"throughput: bare req/s / purchases/s = {n_bare / max(n_buy, 1):.2f}x")

        for threads in thread_counts:
            run(threads)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        flush_redis(args.redis)


if __name__ == "__main__":
    main()
