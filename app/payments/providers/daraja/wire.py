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

_KENYAN_MOBILE = re.compile(r"^\+254([17]\d{8})$")
_DARAJA_DATETIME = re.compile(r"^\d{14}$")


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
