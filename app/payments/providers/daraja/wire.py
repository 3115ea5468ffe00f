"""Daraja's constants and the small conversions between its wire values and ours.

Why one module: amounts in shillings (strings or floats) to exact cents, Kenyan wall times
to UTC, codes that are ints in callbacks but strings in answers, URLs Daraja refuses: each
quirk is handled once here, and both the client and the callback parsers use it.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import requests

from app.payments.providers.daraja.errors import DarajaError, MalformedCallback

NAIROBI = ZoneInfo("Africa/Nairobi")
SANDBOX_BASE_URL = "https://sandbox.safaricom.co.ke"
PRODUCTION_BASE_URL = "https://api.safaricom.co.ke"
_BASE_URLS = {"sandbox": SANDBOX_BASE_URL, "production": PRODUCTION_BASE_URL}

#: Renew the OAuth token this long before Daraja says it expires, so that a request never
#: leaves with a token that dies in flight (and clock skew between us and Daraja is covered).
TOKEN_REFRESH_MARGIN_S = 60.0

#: Daraja's URL registration (and STK CallBackURL) refuses URLs containing these words, in
#: any case and anywhere in the URL, with an unhelpful error. Fail fast and clearly instead.
FORBIDDEN_URL_WORDS = ("mpesa", "safaricom", "exec", "cmd", "sql", "query")

#: STK query answers HTTP 500 with this code while the customer has not yet acted on the
#: prompt ("The transaction is being processed"): that is "pending", not a failure.
STK_QUERY_PROCESSING_CODE = "500.001.1001"

#: Daraja's "Invalid Access Token" error code; seen with HTTP 401 (and, reportedly, other
#: statuses) when a cached token was revoked or expired early on Daraja's side.
INVALID_TOKEN_CODE = "404.001.03"

ACCOUNT_REFERENCE_MAX = 12
#: Daraja documents TransactionDesc as at most 13 characters; longer ones are refused.
TRANSACTION_DESC_MAX = 13

# The initiator APIs (B2C, reversal, transaction status): paths, commands and field limits.
B2C_PATH = "/mpesa/b2c/v3/paymentrequest"
REVERSAL_PATH = "/mpesa/reversal/v1/request"
STATUS_PATH = "/mpesa/transactionstatus/v1/query"
B2C_COMMAND = "BusinessPayment"
REMARKS_MAX = 100  # Remarks and Occasion: "a sequence of characters up to 100"
ORIGINATOR_ID_MAX = 64
SHORTCODE_IDENTIFIER = "4"  # IdentifierType of an organisation's shortcode (status checks)
REVERSAL_RECEIVER_TYPE = "11"  # RecieverIdentifierType for the Paybill that received the money

_KENYAN_MOBILE = re.compile(r"^\+254([17]\d{8})$")
_DARAJA_DATETIME = re.compile(r"^\d{14}$")
_B2C_DATETIME = re.compile(r"^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}$")
_ORIGINATOR_ID = re.compile(r"^[A-Za-z0-9_-]{1,%d}$" % ORIGINATOR_ID_MAX)


def base_url_for(env: str, override: str | None = None) -> str:
    """Daraja's base URL for ``MPESA_ENV`` (``sandbox``/``production``); ``MPESA_BASE_URL`` wins."""
    if override:
        return override.rstrip("/")
    try:
        return _BASE_URLS[env.strip().lower()]
    except KeyError:
        raise ValueError(f"MPESA_ENV must be 'sandbox' or 'production', not {env!r}") from None


def mask_phone(phone: str) -> str:
    """``+254711000111`` -> ``+2547****0111``: enough to correlate logs, not to identify."""
    if len(phone) <= 8:
        return "****"
    return f"{phone[:5]}****{phone[-4:]}"


