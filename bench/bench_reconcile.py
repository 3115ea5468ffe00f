"""Reconciling a 10,000-line M-Pesa statement on PostgreSQL, beside the plain SQL join.

Run by hand (needs a PostgreSQL server; loopback only, bounded)::

    .venv/bin/python bench/bench_reconcile.py [--server postgresql://postgres@127.0.0.1:5432/postgres]
        [--lines 10000] [--background 100000] [--repeat 5]
    .venv/bin/python bench/bench_reconcile.py --smoke [--url <scratch db>]   # tiny; fails on errors or
                                                                           # wrong answers, never on time

It creates a scratch database ``safiri_bench_<random>``, a month of one carrier's payments
(``tests/reconciliation/statement_gen.py``: STK and Paybill payments, failed prompts), another
carrier's ``--background`` payments so the payments table is not toy-sized, and the month's
Paybill export cut to ``--lines`` rows. Then, each ``--repeat`` times (median reported):

- the upload through HTTP (test client, carrier admin): multipart, CSV, import of every line,
  matching, the JSON answer; first with every line new, then again (nothing new);
- its phases in-process: reading the CSV, and matching (receipt look-ups, the Till pass's
  candidates when there are any, what the statement lacks: ``app.reconciliation.matching``);
- the plain SQL over the same rows in the same run: the imported lines LEFT JOIN payments on
  the receipt (what an accounting tool does), and that plus the anti-join for missing payments;

and prints EXPLAIN (ANALYZE, BUFFERS) of the matching queries and the plain join. The
database is dropped at the end.
"""
from __future__ import annotations

import argparse
import csv
import io
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
from sqlalchemy import delete, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.auth.models import User  # noqa: E402
from app.catalog.models import Carrier  # noqa: E402
from app.database import utcnow  # noqa: E402
from app.extensions import db  # noqa: E402
from app.ledger.service import COUNTRY_ZONES  # noqa: E402
from app.reconciliation import matching  # noqa: E402
from app.reconciliation.models import MpesaShortcode, StatementImport, StatementLine  # noqa: E402
from app.reconciliation.statement_csv import parse_statement  # noqa: E402
from tests import factories  # noqa: E402
from tests.reconciliation.statement_gen import seed_month  # noqa: E402
from tests.reconciliation.support import OtherCarrier, payments, shortcode, upload  # noqa: E402

PLAIN_JOIN = """
SELECT l.receipt, l.amount, p.id, p.amount, p.status, o.code
FROM statement_lines l
LEFT JOIN payments p ON p.provider = 'mpesa' AND p.receipt = l.receipt
LEFT JOIN orders o ON o.id = p.order_id
WHERE l.shortcode_id = :shortcode AND l.kind = 'payment'
"""
PLAIN_MISSING = """
SELECT p.id, p.receipt, p.amount FROM payments p
JOIN orders o ON o.id = p.order_id JOIN trips t ON t.id = o.trip_id
WHERE t.carrier_id = :carrier AND p.provider = 'mpesa' AND p.status IN ('succeeded', 'refunded')
  AND p.settled_at BETWEEN :start AND :end
  AND NOT EXISTS (SELECT 1 FROM statement_lines l WHERE l.shortcode_id = :shortcode AND l.receipt = p.receipt)
"""


def _cut(csv_text: str, lines: int) -> str:
    """The export's first ``lines`` transaction rows, its stated period ending with the last."""
    head, _, table = csv_text.partition("Transactions\n")
    rows = list(csv.reader(io.StringIO(table)))
    header, body = rows[0], rows[1:lines + 1]
    last = body[-1][1]
    head = re.sub(r"(Time Period:,From .+? To ).+", lambda m: m.group(1) + last, head)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *body])
    return f"{head}Transactions\n{out.getvalue()}"


def _timed(repeat: int, work, reset=None) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        if reset:
            reset()
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return times, result


def _ms(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:8.1f} ms (min {min(times) * 1000:.1f})"


def _seed(args) -> tuple[str, int, int]:
    world = factories.build_world()
    shortcode(world.carrier, "600638")
    if args.background:
        other = OtherCarrier()
        start = utcnow() - timedelta(days=30)
        step = timedelta(days=30) / args.background
        for first in range(0, args.background, 20000):
            payments(other, [dict(code=f"BG{n:010d}", amount=150000, status="succeeded", receipt=f"BG{n:08d}",
                                  phone="+254700999999", created_at=start + step * n,
                                  settled_at=start + step * n + timedelta(seconds=20))
                             for n in range(first, min(args.background, first + 20000))])
    per_day = max(2, args.lines // 42 + 1)  # about 1.4 lines per prompt: payments, charges, failures
    month = seed_month(world, days=30, per_day=per_day, seed=3)
    db.session.execute(text("ANALYZE") if db.engine.dialect.name == "postgresql" else text("SELECT 1"))
    db.session.commit()
    return _cut(month.paybill_csv, args.lines), world.carrier.id, world.admin.id


def _literal(query) -> str:
    return str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))


def _explain(sql, params) -> None:
    for (line,) in db.session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}"), params):
        print("    " + (line if len(line) < 150 else line[:140] + " ..."))


