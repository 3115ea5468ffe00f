"""Which statement line is which payment here: by receipt, or (Till) by amount, payer and time.

Why two rules and no more: a receipt number is M-Pesa's own id for the transaction, so a
line and a payment that share one are the same money, and the comparison of amounts then
tells a mismatch. A Till line carries no account reference, and the payments it can belong
to here are the ones whose receipt we never learned (a prompt that failed or timed out,
after which the passenger paid the Till by hand): those are matched on amount, payer and a
time window, and only when exactly one payment fits the line *and* that payment fits only
that line. Anything less certain stays unmatched for a person: a false match hides a
problem, an unmatched line only asks for a look. Accounting tools match on an exact
reference only; this keeps their certainty and adds the Till case.

Every query is bounded by the carrier (its trips' orders, or money with no order at all,
such as a Paybill payment to an unknown account) and, for candidates, by time and indexed
columns, so reconciling a month of lines is a handful of queries, not one per line.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, and_, any_, bindparam, exists, func, or_, select, true
from sqlalchemy.dialects.postgresql import ARRAY

from app.booking.models import Order
from app.catalog.models import Trip
from app.extensions import db
from app.payments.models import Payment
from app.reconciliation.models import StatementLine
from app.reconciliation.statement_csv import TILL, StatementRow

CHUNK = 5000  # values per IN (...) query elsewhere than PostgreSQL (SQLite allows 32,766 parameters)
MONEY_IN = ("succeeded", "refunded")  # payments whose money arrived (a refund went out later)
NO_RECEIPT_YET = ("initiated", "pending", "failed", "expired")
# What pays a Paybill: the STK prompt (CustomerPayBillOnline) and the Paybill itself. No payment
# made here goes to a Till yet, so a Till statement lists nothing as missing.
EXPECTED_METHODS = {"paybill": ("mpesa_stk", "mpesa_paybill"), "till": ()}
CLOCK_SKEW = timedelta(minutes=2)  # a line may be stamped a little before our payment row
MIN_VISIBLE_DIGITS = 7  # a masked payer must show at least this much of the number


@dataclass(slots=True)
class PaymentRef:
    """What the answer says about a payment here (and what matching needs)."""

    id: int
    receipt: str | None
    amount: int
    currency: str
    status: str
    method: str
    purpose: str
    order_code: str | None
    phone: str | None = None  # these three only where they decide (Till pairing, missing lines)
    created_at: datetime | None = None
    settled_at: datetime | None = None


@dataclass(slots=True)
class Match:
    row: StatementRow
    payment: PaymentRef
    by: str  # receipt | amount_payer_time


@dataclass
class Reconciliation:
    matched: list[Match] = field(default_factory=list)
    amount_mismatch: list[Match] = field(default_factory=list)
    unknown_here: list[StatementRow] = field(default_factory=list)
    missing_from_statement: list[PaymentRef] = field(default_factory=list)


_COLUMNS = (Payment.id, Payment.receipt, Payment.amount, Payment.currency, Payment.status, Payment.method,
            Payment.purpose, Order.code)
_TIMED = (*_COLUMNS, Payment.phone, Payment.created_at, Payment.settled_at)


def rows(query):
    """Run a plain column query on the session's connection: Core rows, without the ORM's
    per-row work (a month is thousands of rows; the session has flushed what it holds)."""
    return db.session.connection().execute(query)


def _refs(query) -> list[PaymentRef]:
    return [PaymentRef(*row) for row in rows(query)]


def _carrier_payments(carrier_id: int, columns=_COLUMNS):
    """M-Pesa payments of the carrier's orders."""
    return (select(*columns).select_from(Payment).join(Order, Order.id == Payment.order_id)
            .join(Trip, Trip.id == Order.trip_id).where(Payment.provider == "mpesa", Trip.carrier_id == carrier_id))


def among(column, values: list):
    """``column`` is one of ``values``, as few queries' conditions as the backend allows:
    PostgreSQL takes the whole list as one array parameter (``= ANY($1)``: one statement and
    one plan for ten thousand receipts); other backends an IN list per ``CHUNK`` values."""
    if not values:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        element = Integer() if isinstance(values[0], int) else String()
        yield column == any_(bindparam("values", list(values), type_=ARRAY(element), unique=True))
        return
    for start in range(0, len(values), CHUNK):
        yield column.in_(values[start:start + CHUNK])


def payments_by_id(ids: list[int]) -> dict[int, PaymentRef]:
    found: dict[int, PaymentRef] = {}
    for condition in among(Payment.id, ids):
        query = select(*_COLUMNS).select_from(Payment).outerjoin(Order, Order.id == Payment.order_id).where(condition)
        found.update((ref.id, ref) for ref in _refs(query))
    return found


