"""USSD benchmark (run by hand): p50/p99 per menu step under gunicorn, PostgreSQL and Redis.

    .venv/bin/python bench/bench_ussd.py [--pg postgresql://postgres@127.0.0.1:5432/postgres]
        [--redis redis://127.0.0.1:6379/14] [--sessions 50,200] [--seconds 20] [--think 1.0]
        [--workers 4] [--worker-class sync] [--profile 300]
    .venv/bin/python bench/bench_ussd.py --smoke    # seconds, SQLite, no Redis: the suite runs it

It creates a throwaway PostgreSQL database (``seed_demo()`` plus ``--phones`` passengers
with distinct numbers), empties the Redis database given by ``--redis`` (its own db
number; only that one is flushed, before and after), and starts gunicorn on 127.0.0.1
serving the product app with ``REDIS_URL`` set (USSD state and the per-phone rate limit
in Redis, jobs to the queue) plus one bench-only endpoint, ``POST /bench/bare``, that
answers a constant ``CON ...`` (mounted by ``bench_app()`` below, never in the product).
The per-phone limit (30/min in production) is raised to ``USSD_RATE_LIMIT=100000 per
minute`` for the run: every hit is still counted in Redis, it just never refuses.

Each of ``--sessions`` client threads plays one USSD session after another, posting the
Africa's Talking form fields (sessionId, serviceCode, phoneNumber, networkCode, text =
the ``*``-joined history) to ``/channels/ussd``: 85% buy up to the passenger count
(dial, 1 Buy, origin, destination, day, trip: no order is made), 15% read-only
(dial, 5 Language/Help, 4 Help). Between two keypresses a session "thinks" for
``--think`` seconds (uniform 0.5x-1.5x; a person takes 3-10 s, so 1 s offers more load
than real callers would); ``--think 0`` is a closed loop that measures saturation, where
latency is concurrency / throughput. The bare endpoint gets the same sessions (same
forms, same pacing) in the same run. Every scenario is bounded by ``--seconds``.

The client uses one keep-alive ``http.client`` connection per thread (sync workers close
it after each answer; it reopens on loopback) and reports its own CPU next to gunicorn's,
so one can see it is not the bottleneck. ``--profile N`` then walks N buy sessions
in-process (Flask test client, same database and Redis) under cProfile and prints where
the time of a step goes. Loopback only; the database is dropped at the end.
"""
from __future__ import annotations

import argparse
import cProfile
import collections
import http.client
import io
import os
import pstats
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

from flask import Response
import psycopg
from redis import Redis
import redis.client
from sqlalchemy import event, insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from app import create_app  # noqa: E402
from app.auth.models import User  # noqa: E402
from app.catalog.seed import seed_demo  # noqa: E402
from app.extensions import db  # noqa: E402

TOKEN = "bench"
USSD_RATE_LIMIT = "100000 per minute"  # production: 30 per minute per phone
BARE_ANSWER = "CON Safiri\n1 Buy ticket\n2 My tickets\n3 Cancel ticket\n4 Wallet\n5 Language/Help"
PHONE_BASE = 254798000000  # +254 798 xxx xxx: distinct passengers, one per session in turn
# What a caller answers on "Where from?" (pick the first popular city, or type letters), by weight.
# The destination is chosen from the answer itself (``pick_destination``): the menu offers
# only places reachable from the origin, and a fixed list typed blind rotted when it changed.
ORIGINS = [("1", 70), ("nak", 15), ("naiv", 15)]
NAVIGATION = ("0", "00", "98", "99")  # back, home, more: not places
OPTION_LINE = re.compile(r"^(\d+) (.+)$", re.M)


def bench_app(extra: dict | None = None):
    """gunicorn factory: the product app (rate limit raised) plus the bare endpoint (bench only)."""
    app = create_app({"USSD_RATE_LIMIT": USSD_RATE_LIMIT, **(extra or {})})

    @app.post("/bench/bare")
    def bare():
        return Response(BARE_ANSWER, status=200, mimetype="text/plain")

    return app


def seed(n_phones: int, extra: dict | None = None) -> None:
    app = create_app(extra)
    with app.app_context():
        db.create_all()
        seed_demo()
        db.session.execute(insert(User), [{"phone": f"+{PHONE_BASE + i}", "role": "passenger", "language": "en",
                                           "name": f"Bench Passenger {i}"} for i in range(n_phones)])
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


# --- client ------------------------------------------------------------------------------

