"""Parsed Daraja answers and callbacks as frozen dataclasses.

Why typed results: the rest of the app reads ``callback.amount_minor`` (integer cents, an
aware UTC time) and never Daraja's wire shapes, whose quirks stay in this package.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class StkPushAccepted:
    """Daraja accepted an STK push; the outcome arrives later by callback (or STK query)."""

    merchant_request_id: str
    checkout_request_id: str
    customer_message: str


@dataclass(frozen=True)
class StkQueryResult:
    """Outcome of an STK query; ``result_code is None`` means still being processed."""

    result_code: int | None
    result_desc: str
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def pending(self) -> bool:
        return self.result_code is None

    @property
    def succeeded(self) -> bool:
        return self.result_code == 0


@dataclass(frozen=True)
class StkCallback:
    """A parsed STK push result callback. Metadata fields are ``None`` unless it succeeded."""

    merchant_request_id: str
    checkout_request_id: str
    result_code: int
    result_desc: str
    receipt: str | None
    amount_minor: int | None
    phone_e164: str | None
    transaction_date: datetime | None

    @property
    def succeeded(self) -> bool:
        return self.result_code == 0


@dataclass(frozen=True)
class C2BNotification:
    """A parsed C2B (Paybill) validation or confirmation body.

    ``msisdn`` is kept exactly as Daraja sends it: since 2023 it is often masked
    (``25470****149``) or hashed, so it is *not* an E.164 number and must not be used as one.
    """

    trans_id: str
    trans_time: datetime
    amount_minor: int
    shortcode: str
    bill_ref: str
    msisdn: str
    first_name: str
    middle_name: str = ""
    last_name: str = ""
    transaction_type: str = ""
    invoice_number: str = ""
    org_account_balance: str = ""
    third_party_trans_id: str = ""


@dataclass(frozen=True)
class InitiatorAccepted:
    """Daraja took a B2C, reversal or status request; the outcome comes later to ResultURL.

    ``originator_conversation_id`` is ours for B2C (the idempotency key we sent) and
    Daraja's own for reversals and status checks; ``conversation_id`` is always Daraja's.
    """

    conversation_id: str
    originator_conversation_id: str
    description: str


@dataclass(frozen=True)
class InitiatorResult:
    """A parsed ``Result`` body (B2C, reversal, transaction status, or their timeouts).

    ``result_code`` stays a string: Daraja sends ints (``0``, ``2001``) and, for reversals,
    codes such as ``R000001``. ``parameters`` are the ``ResultParameters`` by key; the
    properties below read the ones each API names differently.
    """

    result_type: int | None
    result_code: str
    result_desc: str
    originator_conversation_id: str
    conversation_id: str
    transaction_id: str
    parameters: Mapping[str, Any] = field(repr=False)
    amount_minor: int | None
    completed_at: datetime | None

    @property
    def succeeded(self) -> bool:
        return self.result_code == "0"

    @property
    def receipt(self) -> str:
        """The M-Pesa receipt the result is about (B2C: the payout; status: the one asked)."""
        for key in ("TransactionReceipt", "ReceiptNo"):
            value = self.parameters.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return self.transaction_id

    @property
    def transaction_status(self) -> str | None:
        """Transaction status results: ``Completed``, ``Failed``... (None for other APIs)."""
        value = self.parameters.get("TransactionStatus")
        return str(value) if value not in (None, "") else None
