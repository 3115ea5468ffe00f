"""Generate a carrier ledger for the daily-report benchmark (PostgreSQL, set-based SQL).

    .venv/bin/python bench/gen_ledger.py                  # 1,000,000 tickets, 30 days, 20 carriers
    .venv/bin/python bench/gen_ledger.py --smoke          # a few hundred tickets, 3 days, 2 carriers
    .venv/bin/python bench/gen_ledger.py --url postgresql://postgres@127.0.0.1:5432/safiri_bench_x

(Re)creates the database named in ``--url`` (its name must start with ``safiri_bench``:
the script drops it first), builds the schema from the models, and fills it with
``generate_series`` in a few ``INSERT ... SELECT`` statements, so a million tickets take a
couple of minutes, not hours of ORM calls. The rows are what the product writes:

- per carrier: 6 stops, 5 routes, one 50-seat coach, ``--trips`` trips a day;
- orders of 1-3 passengers (fare classes mixed), sold through api/ussd/sms, paid by M-Pesa
  (prompt or Paybill), phone balance or wallet; 5% failed (no money moves); one in 37
  paid orders half refunded 7 hours later (its tickets cancelled);
- per paid order a balanced ``sale`` transaction (payer -> carrier payable + 5% platform
  fee, as ``app.payments.settlement`` posts it) and per refund a balanced ``refund``
  (as ``app.payments.refunds``), tickets used (80%) or expired, trips arrived.

The days are the ``--days`` local days (Africa/Nairobi) ending the day before yesterday.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/safiri_bench_reports"
NAIROBI = ZoneInfo("Africa/Nairobi")
STOPS, ROUTES, SEATS, PASSENGERS = 6, 5, 50, 10_000


def first_day(days: int):
    """The first local day of the data: ``days`` days ending the day before yesterday."""
    return datetime.now(NAIROBI).date() - timedelta(days=days + 1)


def bench_app(url: str):
    return create_app({
        "APP_ENV": "test", "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-key-long-enough-for-hs256",
        "REDIS_URL": None, "RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_ENABLED": False,
        "CHANNEL_TOKEN": None, "AT_USERNAME": None, "AT_API_KEY": None,
        "MPESA_CONSUMER_KEY": None, "MPESA_CONSUMER_SECRET": None,
        "TICKET_SIGNING_KEYS_FILE": f"/tmp/safiri-bench-keys-{make_url(url).database}.json",
    })


def recreate_database(url: str) -> None:
    parsed = make_url(url)
    name = parsed.database
    if not name or not name.startswith("safiri_bench"):
        raise SystemExit(f"refusing to drop {name!r}: the bench database's name starts with safiri_bench")
    server = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')


STEPS = [
    ("carriers", """
INSERT INTO carriers (id, name, slug, country, currency, refund_rules, mpesa_refunds_allowed, ticket_grace_minutes,
                      boarding_opens_minutes, created_at, updated_at)
SELECT c, 'Carrier ' || c, 'bench-' || c, 'KE', 'KES',
       '[{"hours_before_departure": 24, "refund_percent": 100}, {"hours_before_departure": 0, "refund_percent": 50}]',
       false, 60, 120, now(), now()
FROM generate_series(1, %(carriers)s) c"""),
    ("stops", """
INSERT INTO stops (id, carrier_id, code, name, city, timezone, name_key, city_key, created_at, updated_at)
SELECT (c - 1) * 6 + s, c, 'S' || s, 'Stop ' || c || '-' || s, 'City ' || s, 'Africa/Nairobi',
       'stop ' || c || '-' || s, 'city ' || s, now(), now()
FROM generate_series(1, %(carriers)s) c, generate_series(1, 6) s"""),
    ("routes", """
INSERT INTO routes (id, carrier_id, code, name, active, created_at, updated_at)
SELECT (c - 1) * 5 + r, c, 'R' || r, 'City 1 - City ' || (r + 1), true, now(), now()
FROM generate_series(1, %(carriers)s) c, generate_series(1, 5) r"""),
    ("route_stops", """
