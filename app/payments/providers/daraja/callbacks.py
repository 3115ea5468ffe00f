"""Parsers for the bodies Daraja POSTs to us: STK push results, C2B notifications, and the
``Result`` of the initiator APIs (B2C, reversal, transaction status).

Why apart from the client: the M-Pesa channel parses callbacks without ever calling
Daraja, and a malformed body must become ``MalformedCallback`` (parked by the caller),
never a half-read payment.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.payments.providers.daraja.errors import MalformedCallback
from app.payments.providers.daraja.results import C2BNotification, InitiatorResult, StkCallback
from app.payments.providers.daraja.wire import (
    _as_int,
    _optional_str,
    _parse_daraja_time,
    _require_str,
    _result_time,
    _to_minor,
)


def parse_stk_callback(body: Any) -> StkCallback:
    """Parse the body Daraja POSTs to the STK ``CallBackURL``.

    ``CallbackMetadata`` is present only on success (ResultCode 0), and items may lack a
    ``Value`` (e.g. ``Balance``), so items are read by name, not position. A success without
    an amount or receipt cannot settle anything and is therefore malformed.
    """
    if not isinstance(body, Mapping):
        raise MalformedCallback("STK callback body must be a JSON object")
    outer = body.get("Body")
    cb = outer.get("stkCallback") if isinstance(outer, Mapping) else None
    if not isinstance(cb, Mapping):
        raise MalformedCallback("missing Body.stkCallback")

    merchant_request_id = _require_str(cb, "MerchantRequestID")
    checkout_request_id = _require_str(cb, "CheckoutRequestID")
    if "ResultCode" not in cb:
        raise MalformedCallback("missing field ResultCode")
    result_code = _as_int(cb["ResultCode"], "ResultCode")
    result_desc = _require_str(cb, "ResultDesc", allow_empty=True)

    items: dict[str, Any] = {}
    metadata = cb.get("CallbackMetadata")
    if metadata is not None:
        raw_items = metadata.get("Item") if isinstance(metadata, Mapping) else None
        if not isinstance(raw_items, list):
            raise MalformedCallback("CallbackMetadata.Item must be a list")
        for item in raw_items:
            if not isinstance(item, Mapping) or not isinstance(item.get("Name"), str):
                raise MalformedCallback("CallbackMetadata items must have a Name")
            if item.get("Value") is not None:
                items[item["Name"]] = item["Value"]

    if result_code == 0:
        for required in ("Amount", "MpesaReceiptNumber"):
            if required not in items:
                raise MalformedCallback(f"successful STK callback without {required}")

    amount_minor = _to_minor(items["Amount"], "Amount") if "Amount" in items else None
    receipt = items.get("MpesaReceiptNumber")
    if receipt is not None and (not isinstance(receipt, str) or not receipt.strip()):
        raise MalformedCallback("MpesaReceiptNumber must be a non-empty string")
    transaction_date = (
        _parse_daraja_time(items["TransactionDate"], "TransactionDate")
        if "TransactionDate" in items
        else None
    )
    phone_e164 = None
    if "PhoneNumber" in items:
        phone = items["PhoneNumber"]
        if isinstance(phone, bool) or not isinstance(phone, (int, str)):
            raise MalformedCallback("PhoneNumber must be a number or string")
        digits = str(phone).strip().lstrip("+")
        # A masked/hashed number is not an error, but it is not E.164 either.
        phone_e164 = f"+{digits}" if digits.isdigit() and 9 <= len(digits) <= 15 else None

    return StkCallback(
        merchant_request_id=merchant_request_id,
        checkout_request_id=checkout_request_id,
        result_code=result_code,
        result_desc=result_desc,
        receipt=receipt,
        amount_minor=amount_minor,
        phone_e164=phone_e164,
        transaction_date=transaction_date,
    )


def parse_c2b(body: Any) -> C2BNotification:
    """Parse a C2B validation/confirmation body (the same shape for both).

    ``TransAmount`` is a string (``"10"``) and ``TransTime`` Kenyan wall time; the amount
    becomes minor units exactly and the time an aware UTC datetime. ``BillRefNumber`` is
    whatever the customer typed and may be empty: kept as given for the caller to judge.
    """
    if not isinstance(body, Mapping):
        raise MalformedCallback("C2B body must be a JSON object")
    trans_id = _require_str(body, "TransID")
    if "TransTime" not in body:
        raise MalformedCallback("missing field TransTime")
    trans_time = _parse_daraja_time(body["TransTime"], "TransTime")
    if "TransAmount" not in body:
        raise MalformedCallback("missing field TransAmount")
    amount_minor = _to_minor(body["TransAmount"], "TransAmount")
    if "BusinessShortCode" not in body:
        raise MalformedCallback("missing field BusinessShortCode")
    shortcode = _optional_str(body, "BusinessShortCode")
    if not shortcode:
        raise MalformedCallback("BusinessShortCode is empty")
    return C2BNotification(
        trans_id=trans_id,
        trans_time=trans_time,
        amount_minor=amount_minor,
        shortcode=shortcode,
        bill_ref=_require_str(body, "BillRefNumber", allow_empty=True),
        msisdn=_require_str(body, "MSISDN"),
        first_name=_optional_str(body, "FirstName"),
        middle_name=_optional_str(body, "MiddleName"),
        last_name=_optional_str(body, "LastName"),
        transaction_type=_optional_str(body, "TransactionType"),
        invoice_number=_optional_str(body, "InvoiceNumber"),
        org_account_balance=_optional_str(body, "OrgAccountBalance"),
        third_party_trans_id=_optional_str(body, "ThirdPartyTransID"),
    )


_AMOUNT_KEYS = ("TransactionAmount", "Amount")
_TIME_KEYS = ("TransactionCompletedDateTime", "TransCompletedTime", "FinalisedTime")


def parse_result(body: Any) -> InitiatorResult:
    """Parse the ``{"Result": {...}}`` Daraja posts to a B2C, reversal or status ResultURL
    (and, in the same shape, to QueueTimeOutURL).

    ``ResultParameters.ResultParameter`` is a list of ``{Key, Value}`` on success and absent
    on failure (and a lone object is seen too). ``ResultCode`` is an int, or a string such as
    ``R000001`` for reversals; it is kept as a string. An amount or a time that is present
    but unreadable makes the body malformed (the caller parks it) rather than half-read.
    """
    if not isinstance(body, Mapping):
        raise MalformedCallback("result body must be a JSON object")
    result = body.get("Result")
    if not isinstance(result, Mapping):
        raise MalformedCallback("missing Result")
    if "ResultCode" not in result:
        raise MalformedCallback("missing field ResultCode")
    code = result["ResultCode"]
    if isinstance(code, bool) or not isinstance(code, (int, str)) or not str(code).strip():
        raise MalformedCallback("ResultCode must be a number or a code")
    result_type = result.get("ResultType")
    parameters: dict[str, Any] = {}
    raw = result.get("ResultParameters")
    if raw is not None:
        items = raw.get("ResultParameter") if isinstance(raw, Mapping) else None
        if isinstance(items, Mapping):
            items = [items]
        if not isinstance(items, list):
            raise MalformedCallback("ResultParameters.ResultParameter must be a list")
        for item in items:
            if not isinstance(item, Mapping) or not isinstance(item.get("Key"), str):
                raise MalformedCallback("each ResultParameter needs a Key")
            parameters[item["Key"]] = item.get("Value")
    amount = next((parameters[k] for k in _AMOUNT_KEYS if parameters.get(k) not in (None, "")), None)
    when = next((parameters[k] for k in _TIME_KEYS if parameters.get(k) not in (None, "")), None)
    return InitiatorResult(
        result_type=result_type if isinstance(result_type, int) and not isinstance(result_type, bool) else None,
        result_code=str(code).strip(),
        result_desc=_optional_str(result, "ResultDesc"),
        originator_conversation_id=_optional_str(result, "OriginatorConversationID").strip(),
        conversation_id=_optional_str(result, "ConversationID").strip(),
        transaction_id=_optional_str(result, "TransactionID").strip(),
        parameters=parameters,
        amount_minor=_to_minor(amount, "Amount") if amount is not None else None,
        completed_at=_result_time(when, "completion time") if when is not None else None,
    )
