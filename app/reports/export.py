"""CSV for accounting tools: the daily report and the settlements, as spreadsheets read them.

Amounts are written in the currency's major unit with its exact minor digits
(``1500.00`` for 150000 KES cents), computed from the integers, never through a float,
with a ``currency`` column. A text cell that a spreadsheet would run as a formula
(starting with ``= + - @``, a tab or a carriage return: a route named ``=HYPERLINK(...)``)
gets a leading apostrophe (OWASP's advice against CSV injection).
"""
from __future__ import annotations

import csv
import io

from flask import Response, request

from app.core.money import MINOR_UNITS
from app.reports import daily

CSV = "text/csv"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def wants_csv() -> bool:
    """The client asked for CSV (``Accept: text/csv``) over JSON."""
    return request.accept_mimetypes.best_match(["application/json", CSV]) == CSV


def major(amount: int, currency: str) -> str:
    """``150000, "KES"`` -> ``"1500.00"``; ``-5, "KES"`` -> ``"-0.05"``; ``700, "UGX"`` -> ``"700"``."""
    exponent = MINOR_UNITS.get(currency, 2)
    if exponent == 0:
        return str(amount)
    whole, minor = divmod(abs(amount), 10 ** exponent)
    return f"{'-' if amount < 0 else ''}{whole}.{minor:0{exponent}d}"


def _cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _response(rows: list[list], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return Response(buffer.getvalue(), mimetype=CSV, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Vary": "Accept"})


REPORT_COLUMNS = ["section", "key", "label", *daily.COUNTS, *daily.MONEY, "tickets", "boarded", "no_show",
                  "awaiting", "currency"]
_SECTIONS = {  # breakdown -> (section name, key field, label)
    "by_route": ("route", "route_id", lambda r: " ".join(filter(None, (r.get("route_code"), r.get("route_name"))))),
    "by_trip": ("trip", "trip_id", lambda r: " ".join(filter(None, (r.get("route_code"), r.get("departure_at"))))),
    "by_channel": ("channel", "channel", lambda r: None),
    "by_payment_method": ("payment_method", "method", lambda r: None),
    "by_fare_class": ("fare_class", "fare_class", lambda r: None),
}


def report_csv(report: dict) -> Response:
    """One row for the totals, then one per breakdown row, adjustment and trip boarding."""
    currency = report["currency"]

    def figures(row):
        return [row[k] for k in daily.COUNTS] + [major(row[k], currency) for k in daily.MONEY]

    rows = [REPORT_COLUMNS, ["total", report["date"], report["status"], *figures(report), "", "", "", "", currency]]
    for name, (section, key, label) in _SECTIONS.items():
        for row in report[name]:
            rows.append([section, row[key], label(row), *figures(row), "", "", "", "", currency])
    for adj in report["adjustments"]:
        label = f"{adj['kind']} ({adj['count']}{', late' if adj['late'] else ''})"
        rows.append(["adjustment", adj["for_date"], label, "", "",
                     *[major(adj[k], currency) for k in daily.MONEY], "", "", "", "", currency])
    for trip in report["boarding"]["by_trip"]:
        rows.append(["boarding", trip["trip_id"], f"{trip['route_code']} {trip['departure_at']}", "", "",
                     "", "", "", "", "", trip["tickets"], trip["boarded"], trip["no_show"], trip["awaiting"], ""])
    return _response(rows, f"daily-{report['carrier_id']}-{report['date']}.csv")


SETTLEMENT_COLUMNS = ["id", "period_start", "period_end", "days", "gross", "refunds", "commission", "fees", "cash_kept",
                      "net", "currency", "status", "reference", "created_at", "paid_at"]


def settlements_csv(carrier_id: int, settlements) -> Response:
    rows = [SETTLEMENT_COLUMNS]
    for s in settlements:
        rows.append([s.id, s.period_start.isoformat(), s.period_end.isoformat(), s.days,
                     *[major(getattr(s, k), s.currency) for k in ("gross", "refunds", "commission", "fees", "cash_kept", "net")],
                     s.currency, s.status, s.reference, s.created_at.isoformat(),
                     s.paid_at.isoformat() if s.paid_at else None])
    return _response(rows, f"settlements-{carrier_id}.csv")