def run(url: str, args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TICKET_SIGNING_KEYS_FILE": str(Path(tmp) / "keys.json"),
                          "SECRET_KEY": "bench-secret-key-long-enough-for-hs256-signing", "REDIS_URL": None,
                          "RATELIMIT_STORAGE_URI": "memory://", "MPESA_CONSUMER_KEY": None})
        with app.app_context():
            db.create_all()
            statement, carrier_id, admin_id = _seed(args)
            admin = db.session.get(User, admin_id)
            headers = factories.auth_headers(admin)
            client = app.test_client()
            shortcode_id = db.session.scalar(select(MpesaShortcode.id))
            postgres = db.engine.dialect.name == "postgresql"

            def clear():
                db.session.execute(delete(StatementLine))
                db.session.execute(delete(StatementImport))
                db.session.commit()

            def post():
                resp = upload(client, headers, carrier_id, statement)
                if resp.status_code != 200:
                    raise SystemExit(f"upload failed: {resp.status_code} {resp.get_data(as_text=True)[:500]}")
                return resp.get_json()

            first, answer = _timed(args.repeat, post, reset=clear)
            again, _ = _timed(args.repeat, post)
            carrier = db.session.get(Carrier, carrier_id)
            parsed_times, parsed = _timed(args.repeat, lambda: parse_statement(
                statement.encode(), COUNTRY_ZONES[carrier.country]))
            money = [row for row in parsed.rows if row.completed and row.kind == "payment"]
            period = parsed.period

            def match():
                found = matching.match_rows(carrier_id, "paybill", money, {}, country_code="254",
                                            window=timedelta(minutes=30))
                found.missing_from_statement = matching.missing_from_statement(
                    carrier_id, "paybill", [shortcode_id], period, {row.receipt for row in money})
                return found

            match_times, found = _timed(args.repeat, match)
            params = {"shortcode": shortcode_id, "carrier": carrier_id, "start": period[0], "end": period[1]}
            join_times, joined = _timed(args.repeat, lambda: db.session.execute(text(PLAIN_JOIN), params).all())
            both_times, both = _timed(args.repeat, lambda: (db.session.execute(text(PLAIN_JOIN), params).all(),
                                                            db.session.execute(text(PLAIN_MISSING), params).all()))
            ok = _check(found, joined, both[1])
            print(f"statement: {answer['lines']['in_file']} lines ({len(statement) / 1e6:.2f} MB), "
                  f"{len(money)} payment lines, {args.background} other payments in the table; "
                  f"{db.engine.dialect.name}, median of {args.repeat}")
            print(f"  matched {len(answer['matched'])}, unknown_here {len(answer['unknown_here'])}, "
                  f"amount_mismatch {len(answer['amount_mismatch'])}, missing {len(answer['missing_from_statement'])}, "
                  f"match_rate {answer['match_rate']}; plain join rows {len(joined)}, match rows "
                  f"{len(found.matched) + len(found.amount_mismatch)}")
            print(f"  upload, all lines new (HTTP)      {_ms(first)}")
            print(f"  upload again, nothing new (HTTP)  {_ms(again)}")
            print(f"  read the CSV                      {_ms(parsed_times)}")
            print(f"  match (receipts + missing)        {_ms(match_times)}")
            print(f"  plain SQL join                    {_ms(join_times)}   -> match / join "
                  f"{statistics.median(match_times) / statistics.median(join_times):.2f}x")
            print(f"  plain SQL join + missing          {_ms(both_times)}   -> match / (join + missing) "
                  f"{statistics.median(match_times) / statistics.median(both_times):.2f}x")
            if postgres and not args.smoke:
                receipts = [row.receipt for row in money]
                lookup = matching.receipts_join_query(carrier_id, receipts, "600638")
                missing = matching.missing_query(carrier_id, "paybill", [shortcode_id], period, "600638")
                print(f"\nEXPLAIN the carrier's payments by receipt ({len(receipts)} receipts, one array, unnest):")
                _explain(_literal(lookup), {})
                print("\nEXPLAIN missing from statement:")
                _explain(_literal(missing), {})
                print("\nEXPLAIN plain join:")
                _explain(PLAIN_JOIN, params)
                print("\nEXPLAIN plain missing (anti-join):")
                _explain(PLAIN_MISSING, params)
            db.session.remove()
            db.engine.dispose()
            if not ok:
                raise SystemExit(1)


def _check(found, joined, plain_missing) -> bool:
    """The matching found what the plain SQL finds over the same rows (else FAIL, exit 1):
    the same (receipt, payment) pairs, and the same payments missing from the statement."""
    ours = {(m.row.receipt, m.payment.id) for m in found.matched + found.amount_mismatch}
    plain = {(receipt, payment_id) for receipt, _, payment_id, *_ in joined if payment_id is not None}
    missing_ours = {ref.id for ref in found.missing_from_statement}
    missing_plain = {row[0] for row in plain_missing}
    good = ours == plain and missing_ours == missing_plain
    print(f"  {'ok  ' if good else 'FAIL'} matches == plain join ({len(ours)} vs {len(plain)}), "
          f"missing == plain anti-join ({len(missing_ours)} vs {len(missing_plain)})")
    return good


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--lines", type=int, default=10000)
    parser.add_argument("--background", type=int, default=100000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--smoke", action="store_true",
                        help="tiny data (SQLite, or --url); fails only on errors or wrong answers, never on time")
    parser.add_argument("--url", help="--smoke: an empty scratch database to use instead of SQLite")
    args = parser.parse_args(argv)
    if args.smoke:
        args.lines, args.background, args.repeat = 120, 50, 1
        if args.url:
            run(args.url, args)
            return
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/bench.db", args)
        return
    server = make_url(args.server)
    name = f"safiri_bench_{uuid.uuid4().hex[:8]}"
    dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    url = server.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        run(url, args)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
