"""Safaricom Daraja (M-Pesa) client: STK push, STK query, C2B URL registration, callbacks.

Plain Python on top of ``requests``: no Flask, no database. The app builds one client from
its ``MPESA_*`` settings and shares it between threads (the OAuth token cache is locked).

Wire shapes follow ``tests/fixtures/mpesa/``; the quirks handled here are documented where
they are handled, because each of them has bitten somebody in production.
"""
from __future__ import annotations

import base64
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import requests

__all__ = [
    "C2BNotification",
    "DarajaClient",
    "DarajaError",
    "DarajaUnavailable",
    "MalformedCallback",
    "StkCallback",
    "StkPushAccepted",
    "StkQueryResult",
    "base_url_for",
    "mask_phone",
    "parse_c2b",
    "parse_stk_callback",
]

log = logging.getLogger(__name__)

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


# --------------------------------------------------------------------------- errors


class DarajaError(Exception):
    """Daraja refused or failed a request.

    ``code``/``message`` are Daraja's ``errorCode``/``errorMessage`` (or ``ResponseCode``/
    ``ResponseDescription`` for a 2xx answer that is not an acceptance); ``status`` is the
    HTTP status when there was one; ``body`` the parsed JSON answer, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        body: Mapping[str, Any] | None = None,
        operation: str | None = None,
    ) -> None:
        text = f"{operation}: {message}" if operation else message
        super().__init__(f"[{code}] {text}" if code else text)
        self.message = message
        self.operation = operation
        self.code = code
        self.status = status
        self.body = body


class DarajaUnavailable(DarajaError):
    """Daraja could not be reached or answered with a gateway error: safe to retry later."""


class MalformedCallback(ValueError):
    """A callback body lacks a field or has one of the wrong type (the caller parks it)."""


# --------------------------------------------------------------------------- results


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


# --------------------------------------------------------------------------- helpers


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


# --------------------------------------------------------------------------- parsers


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


# --------------------------------------------------------------------------- client


class DarajaClient:
    """Outbound Daraja calls with explicit timeouts, a cached OAuth token and one 401 retry."""

    base_url_for = staticmethod(base_url_for)

    def __init__(
        self,
        consumer_key: str,
        consumer_secret: str,
        shortcode: str,
        passkey: str,
        base_url: str,
        timeout: float | tuple[float, float] = (3.05, 10),
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        for name, value in (
            ("consumer_key", consumer_key),
            ("consumer_secret", consumer_secret),
            ("shortcode", shortcode),
            ("passkey", passkey),
            ("base_url", base_url),
        ):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"DarajaClient needs a non-empty {name}")
        self._key = consumer_key
        self._secret = consumer_secret
        self.shortcode = shortcode
        self._passkey = passkey
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = session or requests.Session()
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_expires_at = 0.0

    def __repr__(self) -> str:  # never show secrets
        return f"DarajaClient(shortcode={self.shortcode!r}, base_url={self.base_url!r})"

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], **kwargs: Any) -> DarajaClient:
        """Build from the contract's ``MPESA_*`` names (``MPESA_BASE_URL`` overrides the env)."""
        return cls(
            consumer_key=settings.get("MPESA_CONSUMER_KEY") or "",
            consumer_secret=settings.get("MPESA_CONSUMER_SECRET") or "",
            shortcode=str(settings.get("MPESA_SHORTCODE") or ""),
            passkey=settings.get("MPESA_PASSKEY") or "",
            base_url=base_url_for(
                settings.get("MPESA_ENV") or "sandbox", settings.get("MPESA_BASE_URL")
            ),
            **kwargs,
        )

    # ---- credentials

    def password(self, timestamp: str) -> str:
        """STK password: base64(shortcode + passkey + timestamp), per Daraja's spec."""
        raw = f"{self.shortcode}{self._passkey}{timestamp}".encode("ascii")
        return base64.b64encode(raw).decode("ascii")

    @staticmethod
    def timestamp(now: datetime | None = None) -> str:
        """``YYYYMMDDHHMMSS`` in Kenyan time: Daraja rejects a password built on UTC time.

        ``now`` must be timezone-aware (a naive datetime is ambiguous on a UTC server).
        """
        if now is None:
            now = datetime.now(timezone.utc)
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("timestamp() needs a timezone-aware datetime")
        return now.astimezone(NAIROBI).strftime("%Y%m%d%H%M%S")

    def access_token(self) -> str:
        """A valid OAuth token, fetched at most once per lifetime across threads.

        The lock is held while fetching so that a burst of pushes at expiry costs one
        OAuth call, not one per thread (Daraja rate-limits the OAuth endpoint).
        """
        with self._lock:
            if self._token is not None and self._clock() < self._token_expires_at:
                return self._token
            self._token, lifetime = self._fetch_token()
            self._token_expires_at = self._clock() + max(0.0, lifetime - TOKEN_REFRESH_MARGIN_S)
            return self._token

    def invalidate_token(self, token: str | None = None) -> None:
        """Forget the cached token (only if it is still ``token``, when given)."""
        with self._lock:
            if token is None or token == self._token:
                self._token = None
                self._token_expires_at = 0.0

    def _fetch_token(self) -> tuple[str, float]:
        url = f"{self.base_url}/oauth/v1/generate"
        try:
            resp = self._session.get(
                url,
                params={"grant_type": "client_credentials"},
                auth=(self._key, self._secret),
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise DarajaUnavailable(f"unreachable: {type(exc).__name__}", operation="OAuth") from exc
        body = self._check_response(resp, "OAuth")
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise DarajaError("answer has no access_token", status=resp.status_code, operation="OAuth")
        # expires_in is a *string* ("3599"); tolerate a number too.
        try:
            lifetime = float(body.get("expires_in", 3599))
        except (TypeError, ValueError):
            lifetime = 3599.0
        log.info("daraja: new OAuth token, expires in %ss", int(lifetime))
        return token, lifetime

    # ---- transport

    def _post(
        self,
        path: str,
        payload: Mapping[str, Any],
        what: str,
        expected_codes: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """POST JSON with a bearer token; a 401 (stale token) is retried once with a new one.

        Errors whose code is in ``expected_codes`` still raise but are not logged as warnings.
        """
        url = f"{self.base_url}{path}"
        for attempt in (1, 2):
            token = self.access_token()
            try:
                resp = self._session.post(
                    url,
                    json=payload,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=self.timeout,
                )
            except requests.RequestException as exc:
                raise DarajaUnavailable(
                    f"unreachable: {type(exc).__name__}", operation=what
                ) from exc
            if attempt == 1 and self._token_rejected(resp):
                log.warning("daraja: %s got HTTP %s, renewing token once", what, resp.status_code)
                self.invalidate_token(token)
                continue
            return self._check_response(resp, what, expected_codes)
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _token_rejected(resp: requests.Response) -> bool:
        if resp.status_code == 401:
            return True
        body = _json_or_none(resp)
        return resp.status_code >= 400 and bool(body) and body.get("errorCode") == INVALID_TOKEN_CODE

    @staticmethod
    def _check_response(
        resp: requests.Response, what: str, expected_codes: frozenset[str] = frozenset()
    ) -> dict[str, Any]:
        body = _json_or_none(resp)
        if not 200 <= resp.status_code < 300:
            code = message = None
            if body is not None:
                code = body.get("errorCode") or body.get("ResponseCode")
                message = body.get("errorMessage") or body.get("ResponseDescription")
            code = str(code) if code is not None else None
            message = str(message) if message else f"HTTP {resp.status_code}"
            # Gateway errors (often HTML from a proxy) mean "try later", not "you are wrong".
            cls = DarajaUnavailable if resp.status_code in (502, 503, 504) else DarajaError
            level = logging.DEBUG if code in expected_codes else logging.WARNING
            log.log(level, "daraja: %s failed: HTTP %s %s", what, resp.status_code, code or "")
            raise cls(message, code=code, status=resp.status_code, body=body, operation=what)
        if body is None:
            raise DarajaError("answer is not a JSON object", status=resp.status_code, operation=what)
        return body

    # ---- operations

    def stk_push(
        self,
        phone_e164: str,
        amount_minor: int,
        account_reference: str,
        description: str,
        callback_url: str,
    ) -> StkPushAccepted:
        """Prompt the customer's phone for their M-Pesa PIN (Lipa na M-Pesa Online, Paybill).

        Daraja takes whole shillings only, so ``amount_minor`` must be a multiple of 100 (we
        refuse rather than round: rounding would change the price). ``AccountReference`` is
        shown to the customer and capped at 12 characters: too long is refused, not cut,
        because it is the booking code we match the payment on.
        """
        if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
            raise ValueError("amount_minor must be an int")
        if amount_minor <= 0 or amount_minor % 100:
            raise ValueError("amount_minor must be a positive whole number of shillings (x100)")
        msisdn = _daraja_msisdn(phone_e164)
        if not account_reference or len(account_reference) > ACCOUNT_REFERENCE_MAX:
            raise ValueError(f"account_reference must be 1..{ACCOUNT_REFERENCE_MAX} characters")
        description = description.strip()[:TRANSACTION_DESC_MAX]
        if not description:
            raise ValueError("description must not be empty")
        check_callback_url(callback_url)

        ts = self.timestamp()
        payload = {
            "BusinessShortCode": self.shortcode,
            "Password": self.password(ts),
            "Timestamp": ts,
            "TransactionType": "CustomerPayBillOnline",
            "Amount": str(amount_minor // 100),
            "PartyA": msisdn,
            "PartyB": self.shortcode,
            "PhoneNumber": msisdn,
            "CallBackURL": callback_url,
            "AccountReference": account_reference,
            "TransactionDesc": description,
        }
        log.info(
            "daraja: STK push %s KES %d to %s",
            account_reference, amount_minor // 100, mask_phone(phone_e164),
        )
        body = self._post("/mpesa/stkpush/v1/processrequest", payload, "STK push")
        _require_accepted(body, "STK push")
        try:
            return StkPushAccepted(
                merchant_request_id=str(body["MerchantRequestID"]),
                checkout_request_id=str(body["CheckoutRequestID"]),
                customer_message=str(body.get("CustomerMessage", "")),
            )
        except KeyError as exc:
            raise DarajaError(f"answer lacks {exc.args[0]}", body=body, operation="STK push") from None

    def stk_query(self, checkout_request_id: str) -> StkQueryResult:
        """Ask Daraja how an STK push ended (Daraja sometimes never calls back).

        While the customer has not answered the prompt Daraja replies HTTP 500 with
        ``500.001.1001`` "The transaction is being processed": reported as pending
        (``result_code=None``) so a poller can simply try again later.
        """
        if not checkout_request_id:
            raise ValueError("checkout_request_id must not be empty")
        ts = self.timestamp()
        payload = {
            "BusinessShortCode": self.shortcode,
            "Password": self.password(ts),
            "Timestamp": ts,
            "CheckoutRequestID": checkout_request_id,
        }
        try:
            body = self._post(
                "/mpesa/stkpushquery/v1/query",
                payload,
                "STK query",
                expected_codes=frozenset({STK_QUERY_PROCESSING_CODE}),
            )
        except DarajaError as exc:
            if not isinstance(exc, DarajaUnavailable) and exc.code == STK_QUERY_PROCESSING_CODE:
                return StkQueryResult(None, exc.message, exc.body or {})
            raise
        _require_accepted(body, "STK query")
        if body.get("ResultCode") is None:
            return StkQueryResult(None, str(body.get("ResultDesc", "")), body)
        try:
            result_code = _as_int(body["ResultCode"], "ResultCode")
        except MalformedCallback as exc:
            raise DarajaError(str(exc), body=body, operation="STK query") from None
        return StkQueryResult(result_code, str(body.get("ResultDesc", "")), body)

    def register_c2b_urls(
        self,
        confirmation_url: str,
        validation_url: str,
        response_type: str = "Completed",
    ) -> dict[str, Any]:
        """Register the Paybill's C2B URLs (v1 endpoint); returns Daraja's answer.

        ``response_type`` is what Daraja does when our validation URL cannot be reached:
        ``Completed`` accepts the payment anyway, ``Cancelled`` refuses it.
        """
        if response_type not in ("Completed", "Cancelled"):
            raise ValueError("response_type must be 'Completed' or 'Cancelled'")
        check_callback_url(confirmation_url)
        check_callback_url(validation_url)
        payload = {
            "ShortCode": self.shortcode,
            "ResponseType": response_type,
            "ConfirmationURL": confirmation_url,
            "ValidationURL": validation_url,
        }
        body = self._post("/mpesa/c2b/v1/registerurl", payload, "C2B URL registration")
        if "ResponseCode" in body:
            _require_accepted(body, "C2B URL registration")
        return body


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
