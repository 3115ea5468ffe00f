"""Closing a carrier's days: the figures freeze, later money becomes an adjustment.

Rules (each refused with a 409 that says what to do instead):
- only a day that is over in the carrier's zone (``day-not-over``);
- in order: closing a day closes every open day since the last closed one, so closed days
  form one run and nothing is skipped (``close-earlier-days-first`` when more than
  ``MAX_DAYS_PER_CLOSE`` would close at once); the carrier's first close starts its books
  on that day (earlier days stay open, as before);
- never twice (``day-closed``).

How a day is frozen: under the carrier's row lock (two closes of one carrier queue), the
day's row is inserted, then every unassigned ledger transaction of the carrier with a
timestamp up to the day's end (and no earlier than ``LATE_WINDOW`` before the day, nor
before the books began) is assigned to it by one ``INSERT ... SELECT``, and the snapshot
is computed from exactly those rows. A transaction committing a moment later is thus
never lost: unassigned, it is counted by the next open day as a late adjustment.
A use case: it commits once (``unit_of_work``).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import exists, insert, literal, select
from sqlalchemy.exc import IntegrityError

from app.catalog.models import Carrier
from app.core.timeutil import isoformat
from app.database import utcnow
from app.errors import Conflict
from app.extensions import db, unit_of_work
from app.ledger.models import LedgerTransaction
from app.reports import daily
from app.reports.days import span
from app.reports.models import ClosedDay, ClosedDayTransaction
from app.reports.report import LATE_WINDOW, closed_run, compute

MAX_DAYS_PER_CLOSE = 62


def close_through(carrier_id: int, through: date, *, actor: str, now: datetime | None = None) -> list[ClosedDay]:
    """Close every open day of the carrier up to ``through``; the days closed, oldest first."""
    now = now or utcnow()

    def work() -> list[ClosedDay]:
        carrier = _lock_carrier(carrier_id)
        if span(carrier, through).end > now:
            raise Conflict(f"{through} is not over yet in the carrier's time zone; close it tomorrow.",
                           slug="day-not-over")
        first, last = closed_run(carrier.id)
        if last is not None and through <= last:
            raise Conflict(f"{through} is already closed (the books are closed through {last}).",
                           slug="day-closed")
        if first is None:
            first, days = through, [through]
        else:
            days = [last + timedelta(days=n) for n in range(1, (through - last).days + 1)]
        if len(days) > MAX_DAYS_PER_CLOSE:
            stop = days[MAX_DAYS_PER_CLOSE - 1]
            raise Conflict(f"That would close {len(days)} days at once; close through {stop} first.",
                           slug="close-earlier-days-first", close_through=stop.isoformat())
        books_begin = span(carrier, first).start
        return [_close_one(carrier, day, books_begin, actor=actor, now=now) for day in days]

    try:
        return unit_of_work(work)  # a close that lost a race runs again and finds the other's days
    except IntegrityError:
        raise Conflict(f"{through} was closed by someone else a moment ago.", slug="day-closed") from None


def _lock_carrier(carrier_id: int) -> Carrier:
    """The carrier under a row lock: closes of one carrier queue here, so each reads the run
    of closed days as the previous one left it (two at once could leave a gap)."""
    return db.session.execute(
        select(Carrier).where(Carrier.id == carrier_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def _close_one(carrier, day: date, books_begin: datetime, *, actor: str, now: datetime) -> ClosedDay:
    sp = span(carrier, day)
    row = ClosedDay(carrier_id=carrier.id, day=day, currency=carrier.currency, tickets_sold=0,
                    tickets_refunded=0, gross=0, refunds=0, commission=0, operator_fees=0, net_payable=0,
                    report={}, closed_at=now, closed_by=actor)
    db.session.add(row)
    db.session.flush()
    t = LedgerTransaction
    unassigned = (
        select(t.id, literal(row.id))
        .where(t.carrier_id == carrier.id, t.kind.not_in(daily.EXCLUDED_KINDS),
               t.created_at >= max(books_begin, sp.start - LATE_WINDOW), t.created_at < sp.end,
               ~exists().where(ClosedDayTransaction.ledger_transaction_id == t.id))
    )
    db.session.execute(insert(ClosedDayTransaction).from_select(
        ["ledger_transaction_id", "closed_day_id"], unassigned))
    scope = daily.Scope(carrier_id=carrier.id, currency=carrier.currency, tickets_from=sp.start,
                        tickets_to=sp.end, closed_day_id=row.id)
    report = compute(carrier, day, scope, now=now)
    report.update(status="closed", closed_at=isoformat(now), closed_by=actor)
    for key in daily.COUNTS + daily.MONEY:
        setattr(row, key, report[key])
    row.report = report
    return row