INSERT INTO route_stops (id, route_id, stop_id, position, minutes_from_start)
SELECT ((c - 1) * 5 + r) * 2 - 1 + p, (c - 1) * 5 + r, (c - 1) * 6 + CASE WHEN p = 0 THEN 1 ELSE r + 1 END,
       p, p * 240
FROM generate_series(1, %(carriers)s) c, generate_series(1, 5) r, generate_series(0, 1) p"""),
    ("vehicles", """
INSERT INTO vehicles (id, carrier_id, registration, name, seat_layout, seat_count, created_at, updated_at)
SELECT (c - 1) * %(trips)s + t + 1, c, 'KBX ' || c || '-' || t, 'Coach',
       (SELECT json_agg(i::text) FROM generate_series(1, 50) i), 50, now(), now()
FROM generate_series(1, %(carriers)s) c, generate_series(0, %(trips)s - 1) t"""),  # a coach per daily slot: never on two trips at once (ex_trips_vehicle_overlap)
    ("trips", """
INSERT INTO trips (id, carrier_id, route_id, vehicle_id, departure_at, arrival_at, status, created_at, updated_at)
SELECT ((c - 1) * %(days)s + d) * %(trips)s + t + 1, c, (c - 1) * 5 + t %% 5 + 1, (c - 1) * %(trips)s + t + 1,
       %(base)s::timestamptz + (d + 1) * interval '1 day' + interval '5 hours' + t * interval '25 minutes',
       %(base)s::timestamptz + (d + 1) * interval '1 day' + interval '9 hours' + t * interval '25 minutes',
       'arrived', now(), now()
FROM generate_series(1, %(carriers)s) c, generate_series(0, %(days)s - 1) d, generate_series(0, %(trips)s - 1) t"""),
    ("users", """
INSERT INTO users (id, phone, name, language, role, carrier_id, status, marketing_opt_out, created_at, updated_at)
SELECT i, '+2547' || lpad(i::text, 8, '0'), NULL, 'en',
       CASE WHEN i <= 10000 THEN 'passenger' WHEN i <= 10000 + %(carriers)s THEN 'carrier_admin'
            ELSE 'platform_admin' END,
       CASE WHEN i > 10000 AND i <= 10000 + %(carriers)s THEN i - 10000 END, 'active', false, now(), now()
FROM generate_series(1, 10001 + %(carriers)s) i"""),
    ("plan", """
CREATE UNLOGGED TABLE bench_orders AS
SELECT k, g, c, d, t, n, u, paid, paid AND g %% 37 = 3 AS refunded, channel, method,
       CASE WHEN method IN ('mpesa_stk', 'mpesa_paybill') THEN 'mpesa' WHEN method = 'airtime' THEN 'africastalking'
            ELSE 'wallet' END AS provider,
       ((c - 1) * %(days)s + d) * %(trips)s + t + 1 AS trip_id, (c - 1) * 6 + 1 AS origin,
       (c - 1) * 6 + t %% 5 + 2 AS destination,
       %(base)s::timestamptz + d * interval '1 day' + (i * 86400 / %(per_day)s) * interval '1 second' AS sale_at,
       (SELECT sum(CASE (g + j) %% 3 WHEN 0 THEN 150000 + c * 100 WHEN 1 THEN 120000 + c * 80 ELSE 75000 + c * 50 END)
        FROM generate_series(1, n) j)::bigint AS total