class Client:
    """One keep-alive HTTP/1.1 connection (reopened when the server closes it)."""

    HEADERS = {"Content-Type": "application/x-www-form-urlencoded", "Connection": "keep-alive"}

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def post(self, path: str, body: bytes) -> tuple[int, str]:
        try:
            self.conn.request("POST", path, body, self.HEADERS)
            response = self.conn.getresponse()
            return response.status, response.read().decode()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            raise


def pick_destination(rng: random.Random, answer: str) -> str:
    """What a caller answers on "Where to?", read off the screen: half pick a listed place by
    its number, half type the first letters of one (as few as tell it from the others listed)."""
    options = [(number, name.strip()) for number, name in OPTION_LINE.findall(answer)
               if number not in NAVIGATION]
    if not options:
        return "1"  # the screen lists nothing: the check on the next answer reports it
    number, name = rng.choice(options)
    if rng.random() < 0.5:
        return number
    names = [other.lower() for _, other in options if other != name]
    for size in range(3, len(name) + 1):
        typed = name[:size].lower()
        if not any(other.startswith(typed) for other in names):
            return typed
    return number


def session_plan(rng: random.Random) -> list[tuple[str, object, str]]:
    """(step label, keypress (None for the dial, or a function of the last answer), text the
    answer must contain)."""
    if rng.random() < 0.15:
        return [("dial", None, "CON Safiri"), ("5 language/help", "5", "4 Help"), ("4 help (END)", "4", "END ")]
    origin = rng.choices([o for o, _ in ORIGINS], weights=[w for _, w in ORIGINS])[0]
    return [("dial", None, "CON Safiri"), ("1 buy", "1", "Where from?"), ("origin", origin, "Where to?"),
            ("destination", lambda answer: pick_destination(rng, answer), "When?"),
            ("day", rng.choice("2222221"), "CON "), ("trip", "1", "How many passengers?")]


def keypress(key, answer: str) -> str | None:
    return key(answer) if callable(key) else key


def drive(port: int, path: str, sessions: int, seconds: float, think: float, phones: int, first_phone: int,
          label_all: str | None = None) -> dict:
    """``sessions`` threads, each playing sessions back to back for ``seconds``; latencies per step."""
    stop = time.monotonic() + seconds
    lat: dict[str, list[float]] = {}
    counts = {"requests": 0, "errors": 0, "sessions": 0}
    failures: list[str] = []
    lock = threading.Lock()

    def pause(rng):
        if think > 0:
            time.sleep(min(think * rng.uniform(0.5, 1.5), max(0.0, stop - time.monotonic())))

    def loop(idx: int):
        rng = random.Random(idx * 7919 + first_phone)
        client = Client(port)
        local: dict[str, list[float]] = {}
        n = errors = done = 0
        if think > 0:
            time.sleep(rng.uniform(0, think))  # callers do not all press at once
        for s in range(100_000):  # bounded
            if time.monotonic() >= stop:
                break
            phone = f"+{PHONE_BASE + (first_phone + idx + s * sessions) % phones}"
            session_id = f"ATUid_bench_{uuid.uuid4().hex}"
            history: list[str] = []
            answer = ""
            for label, key, expect in session_plan(rng):
                if time.monotonic() >= stop:
                    break
                if label == "trip" and "\n1 " not in answer:
                    break  # "No trips on ...": a caller would hang up here
                key = keypress(key, answer)
                if key is not None:
                    history.append(key)
                body = urlencode({"sessionId": session_id, "serviceCode": "*384*1234#", "phoneNumber": phone,
                                  "networkCode": "63902", "text": "*".join(history)}).encode()
                t0 = time.perf_counter()
                try:
                    status, answer = client.post(path, body)
                except (http.client.HTTPException, OSError) as exc:
                    status, answer = 0, repr(exc)
                local.setdefault(label_all or label, []).append(time.perf_counter() - t0)
                n += 1
                ok = status == 200 and answer.startswith(("CON ", "END ")) and (label_all or expect in answer)
                if not ok:
                    errors += 1
                    if len(failures) < 5:
                        failures.append(f"{label}: {status} {answer[:80]!r}")
                    break
                pause(rng)
            done += 1
        with lock:
            counts["requests"] += n
            counts["errors"] += errors
            counts["sessions"] += done
            for k, v in local.items():
                lat.setdefault(k, []).extend(v)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"lat": lat, "failures": failures, **counts}


# --- CPU accounting ----------------------------------------------------------------------

def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                pass
    return out


