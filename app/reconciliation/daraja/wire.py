"""Pull Transactions on the wire: the request's dates, and the answer's records read exactly.

Why apart: the answer is loosely typed (``msisdn`` a number, ``amount`` a string, records
nested one list deeper than one would think, dates in UTC with a ``Z`` where every other
Daraja date is Kenyan wall time), and a record we cannot read must be reported, never
half-applied as a payment.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from app.payments.providers.daraja import DarajaError, MalformedCallback

NAIROBI = ZoneInfo("Africa/Nairobi")
SUCCESS = "1000"
QUERY_PATH = "/pulltransactions/v1/query"
REGISTER_PATH = "/pulltransactions/v1/register"


@dataclass(frozen=True)
class PulledTransaction:
    """One C2B payment as Pull Transactions reports it (``raw``: the record as it came)."""

    trans_id: str
    trans_time: datetime  # UTC
    amount_minor: int
    msisdn: str  # as sent: digits, or masked
    sender: str
    bill_ref: str  # as the customer typed it
    transaction_type: str  # c2b-pay-bill-debit, c2b-buy-goods-debit...
    raw: Mapping[str, Any]


def wall_time(moment: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in Kenyan time, the form StartDate and EndDate take."""
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    return moment.astimezone(NAIROBI).strftime("%Y-%m-%d %H:%M:%S")


def _text(record: Mapping[str, Any], key: str, required: bool = True) -> str:
    value = record.get(key)
    if value is None or isinstance(value, bool) or not isinstance(value, (str, int)):
        if required:
            raise MalformedCallback(f"record lacks {key}")
        return ""
    return str(value).strip()


def _minor(value: str) -> int:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise MalformedCallback(f"amount is not a number: {value[:20]!r}") from None
    minor = amount * 100
    if not amount.is_finite() or amount <= 0 or minor != minor.to_integral_value():
        raise MalformedCallback(f"amount is not a positive amount in cents: {value[:20]!r}")
    return int(minor)


def _moment(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedCallback(f"trxDate is not a date: {value[:30]!r}") from None
    if parsed.tzinfo is None:  # without a zone, Daraja's usual Kenyan wall time
        parsed = parsed.replace(tzinfo=NAIROBI)
    return parsed.astimezone(timezone.utc)


def parse_record(record: Any) -> PulledTransaction:
    if not isinstance(record, Mapping):
        raise MalformedCallback("a record is not an object")
    trans_id = _text(record, "transactionId").upper()
    if not trans_id.isalnum():
        raise MalformedCallback("transactionId is not a receipt number")
    return PulledTransaction(
        trans_id=trans_id, trans_time=_moment(_text(record, "trxDate")), amount_minor=_minor(_text(record, "amount")),
        msisdn=_text(record, "msisdn", required=False), sender=_text(record, "sender", required=False),
        bill_ref=_text(record, "billreference", required=False),
        transaction_type=_text(record, "transactiontype", required=False).lower(), raw=dict(record))


def parse_page(body: Mapping[str, Any]) -> tuple[list[PulledTransaction], list[tuple[Any, str]]]:
    """The records of one answer, and the ones that could not be read (with why).

    ``Response`` is a list of lists of records (the fixture), sometimes flat, and empty or
    absent when the window holds nothing more. A ResponseCode other than ``1000`` with
    records missing is Daraja refusing the query.
    """
    code = str(body.get("ResponseCode", "")).strip()
    response = body.get("Response")
    if code != SUCCESS and not response:
        raise DarajaError(str(body.get("ResponseMessage") or "query refused"), code=code or None, body=dict(body),
                          operation="Pull Transactions")
    records: list[Any] = []
    for item in response or []:
        records.extend(item if isinstance(item, list) else [item])
    read, unreadable = [], []
    for record in records:
        try:
            read.append(parse_record(record))
        except MalformedCallback as exc:
            unreadable.append((record, str(exc)))
    return read, unreadable