def check_callback_url(url: str) -> str:
    """Refuse a URL Daraja would refuse (see ``FORBIDDEN_URL_WORDS``); return it unchanged.

    The whole URL is checked, query string included: a random ``?token=`` can spell ``cmd``.
    The error names the word but never echoes the URL, which may carry that secret token.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("callback URL must be an absolute http(s) URL")
    lowered = url.lower()
    for word in FORBIDDEN_URL_WORDS:
        if word in lowered:
            raise ValueError(f"Daraja refuses callback URLs containing {word!r} (any case)")
    return url


def _to_minor(value: Any, what: str) -> int:
    """Shillings (float ``1.00``, int, or string ``"10"``) to cents, exactly, via Decimal.

    Floats go through ``str`` first so that ``0.1`` becomes ``Decimal("0.1")``, not the
    binary approximation; fractions of a cent are refused rather than rounded.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise MalformedCallback(f"{what} must be a number, got {type(value).__name__}")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise MalformedCallback(f"{what} is not a number: {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise MalformedCallback(f"{what} must be a non-negative finite amount: {value!r}")
    minor = amount * 100
    if minor != minor.to_integral_value():
        raise MalformedCallback(f"{what} has fractions of a cent: {value!r}")
    return int(minor)


def _parse_daraja_time(value: Any, what: str) -> datetime:
    """``20191219102115`` (int or str, Kenyan wall time) to an aware UTC datetime."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise MalformedCallback(f"{what} must be YYYYMMDDHHMMSS, got {type(value).__name__}")
    text = str(value).strip()
    if not _DARAJA_DATETIME.match(text):
        raise MalformedCallback(f"{what} must be YYYYMMDDHHMMSS, got {value!r}")
    try:
        local = datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=NAIROBI)
    except ValueError:
        raise MalformedCallback(f"{what} is not a valid date: {value!r}") from None
    return local.astimezone(timezone.utc)


def _require_str(body: Mapping[str, Any], key: str, *, allow_empty: bool = False) -> str:
    if key not in body:
        raise MalformedCallback(f"missing field {key}")
    value = body[key]
    if not isinstance(value, str):
        raise MalformedCallback(f"{key} must be a string, got {type(value).__name__}")
    if not allow_empty and not value.strip():
        raise MalformedCallback(f"{key} is empty")
    return value


def _optional_str(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise MalformedCallback(f"{key} must be a string, got {type(value).__name__}")
    return str(value)


def _as_int(value: Any, what: str) -> int:
    """Daraja codes are ints in callbacks but strings in synchronous answers: accept both."""
    if isinstance(value, bool):
        raise MalformedCallback(f"{what} must be an integer, got bool")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    raise MalformedCallback(f"{what} must be an integer, got {value!r}")


def _json_or_none(resp: requests.Response) -> dict[str, Any] | None:
    try:
        body = resp.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _require_accepted(body: Mapping[str, Any], what: str) -> None:
    """``ResponseCode`` is the *string* ``"0"`` on acceptance; anything else is a refusal."""
    code = body.get("ResponseCode")
    if str(code).strip() != "0":
        raise DarajaError(
            str(body.get("ResponseDescription") or "not accepted"),
            code=None if code is None else str(code),
            body=dict(body),
            operation=what,
        )


def _daraja_msisdn(phone_e164: str) -> str:
    """``+254712345678`` -> ``254712345678``: Daraja wants no plus, Kenyan numbers only."""
    match = _KENYAN_MOBILE.match(phone_e164 or "")
    if not match:
        raise ValueError("phone must be a Kenyan mobile number in E.164 (+2547XXXXXXXX / +2541XXXXXXXX)")
    return f"254{match.group(1)}"


def _result_time(value: Any, what: str) -> datetime:
    """A result's time in either of Daraja's forms: ``20261201144452`` (reversal, status) or
    ``01.12.2026 14:22:08`` (B2C), both Kenyan wall time, as aware UTC."""
    text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    if _B2C_DATETIME.match(text):
        try:
            local = datetime.strptime(text, "%d.%m.%Y %H:%M:%S").replace(tzinfo=NAIROBI)
        except ValueError:
            raise MalformedCallback(f"{what} is not a valid date: {value!r}") from None
        return local.astimezone(timezone.utc)
    return _parse_daraja_time(value, what)


def _whole_shillings(amount_minor: int) -> str:
    """Daraja's ``Amount``: whole shillings as a string; cents are refused, never rounded."""
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
        raise ValueError("amount_minor must be an int")
    if amount_minor <= 0 or amount_minor % 100:
        raise ValueError("amount_minor must be a positive whole number of shillings (x100)")
    return str(amount_minor // 100)


def _remark(text: str, what: str) -> str:
    text = " ".join((text or "").split())[:REMARKS_MAX]
    if len(text) < 2:  # Daraja refuses an empty (or one-letter) Remarks
        raise ValueError(f"{what} must have at least 2 characters")
    return text


def b2c_payload(initiator, originator_id: str, phone_e164: str, amount_minor: int, *, remarks: str,
                occasion: str, result_url: str, timeout_url: str) -> dict[str, str]:
    """The B2C payment request (``BusinessPayment``). ``originator_id`` is our idempotency
    key: Daraja refuses a second request with the same one, so a retry cannot pay twice."""
    if not isinstance(originator_id, str) or not _ORIGINATOR_ID.match(originator_id):
        raise ValueError(f"originator_id must be 1..{ORIGINATOR_ID_MAX} letters, digits, '-' or '_'")
    return {
        "OriginatorConversationID": originator_id,
        "InitiatorName": initiator.name,
        "SecurityCredential": initiator.credential,
        "CommandID": B2C_COMMAND,
        "Amount": _whole_shillings(amount_minor),
        "PartyA": initiator.b2c_shortcode,
        "PartyB": _daraja_msisdn(phone_e164),
        "Remarks": _remark(remarks, "remarks"),
        "QueueTimeOutURL": check_callback_url(timeout_url),
        "ResultURL": check_callback_url(result_url),
        "Occassion": " ".join((occasion or "").split())[:REMARKS_MAX],  # sic: Daraja's spelling
    }


def reversal_payload(initiator, receipt: str, amount_minor: int, *, remarks: str, result_url: str,
                     timeout_url: str) -> dict[str, str]:
    """The reversal request of a payment ``receipt`` made to the Paybill (``TransactionReversal``)."""
    if not isinstance(receipt, str) or not receipt.strip():
        raise ValueError("receipt must not be empty")
    return {
        "Initiator": initiator.name,
        "SecurityCredential": initiator.credential,
        "CommandID": "TransactionReversal",
        "TransactionID": receipt.strip(),
        "Amount": _whole_shillings(amount_minor),
        "ReceiverParty": initiator.shortcode,
        "RecieverIdentifierType": REVERSAL_RECEIVER_TYPE,  # sic: Daraja's spelling
        "ResultURL": check_callback_url(result_url),
        "QueueTimeOutURL": check_callback_url(timeout_url),
        "Remarks": _remark(remarks, "remarks"),
        "Occasion": "",
    }


def status_payload(initiator, *, party: str, receipt: str | None = None, originator_id: str | None = None,
                   remarks: str, result_url: str, timeout_url: str) -> dict[str, str]:
    """The transaction status request: by M-Pesa receipt, or by the OriginatorConversationID
    of a request whose receipt we never learnt (a B2C payment whose result did not come)."""
    if not (receipt or originator_id):
        raise ValueError("a status check needs a receipt or an originator id")
    payload = {
        "Initiator": initiator.name,
        "SecurityCredential": initiator.credential,
        "CommandID": "TransactionStatusQuery",
        "TransactionID": (receipt or "").strip(),
        "PartyA": party,
        "IdentifierType": SHORTCODE_IDENTIFIER,
        "ResultURL": check_callback_url(result_url),
        "QueueTimeOutURL": check_callback_url(timeout_url),
        "Remarks": _remark(remarks, "remarks"),
        "Occasion": "",
    }
    if originator_id:
        payload["OriginatorConversationID"] = originator_id
    return payload
