"""The statement upload use case: read the file, check it whole, store its lines once, answer.

Read top to bottom (``import_statement``): parse (``statement_csv``); refuse the file whole
if any row is a duplicate or lies in the future; find whose shortcode it is; compare with the
lines already imported (a line stored before must say the same, or nothing is imported);
match the money rows (``matching``); store the new lines and their matches; list what this
carrier received here but the statement lacks; commit once. A rejected file changes nothing,
a re-uploaded one adds nothing, an overlapping one adds only its new lines; two uploads that
race on the same lines meet the unique (shortcode, receipt) constraint and the loser runs
again, whole, and finds them imported.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import phonenumbers
import psycopg
from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from app.catalog.models import Carrier
from app.database import utcnow
from app.errors import Conflict
from app.extensions import db, unit_of_work
from app.ledger.service import COUNTRY_ZONES
from app.reconciliation.charges import post_charges
from app.reconciliation.matching import (
    Match,
    Reconciliation,
    among,
    match_rows,
    missing_from_statement,
    payments_by_id,
    rows,
)
from app.reconciliation.models import MpesaShortcode, StatementImport, StatementLine
from app.reconciliation.shortcodes import carrier_shortcodes, statement_shortcode
from app.reconciliation.statement_csv import (
    MAX_ERRORS_LISTED,
    ParsedStatement,
    StatementRejected,
    StatementRow,
    parse_statement,
)

FUTURE_TOLERANCE = timedelta(minutes=5)  # clocks differ a little; a row later than this is not real


@dataclass
class ImportResult:
    shortcode: MpesaShortcode
    layout: str
    currency: str
    period: tuple[datetime, datetime]
    rows: list[StatementRow]
    lines_added: int
    reconciliation: Reconciliation
    by_kind: dict[str, list[StatementRow]] = field(default_factory=dict)

    @property
    def money_rows(self) -> list[StatementRow]:
        return self.by_kind.get("payment", [])

    @property
    def match_rate(self) -> float | None:
        total = len(self.money_rows)
        return round(len(self.reconciliation.matched) / total, 4) if total else None


def import_statement(carrier: Carrier, data: bytes, *, requested_shortcode: str | None = None,
                     user_id: int | None = None, now: datetime | None = None) -> ImportResult:
    """Import one Org Portal statement of one of ``carrier``'s shortcodes and reconcile it.

    Errors: ``StatementRejected`` (422: unreadable, wrong columns, empty, duplicate rows, rows
    in the future, not this carrier's shortcode) and ``Conflict`` (409: a line already imported
    says otherwise). Either way nothing is stored.
    """
    parsed = parse_statement(data, COUNTRY_ZONES.get(carrier.country, "UTC"))
    _check_whole(parsed, now or utcnow())
    digest = hashlib.sha256(data).hexdigest()
    return unit_of_work(lambda: _import(carrier.id, parsed, digest, requested_shortcode, user_id))


def _check_whole(parsed: ParsedStatement, now: datetime) -> None:
    seen: dict[str, int] = {}
    duplicates = []
    for row in parsed.rows:
        if row.receipt in seen:
            duplicates.append(f"{row.receipt} (lines {seen[row.receipt]} and {row.line})")
        seen.setdefault(row.receipt, row.line)
    if duplicates:
        raise StatementRejected(f"The statement lists a receipt more than once: {', '.join(duplicates[:MAX_ERRORS_LISTED])}"
                                f"{' ...' if len(duplicates) > MAX_ERRORS_LISTED else ''}.", "statement-duplicate-rows",
                                duplicates=len(duplicates))
    future = [row for row in parsed.rows if row.completed_at > now + FUTURE_TOLERANCE]
    if future:
        lines = ", ".join(str(row.line) for row in future[:MAX_ERRORS_LISTED])
        raise StatementRejected(f"{len(future)} row(s) are dated in the future (line {lines}): is the date format "
                                "day-month-year?", "statement-future-rows", future_rows=len(future))


def _import(carrier_id: int, parsed: ParsedStatement, digest: str, requested: str | None,
            user_id: int | None) -> ImportResult:
    carrier = db.session.get(Carrier, carrier_id)  # read inside the unit: a retry starts afresh
    shortcode = statement_shortcode(carrier.id, parsed, requested)
    completed = [row for row in parsed.rows if row.completed]
    by_kind: dict[str, list[StatementRow]] = {}
    for row in completed:
        by_kind.setdefault(row.kind, []).append(row)
    existing = _existing_lines(shortcode.id, [row.receipt for row in completed])
    _check_agrees(completed, existing, carrier.currency)
    known_refs = payments_by_id([line.payment_id for line in existing.values() if line.payment_id])
    known = {receipt: (known_refs[line.payment_id], line.matched_by)
             for receipt, line in existing.items() if line.payment_id in known_refs}
    reconciliation = match_rows(
        carrier.id, parsed.layout, by_kind.get("payment", []), known,
        country_code=str(phonenumbers.country_code_for_region(carrier.country)),
        window=timedelta(minutes=float(current_app.config.get("TILL_MATCH_WINDOW_MINUTES") or 30)),
        shortcode=shortcode.shortcode)
    matches = {m.row.receipt: m for m in reconciliation.matched + reconciliation.amount_mismatch}
    _release_guesses_receipts_overrule(matches, existing)
    new_rows = [row for row in completed if row.receipt not in existing]
    period = parsed.period or (min(r.completed_at for r in parsed.rows), max(r.completed_at for r in parsed.rows))
    if new_rows:
        batch = StatementImport(carrier_id=carrier.id, shortcode_id=shortcode.id, uploaded_by_id=user_id,
                                layout=parsed.layout, sha256=digest, period_start=period[0], period_end=period[1],
                                lines_in_file=len(parsed.rows), lines_added=len(new_rows))
        db.session.add(batch)
        db.session.flush()
        _store([_line(row, shortcode.id, batch.id, carrier.currency, matches.get(row.receipt)) for row in new_rows])
        post_charges(carrier.id, batch.id, new_rows, carrier.currency)
    newly_matched = [{"id": line.id, "payment_id": matches[receipt].payment.id, "matched_by": matches[receipt].by}
                     for receipt, line in existing.items() if line.payment_id is None and receipt in matches]
    if newly_matched:
        db.session.execute(update(StatementLine), newly_matched)
    db.session.flush()
    reconciliation.missing_from_statement = missing_from_statement(
        carrier.id, shortcode.kind, [row.id for row in carrier_shortcodes(carrier.id)], period,
        {row.receipt for row in completed}, shortcode.shortcode)
    return ImportResult(shortcode=shortcode, layout=parsed.layout, currency=carrier.currency, period=period,
                        rows=parsed.rows, lines_added=len(new_rows), reconciliation=reconciliation, by_kind=by_kind)


_STORED = (StatementLine.id, StatementLine.receipt, StatementLine.kind, StatementLine.completed_at,
           StatementLine.amount, StatementLine.currency, StatementLine.payment_id, StatementLine.matched_by)


def _existing_lines(shortcode_id: int, receipts: list[str]) -> dict:
    """receipt -> the stored line (a row of ``_STORED``: plain tuples, a month is thousands)."""
    found: dict = {}
    for condition in among(StatementLine.receipt, receipts):
        found.update((line.receipt, line) for line in rows(select(*_STORED).where(
            StatementLine.shortcode_id == shortcode_id, condition)))
    return found


def _check_agrees(rows: list[StatementRow], existing: dict, currency: str) -> None:
    """A line imported before must read the same now: otherwise one of the files is wrong."""
    differ = [row.receipt for row in rows if row.receipt in existing and (
        existing[row.receipt].amount != row.amount or existing[row.receipt].currency != currency
        or existing[row.receipt].kind != row.kind or existing[row.receipt].completed_at != row.completed_at)]
    if differ:
        raise Conflict(f"{len(differ)} line(s) were imported before with another amount, type or time: "
                       f"{', '.join(differ[:MAX_ERRORS_LISTED])}. Nothing was imported.", slug="statement-conflicts",
                       receipts=differ[:50])


def _release_guesses_receipts_overrule(matches: dict[str, Match], existing: dict) -> None:
    """A payment matched by receipt now may have been paired by amount, payer and time with
    another line before (its receipt came later): the receipt is proof, the pairing a guess."""
    ids = [m.payment.id for receipt, m in matches.items() if receipt not in existing or not existing[receipt].payment_id]
    stale = []
    for condition in among(StatementLine.payment_id, ids):
        stale += db.session.execute(select(StatementLine.id, StatementLine.payment_id, StatementLine.receipt).where(
            condition)).all()
    guesses = [{"id": line_id, "payment_id": None, "matched_by": None} for line_id, _, receipt in stale
               if receipt not in matches]
    if guesses:
        db.session.execute(update(StatementLine), guesses)
        db.session.flush()


def _store(lines: list[dict]) -> None:
    """Insert the new lines. On PostgreSQL with COPY: a month is ten thousand lines, and COPY
    takes them several times faster than INSERTs (the constraints hold all the same; a
    duplicate raises ``IntegrityError`` as an INSERT would, so a racing upload runs again)."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        db.session.execute(insert(StatementLine.__table__), lines)
        return
    columns = list(lines[0])
    try:
        with connection.connection.driver_connection.cursor() as cursor:
            with cursor.copy(f"COPY statement_lines ({', '.join(columns)}) FROM STDIN") as copy:
                for line in lines:
                    copy.write_row([line[column] for column in columns])
    except psycopg.errors.IntegrityError as exc:
        raise IntegrityError("COPY statement_lines", None, exc) from exc


def _line(row: StatementRow, shortcode_id: int, import_id: int, currency: str, match: Match | None) -> dict:
    return {
        "shortcode_id": shortcode_id, "import_id": import_id, "receipt": row.receipt, "kind": row.kind,
        "completed_at": row.completed_at, "amount": row.amount, "currency": currency,
        "description": row.description or None, "account_reference": (row.account_reference or "")[:40] or None,
        "payer_masked": masked(row.payer) if row.kind == "payment" else None, "linked_receipt": row.linked_receipt,
        "payment_id": match.payment.id if match else None, "matched_by": match.by if match else None,
    }


def masked(printed: str | None) -> str | None:
    """``254711000111`` -> ``25471****0111``: enough to tell lines apart, not to call anyone."""
    if not printed:
        return None
    if "*" in printed or len(printed) <= 8:
        return printed[:20] if "*" in printed else "****"
    return f"{printed[:5]}****{printed[-4:]}"