FROM (
  SELECT k, g, d, i, i %% %(carriers)s + 1 AS c, (i / %(carriers)s) %% %(trips)s AS t, 1 + g %% 3 AS n,
         1 + (k * 7) %% 10000 AS u, g %% 20 <> 19 AS paid,
         CASE WHEN (g * 31) %% 10 < 6 THEN 'api' WHEN (g * 31) %% 10 < 8 THEN 'ussd' ELSE 'sms' END AS channel,
         CASE WHEN (g * 17) %% 10 < 5 THEN 'mpesa_stk' WHEN (g * 17) %% 10 < 7 THEN 'mpesa_paybill'
              WHEN (g * 17) %% 10 < 8 THEN 'airtime' ELSE 'wallet' END AS method
  FROM (SELECT k, k - 1 AS g, least((k - 1) / %(per_day)s, %(days)s - 1) AS d, (k - 1) %% %(per_day)s AS i
        FROM generate_series(1, %(orders)s::bigint) k) days
) o"""),
    ("orders", """
INSERT INTO orders (id, code, user_id, trip_id, origin_stop_id, destination_stop_id, currency, total_amount,
                    refunded_amount, status, channel, hold_expires_at, paid_at, payment_id, created_at)
SELECT k, 'B' || lpad(upper(to_hex(k)), 9, '0'), u, trip_id, origin, destination, 'KES', total,
       CASE WHEN refunded THEN total / 2 ELSE 0 END,
       CASE WHEN refunded THEN 'partially_refunded' WHEN paid THEN 'paid' ELSE 'expired' END,
       channel, sale_at + interval '10 minutes', CASE WHEN paid THEN sale_at END, CASE WHEN paid THEN k END, sale_at
FROM bench_orders"""),
    ("order_items", """
INSERT INTO order_items (id, order_id, seat, fare_class, price)
SELECT 3 * (k - 1) + j, k, j::text,
       CASE (g + j) %% 3 WHEN 0 THEN 'standard' WHEN 1 THEN 'student' ELSE 'reduced' END,
       CASE (g + j) %% 3 WHEN 0 THEN 150000 + c * 100 WHEN 1 THEN 120000 + c * 80 ELSE 75000 + c * 50 END
FROM bench_orders, generate_series(1, 3) j WHERE j <= n"""),
    ("payments", """
INSERT INTO payments (id, order_id, user_id, purpose, method, provider, amount, currency, status, receipt, outcome,
                      auto_recharge, created_at, settled_at, poll_count)
SELECT k, k, u, 'order', method, provider, total, 'KES', CASE WHEN paid THEN 'succeeded' ELSE 'failed' END,
       CASE WHEN paid THEN 'R' || k END, CASE WHEN paid THEN 'applied' END, false, sale_at, sale_at, 0
FROM bench_orders"""),
    ("tickets", """
INSERT INTO tickets (id, order_id, order_item_id, trip_id, user_id, seat, seat_index, fare_class, short_code, status,
                     valid_from, valid_until, issued_at, status_changed_at, updated_at)
SELECT 3 * (k - 1) + j, k, 3 * (k - 1) + j, trip_id, u, j::text, j - 1,
       CASE (g + j) %% 3 WHEN 0 THEN 'standard' WHEN 1 THEN 'student' ELSE 'reduced' END,
       'T' || lpad(upper(to_hex(3 * (k - 1) + j)), 8, '0'),
       CASE WHEN refunded THEN 'cancelled' WHEN (g + j) %% 10 < 8 THEN 'used' ELSE 'expired' END,
       dep - interval '2 hours', dep + interval '6 hours', sale_at,
       CASE WHEN refunded THEN sale_at + interval '7 hours' WHEN (g + j) %% 10 < 8 THEN dep
            ELSE dep + interval '6 hours' END, now()
FROM (SELECT b.*, tr.departure_at AS dep FROM bench_orders b JOIN trips tr ON tr.id = b.trip_id WHERE b.paid) o,
     generate_series(1, 3) j
WHERE j <= n"""),
    ("ledger_plan", """
CREATE UNLOGGED TABLE bench_ledger AS
SELECT row_number() OVER (ORDER BY at, kind DESC, k) AS id, k, kind, at
FROM (SELECT k, 'sale' AS kind, sale_at AS at FROM bench_orders WHERE paid
      UNION ALL SELECT k, 'refund', sale_at + interval '7 hours' FROM bench_orders WHERE refunded) x"""),
    ("ledger_transactions", """
