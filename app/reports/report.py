"""Assembling a day's report from the ledger queries of ``app.reports.daily``.

``daily_report`` answers a closed day from its snapshot (its figures never change) and an
open day from the ledger, now. ``compute`` is shared with closing, which computes the
snapshot from exactly the transactions it has just assigned to the day.

Which transactions an open day counts (``open_scope``): closed days always form one run
(``app.reports.closing`` closes them in order), from the first closed day F to the last L.
The day after L also counts the transactions that reached the ledger after their own
(closed) day was closed: unassigned, with a timestamp up to ``LATE_WINDOW`` before it
(a database transaction does not stay open for days). Every other open day counts its own
timestamps, which no close has touched.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, text

from app.core.timeutil import isoformat
from app.database import utcnow
from app.extensions import db
from app.ledger.fees import default_bps
from app.reports import daily
from app.reports.days import local_day_of, span
from app.reports.models import ClosedDay

LATE_WINDOW = timedelta(days=2)


def closed_run(carrier_id: int) -> tuple[date | None, date | None]:
    """(first, last) closed day of the carrier, or (None, None)."""
    first, last = db.session.execute(
        select(func.min(ClosedDay.day), func.max(ClosedDay.day)).where(ClosedDay.carrier_id == carrier_id)
    ).one()
    return first, last


def open_scope(carrier, day: date, run: tuple[date | None, date | None] | None = None) -> daily.Scope:
    sp = span(carrier, day)
    first, last = run if run is not None else closed_run(carrier.id)
    common = dict(carrier_id=carrier.id, currency=carrier.currency, tickets_from=sp.start, tickets_to=sp.end,
                  upper=sp.end)
    if last is not None and day == last + timedelta(days=1):
        lower = max(span(carrier, first).start, sp.start - LATE_WINDOW)
        return daily.Scope(lower=lower, unassigned_only=True, **common)
    return daily.Scope(lower=sp.start, adjustable=last is not None, **common)


def daily_report(carrier, day: date, *, now: datetime | None = None) -> dict:
    """The report of ``day``: the closed snapshot, or the ledger now."""
    closed = db.session.scalar(select(ClosedDay).where(ClosedDay.carrier_id == carrier.id, ClosedDay.day == day))
    if closed is not None:
        return closed.report
    return compute(carrier, day, open_scope(carrier, day), now=now)


def compute(carrier, day: date, scope: daily.Scope, *, now: datetime | None = None) -> dict:
    """The whole report of ``day`` over the transactions of ``scope`` (integers, JSON-ready)."""
    now = now or utcnow()
    _custom_plans()
    zone = span(carrier, day).zone.key
    rows = daily.money_rows(scope) + daily.refunded_ticket_rows(scope)
    trips = daily.labels({r["trip_id"] for r in rows})
    routes = {t.route_id: t for t in trips.values()}
    for row in rows:
        row["route_id"] = trips[row["trip_id"]].route_id if row["trip_id"] in trips else None
    totals = _zero()
    groups: dict[str, dict] = {name: defaultdict(_zero) for name in daily.DIMENSIONS}
    for row in rows:
        _add(totals, row)
        for name, keys in daily.DIMENSIONS.items():
            _add(groups[name][tuple(row[k] for k in keys)], row)
    report = {
        "carrier_id": carrier.id, "date": day.isoformat(), "timezone": zone, "currency": carrier.currency,
        "status": "open", "closed_at": None, "closed_by": None,
        "commission_bps": default_bps() if carrier.commission_bps is None else carrier.commission_bps,
        **totals,
    }
    for name, keys in daily.DIMENSIONS.items():
        out = []
        for key, figures in sorted(groups[name].items(), key=lambda item: _sort_key(item[0])):
            if not any(figures.values()):
                continue
            out.append({**dict(zip(keys, key)), **_label(name, key[0], routes, trips, zone), **figures})
        report[name] = out
    report["boarding"] = _boarding(carrier, day, zone, now)
    report["adjustments"] = _adjustments(carrier, day, scope)
    return report


def _custom_plans() -> None:
    """Plan each report query for its own day (PostgreSQL), for the rest of this transaction.

    psycopg prepares a statement run five times on a connection, and PostgreSQL may then
    switch to a generic plan that does not know the day's bounds: the benchmark measured
    4.6 s instead of 30 ms for the main query on a million tickets. A custom plan costs
    about a millisecond of planning.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _zero() -> dict:
    return {key: 0 for key in daily.COUNTS + daily.MONEY}


def _add(into: dict, row: dict) -> None:
    for key in daily.COUNTS + daily.MONEY:
        into[key] += row[key]


def _sort_key(key: tuple):
    return tuple((value is None, str(value) if not isinstance(value, int) else f"{value:012d}") for value in key)


def _label(name: str, value, routes: dict, trips: dict, zone: str) -> dict:
    if name == "by_route":
        route = routes.get(value)
        return {"route_code": route.code if route else None, "route_name": route.name if route else None}
    if name == "by_trip":
        trip = trips.get(value)
        return {"route_code": trip.code if trip else None,
                "departure_at": isoformat(trip.departure_at, trip.timezone or zone) if trip else None}
    return {}


def _boarding(carrier, day: date, zone: str, now: datetime) -> dict:
    sp = span(carrier, day)
    per_trip = []
    for r in daily.boarding_rows(carrier.id, sp.start, sp.end):
        not_boarded = r.tickets - r.boarded
        gone = r.departure_at <= now
        per_trip.append({
            "trip_id": r.trip_id, "route_code": r.route_code,
            "departure_at": isoformat(r.departure_at, r.timezone or zone),
            "trip_status": r.status, "tickets": r.tickets, "boarded": r.boarded,
            "no_show": not_boarded if gone else 0, "awaiting": 0 if gone else not_boarded,
        })
    summary = {key: sum(t[key] for t in per_trip) for key in ("tickets", "boarded", "no_show", "awaiting")}
    return {"trips": len(per_trip), **summary, "by_trip": per_trip}


def _adjustments(carrier, day: date, scope: daily.Scope) -> list[dict]:
    """The report's transactions about earlier closed days, summed per (day adjusted, kind)."""
    grouped: dict[tuple, dict] = {}
    if not scope.adjustable:
        return []
    for row in daily.adjustment_rows(scope, day):
        for_day = local_day_of(carrier, row["created_at"]) if row["late"] else row["sale_day"]
        money = row["payable"] + row["fees"] + row["opfees"]
        entry = grouped.setdefault((for_day.isoformat(), row["kind"], row["late"]), {
            "for_date": for_day.isoformat(), "kind": row["kind"], "late": row["late"], "count": 0,
            **{key: 0 for key in daily.MONEY}})
        entry["count"] += 1
        entry["gross"] += max(money, 0)
        entry["refunds"] += max(-money, 0)
        entry["commission"] += row["fees"]
        entry["operator_fees"] += row["opfees"]
        entry["net_payable"] += row["payable"]
    return [grouped[key] for key in sorted(grouped)]