def _services(db_name: str) -> list[int]:
    """PostgreSQL backends serving the bench database, and the Redis server (shared with others)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                comm = (entry / "comm").read_text().strip()
                if comm == "redis-server" or (comm == "postgres" and db_name in (entry / "cmdline").read_text()):
                    out.append(int(entry.name))
            except OSError:
                pass
    return out


def _machine() -> tuple[int, int]:
    cpu = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(cpu), cpu[3] + cpu[4]  # total, idle + iowait


def measured(master: int, db_name: str, fn):
    hz = os.sysconf("SC_CLK_TCK")
    workers, services = _children(master), _services(db_name)
    w0, s0 = sum(map(_ticks, workers)), sum(map(_ticks, services))
    c0, m0, t0 = time.process_time(), _machine(), time.monotonic()
    result = fn()
    wall = time.monotonic() - t0
    m1 = _machine()
    result["wall"] = wall
    result["server_cpu"] = (sum(map(_ticks, workers)) - w0) / hz / wall
    result["db_cpu"] = (sum(map(_ticks, services)) - s0) / hz / wall
    result["client_cpu"] = (time.process_time() - c0) / wall
    total, idle = m1[0] - m0[0], m1[1] - m0[1]
    result["machine_busy"] = (total - idle) / total * os.cpu_count() if total else float("nan")
    return result


# --- report ------------------------------------------------------------------------------

def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


STEP_ORDER = ["bare", "dial", "1 buy", "origin", "destination", "day", "trip", "5 language/help", "4 help (END)"]


def report(results: dict[int, dict[str, dict]], args) -> None:
    print(f"\n{args.workers} gunicorn {args.worker_class} workers"
          + (f" x {args.threads} threads" if args.worker_class == "gthread" else "")
          + f", PostgreSQL + Redis, think {args.think:g}s, {args.seconds:g}s per scenario")
    print(f"{'sessions':>8} {'endpoint':8} {'req/s':>7} {'err':>4} {'client CPU':>10} {'gunicorn CPU':>12} "
          f"{'PG+Redis':>8} {'others':>7}  (CPU in cores, of {os.cpu_count()})")
    for n, pair in results.items():
        for name, r in pair.items():
            print(f"{n:>8} {name:8} {r['requests'] / r['wall']:7.1f} {r['errors']:>4} {r['client_cpu']:9.2f}c "
                  f"{r['server_cpu']:11.2f}c {r['db_cpu']:7.2f}c "
                  f"{r['machine_busy'] - r['client_cpu'] - r['server_cpu'] - r['db_cpu']:6.2f}c")
            for failure in r["failures"]:
                print(f"{'':>8}   ! {failure}")
    print(f"\n{'step':18}" + "".join(f" {f'{n} sess p50':>12} {'p99':>6} {'n':>6}" for n in results))
    for step in STEP_ORDER + ["all USSD steps"]:
        row = f"{step:18}"
        for n, pair in results.items():
            if step == "bare":
                values = pair["bare"]["lat"].get("bare", [])
            elif step == "all USSD steps":
                values = [v for vs in pair["ussd"]["lat"].values() for v in vs]
            else:
                values = pair["ussd"]["lat"].get(step, [])
            row += f" {pct(values, 50):12.1f} {pct(values, 99):6.1f} {len(values):6d}"
        print(row)
    print()
    for n, pair in results.items():
        ussd = [v for vs in pair["ussd"]["lat"].values() for v in vs]
        worst = max(pair["ussd"]["lat"], key=lambda k: pct(pair["ussd"]["lat"][k], 99))
        p99, bare99 = pct(ussd, 99), pct(pair["bare"]["lat"].get("bare", []), 99)
        print(f"{n} sessions: USSD p99 {p99:.1f} ms (worst step {worst!r} {pct(pair['ussd']['lat'][worst], 99):.1f}"
              f" ms), bare p99 {bare99:.1f} ms = {p99 / bare99:.1f}x; target p99 < 100 ms: "
              f"{'met' if p99 < 100 else 'NOT met'}, <= 3x bare: {'met' if p99 <= 3 * bare99 else 'NOT met'}")


# --- in-process profile ------------------------------------------------------------------

def profile(n_sessions: int, phones: int) -> None:
    """Walk ``n_sessions`` sessions in-process (test client, same PostgreSQL and Redis), twice.

    First without a profiler: wall and CPU per step, SQL statements and Redis commands
    per step. Then under cProfile (CPU clock): CPU by package and the app's own functions.
    """
    app = bench_app()
    client = app.test_client()
    counts = {"sql": 0, "redis": 0}
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: counts.__setitem__("sql", counts["sql"] + 1))
    execute_command = redis.client.Redis.execute_command

    def counted(self, *a, **k):
        counts["redis"] += 1
        return execute_command(self, *a, **k)

    redis.client.Redis.execute_command = counted  # this process only, for the count
    per_step: dict[str, list[tuple[float, float, int, int]]] = {}
    profiler = cProfile.Profile(time.process_time)

    def walk(seed: int, mode: str) -> None:
        rng = random.Random(seed)
        for s in range(n_sessions):
            phone = f"+{PHONE_BASE + (s * 13 + seed) % phones}"
            session_id, history, body = f"ATUid_prof_{uuid.uuid4().hex}", [], ""
            for label, key, expect in session_plan(rng):
                if label == "trip" and "\n1 " not in body:
                    break  # no trips that day
                key = keypress(key, body)
                if key is not None:
                    history.append(key)
                form = {"sessionId": session_id, "serviceCode": "*384*1234#", "phoneNumber": phone,
                        "networkCode": "63902", "text": "*".join(history)}
                before, t0, c0 = dict(counts), time.perf_counter(), time.process_time()
                if mode == "profile":
                    profiler.enable()
                body = client.post(f"/channels/ussd?token={TOKEN}", data=form).get_data(as_text=True)
                if mode == "profile":
                    profiler.disable()
                elif mode == "time":
                    per_step.setdefault(label, []).append((time.perf_counter() - t0, time.process_time() - c0,
                                                           counts["sql"] - before["sql"],
                                                           counts["redis"] - before["redis"]))
                if not body.startswith(("CON ", "END ")) or expect not in body:
                    print(f"  ! {label}: {body[:80]!r}")
                    break

    try:
        walk(1, "warm-up")  # imports, connection pool, statement caches
        walk(2, "time")
        walk(3, "profile")
    finally:
        redis.client.Redis.execute_command = execute_command
    print(f"\nin-process (Flask test client, same PostgreSQL and Redis, no profiler), {n_sessions} sessions:")
    print(f"{'step':18} {'n':>5} {'wall ms':>8} {'CPU ms':>7} {'SQL':>5} {'Redis':>6}")
    every = []
    for step in STEP_ORDER + ["all"]:
        rows = every if step == "all" else per_step.get(step, [])
        every += [] if step == "all" else rows
        if rows:
            n = len(rows)
            print(f"{step:18} {n:5d} {sum(r[0] for r in rows) / n * 1000:8.2f} {sum(r[1] for r in rows) / n * 1000:7.2f}"
                  f" {sum(r[2] for r in rows) / n:5.1f} {sum(r[3] for r in rows) / n:6.1f}")
    stats = pstats.Stats(profiler)
    by_package: collections.Counter = collections.Counter()
    for (filename, _, function), (_, _, own, _, _) in stats.stats.items():
        path = filename.split("site-packages/")[-1]
        if path.startswith(str(ROOT)):
            package = "/".join(Path(path).relative_to(ROOT).parts[:2])
        elif path.startswith(("~", "<")):
            package = "socket I/O" if "socket" in function else "builtins"
        else:
            package = path.split("/")[0] if "site-packages/" in filename else "stdlib"
        by_package[package] += own
    total = sum(by_package.values())
    print("\nunder cProfile (CPU clock; the profiler inflates call-heavy code), own time by package:")
    for package, own in by_package.most_common(12):
        print(f"  {package:28} {own / total * 100:5.1f}%")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(r"channels/|/app/", 25)
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[-4000:])


# --- smoke: the suite runs this (tests/test_bench_smoke.py) ---------------------------

def smoke(sessions: int = 12) -> int:
    """The bench's own factory, seed and session plans, in-process on a throwaway SQLite file
    (USSD state in the database, no Redis): every answer must be the screen the plan expects.
    Fails (exit 1) on any error or unexpected answer, never on a time."""
    with tempfile.TemporaryDirectory() as tmp:
        config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/smoke.sqlite3", "REDIS_URL": None,
                  "CHANNEL_TOKEN": TOKEN, "TICKET_SIGNING_KEYS_FILE": str(Path(tmp) / "ticket-keys.json")}
        os.environ["CHANNEL_TOKEN"] = TOKEN
        seed(20, config)
        app = bench_app(config)
        client = app.test_client()
        failures, steps = [], collections.Counter()
        assert client.post("/bench/bare").get_data(as_text=True) == BARE_ANSWER, "bare endpoint"
        for s in range(sessions):
            rng = random.Random(s)
            phone, history, body = f"+{PHONE_BASE + s % 20}", [], ""
            plan = session_plan(rng) if s % 4 else session_plan(random.Random(3))  # both kinds of session
            for label, key, expect in plan:
                if label == "trip" and "\n1 " not in body:
                    break  # no trips that day: a caller hangs up
                key = keypress(key, body)
                if key is not None:
                    history.append(key)
                form = {"sessionId": f"ATUid_smoke_{s}", "serviceCode": "*384*1234#", "phoneNumber": phone,
                        "networkCode": "63902", "text": "*".join(history)}
                response = client.post(f"/channels/ussd?token={TOKEN}", data=form)
                body = response.get_data(as_text=True)
                steps[label] += 1
                if response.status_code != 200 or not body.startswith(("CON ", "END ")) or expect not in body:
                    failures.append(f"{label} ({'*'.join(history)}): {response.status_code} {body[:100]!r}")
                    break
        print(f"smoke: {sum(steps.values())} USSD steps {dict(steps)}; {len(failures)} unexpected answers")
        for failure in failures:
            print(f"  ! {failure}")
        buying = steps["destination"] > 0 and steps["day"] > 0
        if not buying:
            print("  ! no session reached the day step")
        return 1 if failures or not buying else 0


# --- main --------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14", help="a Redis db of its own: it is flushed")
    parser.add_argument("--sessions", default="50,200", help="concurrent sessions per scenario, comma-separated")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between keypresses (0: closed loop)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per worker with gthread")
    parser.add_argument("--phones", type=int, default=5000)
    parser.add_argument("--port", type=int, default=5098)
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="then profile N sessions in-process")
    parser.add_argument("--smoke", action="store_true", help="a few sessions in-process on SQLite; fails only on errors")
    args = parser.parse_args()
    if args.smoke:
        sys.exit(smoke())
    levels = [int(x) for x in args.sessions.split(",")]

    redis_host = args.redis.split("//", 1)[1].split("/", 1)[0].split("@")[-1]
    if not redis_host.startswith(("127.0.0.1", "localhost")) or "127.0.0.1" not in args.pg:
        sys.exit("loopback only: --pg and --redis must point at 127.0.0.1")
    redis = Redis.from_url(args.redis)
    name = f"safiri_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db_url = args.pg.rsplit("/", 1)[0] + f"/{name}"
    server = None
    tmp = tempfile.TemporaryDirectory()
    env = dict(os.environ, DATABASE_URL=db_url, REDIS_URL=args.redis, APP_ENV="development", CHANNEL_TOKEN=TOKEN,
               SECRET_KEY="bench-secret-key-long-enough-0123456789",
               TICKET_SIGNING_KEYS_FILE=str(Path(tmp.name) / "ticket-keys.json"))
    os.environ.update(env)
    try:
        redis.flushdb()
        seed(args.phones)
        cmd = [str(ROOT / ".venv/bin/gunicorn"), "-w", str(args.workers), "-k", args.worker_class,
               "-b", f"127.0.0.1:{args.port}", "--backlog", "2048", "--log-level", "warning",
               "--access-logfile", "/dev/null", "bench.bench_ussd:bench_app()"]
        # gunicorn.conf.py sets threads = 4, and gunicorn runs gthread whenever threads > 1: a
        # "sync" run was a threaded one until issue 17 (py-spy showed gthread workers).
        cmd[5:5] = ["--threads", str(args.threads if args.worker_class == "gthread" else 1)]
        server = subprocess.Popen(cmd, cwd=ROOT, env=env)
        for _ in range(150):  # at most ~15 s to come up
            try:
                if Client(args.port).post("/bench/bare", b"")[0] == 200:
                    break
            except (http.client.HTTPException, OSError):
                time.sleep(0.1)
        ussd_path = f"/channels/ussd?token={TOKEN}"
        # warm-up: every worker imports, connects and caches statements before anything is measured
        drive(args.port, ussd_path, 16, 3, 0, args.phones, 0)
        drive(args.port, "/bench/bare", 16, 1, 0, args.phones, 0, label_all="bare")
        results: dict[int, dict[str, dict]] = {}
        first = 0
        for n in levels:
            results[n] = {}
            results[n]["bare"] = measured(server.pid, name, lambda: drive(
                args.port, "/bench/bare", n, args.seconds, args.think, args.phones, first, label_all="bare"))
            results[n]["ussd"] = measured(server.pid, name, lambda: drive(
                args.port, ussd_path, n, args.seconds, args.think, args.phones, first))
            first += results[n]["ussd"]["sessions"] + n
        report(results, args)
        if args.profile:
            server.terminate()
            server.wait(timeout=30)
            server = None
            profile(args.profile, args.phones)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        try:
            redis.flushdb()
        finally:
            tmp.cleanup()
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
