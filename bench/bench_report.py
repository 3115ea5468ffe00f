"""Daily report benchmark (run by hand): the report of one carrier and day, side by side with
plain SQL over the same ledger rows, in the same run, on the database ``gen_ledger.py`` built.

    .venv/bin/python bench/gen_ledger.py && .venv/bin/python bench/bench_report.py
    .venv/bin/python bench/bench_report.py --carrier 7 --day 15 --runs 15
    .venv/bin/python bench/bench_report.py --smoke --url ...   # tiny data: checks, no targets

Timed, warm (each first run discarded), median of ``--runs``:
- ``plain totals``: one hand-written aggregate of the day's ledger entries (the floor),
  with PostgreSQL's own plan and with a serial plan, the faster counting;
- ``plain breakdowns``: one hand-written ``GROUPING SETS`` query giving the totals and the
  route, trip, channel and method breakdowns (what a DBA would write for the same answer);
- ``report (service)``: ``app.reports.report.daily_report`` (every query plus the Python
  that assembles the report), and the statements it ran with their time;
- ``report (HTTP JSON)``, ``report (HTTP CSV)``: ``GET .../reports/daily`` through the app
  (token, schema, serialisation) with the test client;
- ``close day``, then ``closed report``: closing the day (assigning its transactions and
  freezing the snapshot) and reading it back.
Then ``EXPLAIN (ANALYZE, BUFFERS)`` of the report's main query and of the plain totals.
Always checked (also in ``--smoke``): the report's totals equal plain SQL's, every
breakdown adds up to them, and the closed day equals the open one; exit 1 otherwise.
Targets (reported, not enforced): report under 1 s and within 3x plain SQL.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, event, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from app.auth.models import User  # noqa: E402
from app.auth.tokens import issue_access_token  # noqa: E402
from app.catalog.models import Carrier  # noqa: E402
from app.extensions import db  # noqa: E402
from app.reports import daily  # noqa: E402
from app.reports.closing import close_through  # noqa: E402
from app.reports.days import span  # noqa: E402
from app.reports.models import ClosedDay, ClosedDayTransaction  # noqa: E402
from app.reports.report import daily_report, open_scope  # noqa: E402
from bench.gen_ledger import DEFAULT_URL, bench_app, first_day  # noqa: E402

PLAIN_TOTALS = """
SELECT coalesce(sum(e.amount) FILTER (WHERE t.kind = 'sale'), 0) AS gross,
       coalesce(-sum(e.amount) FILTER (WHERE t.kind = 'refund'), 0) AS refunds,
       coalesce(sum(e.amount) FILTER (WHERE e.account = 'platform_fees'), 0) AS commission,
       coalesce(sum(e.amount) FILTER (WHERE e.account = :payable), 0) AS net_payable,
       count(DISTINCT t.id) AS transactions
FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
WHERE t.carrier_id = :carrier AND t.created_at >= :start AND t.created_at < :end
  AND e.account IN (:payable, 'platform_fees')"""
PLAIN_BREAKDOWNS = """
SELECT tr.route_id, o.trip_id, o.channel, p.method,
       sum(e.amount) FILTER (WHERE t.kind = 'sale') AS gross,
       -sum(e.amount) FILTER (WHERE t.kind = 'refund') AS refunds,
       sum(e.amount) FILTER (WHERE e.account = 'platform_fees') AS commission,
       sum(e.amount) FILTER (WHERE e.account = :payable) AS net_payable
FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
LEFT JOIN orders o ON o.id = t.order_id LEFT JOIN trips tr ON tr.id = o.trip_id
LEFT JOIN payments p ON p.id = o.payment_id
WHERE t.carrier_id = :carrier AND t.created_at >= :start AND t.created_at < :end
  AND e.account IN (:payable, 'platform_fees')
GROUP BY GROUPING SETS ((), (tr.route_id), (o.trip_id), (o.channel), (p.method))"""


class Statements:
    """Every SQL statement the app runs while ``on``, with its time (ms)."""

    def __init__(self, engine):
        self.on, self.log = False, []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, params, context, executemany):
        conn.info["bench_t0"] = time.perf_counter()

    def _after(self, conn, cursor, statement, params, context, executemany):
        if self.on:
            self.log.append(((time.perf_counter() - conn.info["bench_t0"]) * 1000, " ".join(statement.split())[:70]))


def timed(fn, runs: int) -> tuple[float, float, object]:
    """(median ms, min ms, last result) of ``runs`` calls after one warm-up call."""
    result = fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), min(samples), result


def explain(sql: str, params: dict) -> str:
    rows = db.session.connection().exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).all()
    return "\n".join("    " + r[0] for r in rows)


def compiled(statement) -> tuple[str, dict]:
    c = statement.compile(dialect=db.engine.dialect, compile_kwargs={"render_postcompile": True})
    return str(c), dict(c.params)


def reopen(carrier_id: int) -> None:
    """Undo the bench's own close (the bench database only: the product never reopens a day)."""
    db.session.rollback()
    days = select(ClosedDay.id).where(ClosedDay.carrier_id == carrier_id)
    db.session.execute(delete(ClosedDayTransaction).where(ClosedDayTransaction.closed_day_id.in_(days)))
    db.session.execute(delete(ClosedDay).where(ClosedDay.carrier_id == carrier_id))
    db.session.commit()


