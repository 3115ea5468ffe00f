"""Reading an M-Pesa Org Portal statement export (Paybill or Till layout), quirks and all.

Why a reader of its own: the export is made for people and spreadsheets, not programs. A
few description lines (organisation, short code, period, sometimes a line ``Transactions``)
come before the table, so the header row is found by its content, not its position; dates
come as ``DD-MM-YYYY HH:MM:SS``, ``YYYY-MM-DD HH:MM:SS`` or, once Excel touched the file, a
serial number; amounts carry thousands separators and the unused one of Paid In / Withdrawn
is blank; charges and settlement sweeps are rows of their own; only ``Completed`` rows moved
money; ``A/C No.`` is whatever the customer typed. The Till export is another table
(``STORE_NAME``, ``RECEIPT_NUMBER``...) without a short code or a status column.

Pure: bytes in, rows out (times in UTC, amounts in minor units), or ``StatementRejected``
naming the line and what is wrong with it. No database, no Flask.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo

from app.errors import Unprocessable

PAYBILL, TILL = "paybill", "till"
# Normalised header names (lower case, no dots, single spaces) each layout must have.
PAYBILL_COLUMNS = ("receipt no", "completion time", "details", "transaction status", "paid in", "withdrawn",
                   "reason type", "other party info", "linked transaction id", "a/c no")
TILL_COLUMNS = ("receipt_number", "transaction_type", "start_timestamp", "transaction_party_details",
                "credit_amount", "debit_amount", "linked_transaction_id")
TILL_OPTIONAL = ("store_name", "transaction_status")
_LAYOUT_OF_HEADER = {"receipt no": PAYBILL, "receipt_number": TILL}
# DD-MM-YYYY (day first, as Kenya writes it) or YYYY-MM-DD, with - or /, seconds optional.
_DAY_FIRST = re.compile(r"^(\d{1,2})[-/](\d{1,2})[-/](\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
_YEAR_FIRST = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
_EXCEL_EPOCH = datetime(1899, 12, 30)
_RECEIPT = re.compile(r"^[A-Z0-9]{6,20}$")
_PAYER = re.compile(r"^\+?[0-9*]{6,15}$")
_PERIOD = re.compile(r"from\s+(.+?)\s+to\s+(.+)$", re.IGNORECASE)
MAX_ERRORS_LISTED = 5
MIN_YEAR, MAX_YEAR = 2000, 2100


class StatementRejected(Unprocessable):
    """The file cannot be imported as it is; ``detail`` says why and where, nothing is kept."""

    def __init__(self, detail: str, slug: str, **extra):
        super().__init__(detail, slug=slug, title="Statement not imported", **extra)


@dataclass(frozen=True)
class StatementRow:
    line: int  # line number in the file (1-based), for error messages
    receipt: str
    completed_at: datetime  # UTC
    status: str  # as written: Completed, Failed, ...
    amount: int  # minor units: > 0 money in, < 0 money out
    kind: str  # payment, charge, sweep, other
    description: str
    account_reference: str | None  # exactly as typed
    payer: str | None  # MSISDN as printed (digits, maybe masked with *), never the name
    linked_receipt: str | None

    @property
    def completed(self) -> bool:
        return self.status.strip().lower() == "completed"


@dataclass
class ParsedStatement:
    layout: str
    shortcode: str | None  # from the description lines (Paybill); a Till export has none
    store_names: set[str] = field(default_factory=set)
    period: tuple[datetime, datetime] | None = None  # as stated in the file, UTC
    rows: list[StatementRow] = field(default_factory=list)


def parse_statement(data: bytes, zone: str) -> ParsedStatement:
    """Read an Org Portal export; times are read in ``zone`` (the organisation's own)."""
    text = _decode(data)
    tz = ZoneInfo(zone)
    lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    header_at, layout, columns = _find_header(lines)
    statement = ParsedStatement(layout=layout, shortcode=None)
    _read_description(lines[:header_at], statement, tz)
    read_row = _paybill_row if layout == PAYBILL else _till_row
    for index in range(header_at + 1, len(lines)):
        cells = lines[index]
        if not "".join(cells).strip():
            continue
        width = len(cells)
        values = {name: (cells[i].strip() if i < width else "") for name, i in columns}
        row = read_row(values, index + 1, tz, statement)
        if row is not None:
            statement.rows.append(row)
    if not statement.rows:
        raise StatementRejected("The statement has a header but no transactions.", "statement-empty")
    return statement


def _decode(data: bytes) -> str:
    if not data or not data.strip():
        raise StatementRejected("The file is empty.", "statement-empty")
    if data.startswith(b"PK\x03\x04"):
        raise StatementRejected("This is a spreadsheet (xlsx), not CSV: export the statement as CSV.",
                                "statement-not-csv")
    if data.startswith(b"%PDF"):
        raise StatementRejected("This is a PDF statement: download the CSV export from the Org Portal.",
                                "statement-not-csv")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise StatementRejected("The file is not readable text.", "statement-not-csv") from None
    if b"\x00" in data:
        raise StatementRejected("The file is binary, not a CSV statement.", "statement-not-csv")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if sum(ch < " " and ch not in "\t\r\n" for ch in text[:4096]) or "\ufffd" in text:
        raise StatementRejected("The file is binary, not a CSV statement.", "statement-not-csv")
    return text


def _delimiter(text: str) -> str:
    """Comma as exported; a spreadsheet may have saved it with tabs or semicolons."""
    for line in text.splitlines():
        low = line.lower()
        if "receipt no" in low or "receipt_number" in low:
            return max(",\t;", key=line.count)
    return ","


def _norm(name: str) -> str:
    return " ".join(name.strip().lower().replace(".", "").split())


def _find_header(lines: list[list[str]]) -> tuple[int, str, list[tuple[str, int]]]:
    """Where the table starts, its layout, and (column name, position) of each column read."""
    for index, cells in enumerate(lines[:200]):
        names = [_norm(cell) for cell in cells]
        layout = next((_LAYOUT_OF_HEADER[n] for n in names if n in _LAYOUT_OF_HEADER), None)
        if layout is None:
            continue
        required = PAYBILL_COLUMNS if layout == PAYBILL else TILL_COLUMNS
        columns = {name: i for i, name in reversed(list(enumerate(names))) if name}
        missing = [name for name in required if name not in columns]
        if missing:
            raise StatementRejected(
                f"The {layout} statement on line {index + 1} lacks the columns: {', '.join(missing)}.",
                "statement-columns", missing_columns=missing)
        wanted = required + (TILL_OPTIONAL if layout == TILL else ())
        return index, layout, [(name, columns[name]) for name in wanted if name in columns]
    raise StatementRejected(
        "No statement table found: expected the Org Portal's Paybill columns (Receipt No., Completion Time, "
        "Details, Transaction Status, Paid In, Withdrawn...) or its Till columns (RECEIPT_NUMBER, "
        "START_TIMESTAMP, CREDIT_AMOUNT...).", "statement-columns")


def _read_description(lines: list[list[str]], statement: ParsedStatement, tz: ZoneInfo) -> None:
    for number, cells in enumerate(lines, start=1):
        if len(cells) < 2:
            continue
        key, value = _norm(cells[0]).rstrip(":"), cells[1].strip()
        if key in ("organization short code", "organisation short code", "short code", "shortcode"):
            if value.isdigit():
                statement.shortcode = value
        elif key == "time period":
            match = _PERIOD.search(value)
            if match:
                start = _time(match.group(1), tz, number, "Time Period")
                end = _time(match.group(2), tz, number, "Time Period")
                statement.period = (start, end)


def _time(value: str, tz: ZoneInfo, line: int, column: str) -> datetime:
    """A local time of the file as UTC (a regular expression, not ``strptime``: a month of
    rows is tens of thousands of dates, and ``strptime`` costs several times more)."""
    text = value.strip()
    match = _DAY_FIRST.match(text) or _YEAR_FIRST.match(text)
    if match:
        parts = [int(part or 0) for part in match.groups()]
        day, month, year = parts[:3] if match.re is _DAY_FIRST else parts[2::-1]
        try:
            if not MIN_YEAR <= year <= MAX_YEAR:  # no M-Pesa statement lies outside (nor overflows a datetime)
                raise ValueError(year)
            moment = datetime(year, month, day, parts[3], parts[4], parts[5], tzinfo=timezone.utc)
        except ValueError:
            raise StatementRejected(f"Line {line}: {column} {text[:40]!r} is not a date and time.", "statement-row",
                                    line=line) from None
        return moment - _offset(tz, year, month, day, parts[3])
    try:
        serial = float(text)
    except ValueError:
        serial = 0.0
    if 20000 < serial < 80000:  # an Excel serial date (days since 1899-12-30), the years 1954-2119
        local = _EXCEL_EPOCH + timedelta(days=serial)
        local = local.replace(microsecond=0) + timedelta(seconds=round(local.microsecond / 1e6))
        return local.replace(tzinfo=tz).astimezone(timezone.utc)
    raise StatementRejected(f"Line {line}: {column} {text[:40]!r} is not a date and time.", "statement-row",
                            line=line)


@lru_cache(maxsize=4096)
def _offset(tz: ZoneInfo, year: int, month: int, day: int, hour: int) -> timedelta:
    """The zone's UTC offset in that hour (asked once per hour of a month, not once per row)."""
    return datetime(year, month, day, hour, tzinfo=tz).utcoffset()


def _amount(value: str, line: int, column: str) -> int:
    """``"1,440.00"`` -> 144000. Blank is 0; a sign is dropped (Withdrawn is sometimes negative)."""
    text = value.replace(",", "").replace(" ", "").removeprefix("KES").removeprefix("Ksh").lstrip("+-")
    if not text:
        return 0
    try:
        minor = Decimal(text) * 100
    except InvalidOperation:
        raise StatementRejected(f"Line {line}: {column} {value[:40]!r} is not an amount.", "statement-row",
                                line=line) from None
    if not minor.is_finite() or minor != minor.to_integral_value() or minor > 10 ** 15:
        raise StatementRejected(f"Line {line}: {column} {value[:40]!r} is not an amount.", "statement-row",
                                line=line)
    return int(minor)


def _receipt(value: str, line: int) -> str:
    receipt = value.strip().upper()
    if not _RECEIPT.match(receipt):
        raise StatementRejected(f"Line {line}: {value[:40]!r} is not an M-Pesa receipt number.", "statement-row",
                                line=line)
    return receipt


def _kind(text: str, amount: int) -> str:
    low = text.lower()
    if "charge" in low:
        return "charge"
    if "settlement account" in low or "organization settlement" in low:
        return "sweep"
    if amount > 0 and "reversal" not in low:
        return "payment"
    return "other"


def _payer(party: str) -> str | None:
    """``254711000111 - JANE WANJIKU`` -> ``254711000111`` (the name is dropped here)."""
    number = party.split(" - ", 1)[0].strip().replace(" ", "")
    return number if _PAYER.match(number) else None


def _money(paid_in: int, withdrawn: int, line: int) -> int:
    if paid_in and withdrawn:
        raise StatementRejected(f"Line {line}: both money in and money out are filled.", "statement-row",
                                line=line)
    return paid_in or -withdrawn


def _paybill_row(values: dict, line: int, tz: ZoneInfo, statement: ParsedStatement) -> StatementRow | None:
    if not values["receipt no"]:
        return None  # a footer or a note, not a transaction
    amount = _money(_amount(values["paid in"], line, "Paid In"), _amount(values["withdrawn"], line, "Withdrawn"),
                    line)
    description = values["reason type"] or values["details"]
    return StatementRow(
        line=line, receipt=_receipt(values["receipt no"], line),
        completed_at=_time(values["completion time"], tz, line, "Completion Time"),
        status=values["transaction status"] or "?", amount=amount,
        kind=_kind(f"{values['details']} {values['reason type']}", amount), description=description[:80],
        account_reference=values["a/c no"] or None, payer=_payer(values["other party info"]),
        linked_receipt=(values["linked transaction id"].upper() or None),
    )


def _till_row(values: dict, line: int, tz: ZoneInfo, statement: ParsedStatement) -> StatementRow | None:
    if not values["receipt_number"]:
        return None
    if values.get("store_name"):
        statement.store_names.add(values["store_name"])
    amount = _money(_amount(values["credit_amount"], line, "CREDIT_AMOUNT"),
                    _amount(values["debit_amount"], line, "DEBIT_AMOUNT"), line)
    return StatementRow(
        line=line, receipt=_receipt(values["receipt_number"], line),
        completed_at=_time(values["start_timestamp"], tz, line, "START_TIMESTAMP"),
        status=values.get("transaction_status") or "Completed", amount=amount,
        kind=_kind(values["transaction_type"], amount), description=values["transaction_type"][:80],
        account_reference=None, payer=_payer(values["transaction_party_details"]),
        linked_receipt=(values["linked_transaction_id"].upper() or None),
    )