def of_shortcode(shortcode: str | None):
    """Payments that came to ``shortcode``, or whose shortcode is not known (made before
    payments recorded it): a statement of one Paybill never matches another's payments."""
    if shortcode is None:
        return true()
    return or_(Payment.shortcode.is_(None), Payment.shortcode == shortcode)


def payments_by_receipt(carrier_id: int, receipts: list[str], shortcode: str | None = None) -> dict[str, PaymentRef]:
    """This carrier's M-Pesa payments (or money with no booking) with these receipts.

    On PostgreSQL one statement driven by the statement's receipts (``unnest`` of one array
    parameter, ``receipts_join_query``): for each receipt an index probe of ``payments``
    (provider, receipt), then its booking and trip by primary key, and the carrier's filter
    on the joined rows: the plan of the plain join, one round trip. (An ``= ANY(array)`` condition on ``payments``
    instead made PostgreSQL read the whole table: 57 ms of 107,000 rows for 6,224 receipts.)
    Elsewhere, chunks of IN lists (``receipt_query``), then which bookings are the carrier's."""
    if not receipts:
        return {}
    if db.session.get_bind().dialect.name == "postgresql":
        return {ref.receipt: ref for ref in _refs(receipts_join_query(carrier_id, receipts, shortcode))}
    paid = []
    for condition in among(Payment.receipt, receipts):
        paid += rows(receipt_query(and_(condition, of_shortcode(shortcode)))).all()
    codes: dict[int, str] = {}
    for condition in among(Order.id, sorted({row.order_id for row in paid if row.order_id})):
        codes.update(rows(orders_query(carrier_id, condition)).all())
    return {row.receipt: PaymentRef(*row[:-1], codes.get(row.order_id)) for row in paid
            if row.order_id is None or row.order_id in codes}


def receipts_join_query(carrier_id: int, receipts: list[str], shortcode: str | None = None):
    """PostgreSQL: the statement's receipts joined to this carrier's payments (``_COLUMNS``).

    A LATERAL look-up per receipt (``LIMIT 1``: (provider, receipt) is unique) holds the plan
    to index probes of ``uq_payments_provider_receipt``: a plain join of the unnested array
    let PostgreSQL's cost model prefer hashing the whole payments table (74 ms of 107,000
    rows, then a 6 MB hash spilled to disk), though every page was in memory."""
    wanted = func.unnest(bindparam("receipts", list(receipts), type_=ARRAY(String()))).table_valued(
        "receipt").render_derived(name="wanted")
    paid = (select(Payment.id, Payment.receipt, Payment.amount, Payment.currency, Payment.status, Payment.method,
                   Payment.purpose, Payment.order_id, Payment.shortcode)
            .where(Payment.provider == "mpesa", Payment.receipt == wanted.c.receipt).limit(1).lateral("paid"))
    found = (select(paid.c.id, paid.c.receipt, paid.c.amount, paid.c.currency, paid.c.status, paid.c.method,
                    paid.c.purpose, Order.code)
             .select_from(wanted).join(paid, true())
             .outerjoin(Order, Order.id == paid.c.order_id)
             .outerjoin(Trip, Trip.id == Order.trip_id)
             .where(or_(paid.c.order_id.is_(None), Trip.carrier_id == carrier_id)))
    if shortcode is not None:
        found = found.where(or_(paid.c.shortcode.is_(None), paid.c.shortcode == shortcode))
    return found


def receipt_query(condition):
    return select(Payment.id, Payment.receipt, Payment.amount, Payment.currency, Payment.status, Payment.method,
                  Payment.purpose, Payment.order_id).where(Payment.provider == "mpesa", condition)


def orders_query(carrier_id: int, condition):
    """(id, code) of the carrier's bookings among those ``condition`` names."""
    return select(Order.id, Order.code).join(Trip, Trip.id == Order.trip_id).where(
        Trip.carrier_id == carrier_id, condition)