def check(ok: bool, what: str, failures: list) -> None:
    print(f"  {'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        failures.append(what)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--carrier", type=int, default=1)
    parser.add_argument("--day", type=int, default=None, help="index of the day in the data (default: the middle)")
    parser.add_argument("--days", type=int, default=30, help="days gen_ledger generated")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if args.smoke:
        args.days, args.runs = 3, 2
    app = bench_app(args.url)
    failures: list[str] = []
    with app.app_context():
        carrier = db.session.get(Carrier, args.carrier)
        day = first_day(args.days) + timedelta(days=args.days // 2 if args.day is None else args.day)
        sp = span(carrier, day)
        params = {"carrier": carrier.id, "start": sp.start, "end": sp.end, "payable": f"carrier_payable:{carrier.id}"}
        admin = db.session.query(User).filter_by(role="carrier_admin", carrier_id=carrier.id).first()
        client, token = app.test_client(), issue_access_token(admin)
        url = f"/api/v1/carriers/{carrier.id}/reports/daily?date={day}"
        headers = {"Authorization": f"Bearer {token}"}
        reopen(carrier.id)  # a previous run closed the day: measure it open
        statements = Statements(db.engine)
        print(f"carrier {carrier.id}, {day} ({sp.zone.key}); {args.runs} runs each, median (min) ms")

        results = {}
        for label, sql in (("plain totals", PLAIN_TOTALS), ("plain breakdowns", PLAIN_BREAKDOWNS)):
            # PostgreSQL's own plan (often a parallel scan) and a serial one: the faster is the baseline.
            runs = [timed(lambda: db.session.execute(text(sql), params).all(), args.runs)]
            db.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
            runs.append(timed(lambda: db.session.execute(text(sql), params).all(), args.runs))
            db.session.rollback()
            print(f"  ({label}: default plan {runs[0][0]:.1f} ms, serial plan {runs[1][0]:.1f} ms)")
            results[label] = min(runs, key=lambda r: r[0])
            results[label] = (*results[label][:2], results[label][2][0])

        def service():
            db.session.expire_all()
            return daily_report(carrier, day)

        results["report (service)"] = timed(service, args.runs)
        statements.on = True
        service()
        statements.on = False
        results["report (HTTP JSON)"] = timed(lambda: client.get(url, headers=headers), args.runs)
        results["report (HTTP CSV)"] = timed(
            lambda: client.get(url, headers={**headers, "Accept": "text/csv"}), args.runs)

        plain = results["plain totals"][2]
        report = results["report (service)"][2]
        floor = results["plain totals"][0]
        for name, (median, fastest, _) in results.items():
            ratio = f"{median / floor:5.1f}x plain totals" if name != "plain totals" else ""
            print(f"  {name:<20} {median:8.1f} ({fastest:7.1f})  {ratio}")
        print(f"  the report's statements ({len(statements.log)}):")
        for ms, sql in statements.log:
            print(f"    {ms:7.2f} ms  {sql}")
        print(f"  ledger rows of the day: {plain.transactions} transactions; tickets sold {report['tickets_sold']}")

        print("checks:")
        check([report[k] for k in ("gross", "refunds", "commission", "net_payable")] ==
              [int(plain.gross), int(plain.refunds), int(plain.commission), int(plain.net_payable)],
              "report totals == plain SQL totals", failures)
        for name in daily.DIMENSIONS:
            sums = {k: sum(r[k] for r in report[name]) for k in daily.COUNTS + daily.MONEY}
            check(sums == {k: report[k] for k in sums}, f"{name} rows add up to the totals", failures)
        check(results["report (HTTP JSON)"][2].status_code == 200, "HTTP JSON answers 200", failures)
        check(results["report (HTTP CSV)"][2].mimetype == "text/csv", "HTTP CSV answers text/csv", failures)

        sql, sql_params = compiled(daily.money_query(open_scope(carrier, day)))
        print("EXPLAIN (ANALYZE, BUFFERS) the report's main query (daily.money_query):")
        print(explain(sql, sql_params))
        print("EXPLAIN (ANALYZE, BUFFERS) plain totals:")
        print(explain(*compiled(text(PLAIN_TOTALS).bindparams(**params))))

        started = time.perf_counter()
        close_through(carrier.id, day, actor="system:bench")
        close_ms = (time.perf_counter() - started) * 1000
        closed = timed(service, args.runs)
        print(f"  close day            {close_ms:8.1f}")
        print(f"  closed report        {closed[0]:8.1f} ({closed[1]:7.1f})")
        frozen = {k: v for k, v in closed[2].items() if k not in ("status", "closed_at", "closed_by")}
        check(frozen == {k: v for k, v in report.items() if k not in ("status", "closed_at", "closed_by")},
              "the closed day equals the open report", failures)
        reopen(carrier.id)
    if not args.smoke:
        median = results["report (service)"][0]
        print(f"targets: under 1 s: {'met' if median < 1000 else 'NOT met'}; within 3x plain totals: "
              f"{'met' if median <= 3 * floor else 'NOT met'} ({median / floor:.1f}x); within 3x plain breakdowns: "
              f"{'met' if median <= 3 * results['plain breakdowns'][0] else 'NOT met'} "
              f"({median / results['plain breakdowns'][0]:.1f}x)")
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