INSERT INTO ledger_transactions (id, kind, ref, carrier_id, order_id, payment_id, created_at)
SELECT l.id, l.kind, CASE WHEN l.kind = 'sale' THEN 'payment:' || l.k ELSE 'cancel-' || l.k END, b.c, l.k,
       CASE WHEN l.kind = 'sale' THEN l.k END, l.at
FROM bench_ledger l JOIN bench_orders b ON b.k = l.k ORDER BY l.id"""),
    ("ledger_entries", """
INSERT INTO ledger_entries (id, transaction_id, account, amount, currency)
SELECT 3 * l.id - 3 + e.n, l.id, e.account, e.amount, 'KES'
FROM bench_ledger l JOIN bench_orders b ON b.k = l.k,
LATERAL (VALUES
  (1, CASE WHEN l.kind = 'refund' THEN 'carrier_payable:' || b.c
           WHEN b.provider = 'wallet' THEN 'wallet:' || b.u ELSE 'provider_clearing:' || b.provider END,
      CASE WHEN l.kind = 'refund' THEN -(b.total / 2 - (b.total / 2) * 500 / 10000) ELSE -b.total END),
  (2, CASE WHEN l.kind = 'refund' THEN 'platform_fees' ELSE 'carrier_payable:' || b.c END,
      CASE WHEN l.kind = 'refund' THEN -((b.total / 2) * 500 / 10000) ELSE b.total - b.total * 500 / 10000 END),
  (3, CASE WHEN l.kind = 'refund' THEN 'wallet:' || b.u ELSE 'platform_fees' END,
      CASE WHEN l.kind = 'refund' THEN b.total / 2 ELSE b.total * 500 / 10000 END)
) AS e(n, account, amount)
ORDER BY l.id, e.n"""),
    ("cleanup", "DROP TABLE bench_orders, bench_ledger"),
]
SEQUENCED = ("carriers", "stops", "routes", "route_stops", "vehicles", "trips", "users", "orders", "order_items",
             "payments", "tickets", "ledger_transactions", "ledger_entries")


def generate(url: str, *, tickets: int, days: int, carriers: int, trips: int, quiet: bool = False) -> dict:
    """Build the database; the row counts."""
    recreate_database(url)
    app = bench_app(url)
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    base = datetime.combine(first_day(days), datetime.min.time(), tzinfo=NAIROBI)
    params = {"carriers": carriers, "days": days, "trips": trips, "base": base,
              "orders": max(1, round(tickets / 1.9))}  # 95% paid x 2 passengers on average
    params["per_day"] = -(-params["orders"] // days)  # a day's orders, in time order (as a ledger grows)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        conn.execute("SET synchronous_commit = off")
        for name, sql in STEPS:
            started = time.perf_counter()
            conn.execute(sql, params)
            if not quiet:
                print(f"  {name:<20} {time.perf_counter() - started:6.1f} s", flush=True)
        for table in SEQUENCED:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("trips", "orders", "tickets", "ledger_transactions", "ledger_entries")}
    return {"first_day": first_day(days), "days": days, "carriers": carriers, **counts}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--carriers", type=int, default=20)
    parser.add_argument("--trips", type=int, default=40, help="trips per carrier and day")
    parser.add_argument("--smoke", action="store_true", help="tiny data: 600 tickets, 3 days, 2 carriers")
    args = parser.parse_args(argv)
    if args.smoke:
        args.tickets, args.days, args.carriers, args.trips = 600, 3, 2, 4
    started = time.perf_counter()
    counts = generate(args.url, tickets=args.tickets, days=args.days, carriers=args.carriers, trips=args.trips,
                      quiet=args.smoke)
    print(f"generated in {time.perf_counter() - started:.1f} s: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