def match_rows(carrier_id: int, layout: str, rows: list[StatementRow], known: dict[str, tuple[PaymentRef, str]],
               *, country_code: str, window: timedelta, shortcode: str | None = None) -> Reconciliation:
    """Match the money rows (completed payments) of one statement. ``known``: receipt ->
    (payment, how) an earlier import of the same line was matched by: kept as it was."""
    result = Reconciliation()
    by_receipt = payments_by_receipt(carrier_id, [row.receipt for row in rows if row.receipt not in known], shortcode)
    unmatched: list[StatementRow] = []
    for row in rows:
        payment, by = known.get(row.receipt) or (by_receipt.get(row.receipt), "receipt")
        if payment is None:
            unmatched.append(row)
        else:
            _record(result, Match(row, payment, by))
    if layout == TILL and unmatched:
        paired = _match_by_amount_payer_time(carrier_id, unmatched, country_code, window, shortcode)
        for match in paired:
            _record(result, match)
        taken = {match.row.line for match in paired}
        unmatched = [row for row in unmatched if row.line not in taken]
    result.unknown_here = unmatched
    return result


def _record(result: Reconciliation, match: Match) -> None:
    if match.payment.amount == match.row.amount:
        result.matched.append(match)
    else:
        result.amount_mismatch.append(match)


def _match_by_amount_payer_time(carrier_id: int, rows: list[StatementRow], country_code: str,
                                window: timedelta, shortcode: str | None = None) -> list[Match]:
    """Rows paired with receipt-less payments where the pairing is one-to-one (see module doc)."""
    start = min(row.completed_at for row in rows) - window
    end = max(row.completed_at for row in rows) + CLOCK_SKEW
    already = exists().where(StatementLine.payment_id == Payment.id)
    candidates = _refs(_carrier_payments(carrier_id, columns=_TIMED).where(
        Payment.status.in_(NO_RECEIPT_YET), Payment.receipt.is_(None), Payment.phone.is_not(None),
        Payment.created_at >= start, Payment.created_at <= end, ~already, of_shortcode(shortcode)))
    by_amount: dict[int, list[PaymentRef]] = defaultdict(list)
    for ref in candidates:
        by_amount[ref.amount].append(ref)
    fits: dict[StatementRow, list[PaymentRef]] = {}
    claimed: dict[int, int] = defaultdict(int)
    for row in rows:
        printed = _international(row.payer, country_code)
        if printed is None:
            continue
        fitting = [ref for ref in by_amount.get(row.amount, ())
                   if ref.created_at - CLOCK_SKEW <= row.completed_at <= ref.created_at + window
                   and _same_payer(printed, ref.phone)]
        fits[row] = fitting
        for ref in fitting:
            claimed[ref.id] += 1
    return [Match(row, fitting[0], "amount_payer_time") for row, fitting in fits.items()
            if len(fitting) == 1 and claimed[fitting[0].id] == 1]


def _international(printed: str | None, country_code: str) -> str | None:
    """The printed MSISDN as international digits (``0711...`` -> ``254711...``), masks kept;
    None when too little of it shows to tell payers apart."""
    if not printed:
        return None
    digits = printed.lstrip("+")
    if digits.startswith("0"):
        digits = country_code + digits[1:]
    if sum(ch.isdigit() for ch in digits) < MIN_VISIBLE_DIGITS:
        return None
    return digits


def _same_payer(printed: str, phone: str) -> bool:
    target = phone.lstrip("+")
    if "*" not in printed:
        return printed == target
    return len(printed) == len(target) and all(a == "*" or a == b for a, b in zip(printed, target))


def missing_from_statement(carrier_id: int, kind: str, shortcode_ids: list[int], period: tuple[datetime, datetime],
                           seen: set[str], shortcode: str | None = None) -> list[PaymentRef]:
    """The carrier's money that should be on this kind of statement within ``period`` but is in
    none of its statements imported so far (nor in ``seen``, this file's receipts)."""
    query = missing_query(carrier_id, kind, shortcode_ids, period, shortcode)
    found = [] if query is None else [ref for ref in _refs(query) if ref.receipt not in seen]
    return sorted(found, key=lambda ref: (ref.settled_at, ref.id))  # here, not in SQL: no parallel sort plan


def missing_query(carrier_id: int, kind: str, shortcode_ids: list[int], period: tuple[datetime, datetime],
                  shortcode: str | None = None):
    methods = EXPECTED_METHODS[kind]
    if not methods:
        return None
    start, end = period
    on_a_statement = exists().where(StatementLine.receipt == Payment.receipt,
                                    StatementLine.shortcode_id.in_(shortcode_ids))
    return _carrier_payments(carrier_id, columns=_TIMED).where(
        Payment.method.in_(methods), Payment.status.in_(MONEY_IN), Payment.receipt.is_not(None),
        # created_at is indexed (with status); settled_at, which decides, comes shortly after it.
        Payment.created_at >= start - timedelta(days=2), Payment.created_at <= end,
        Payment.settled_at >= start, Payment.settled_at <= end, ~on_a_statement, of_shortcode(shortcode))
