"""Daraja's transport: credentials, the shared OAuth token and JSON POSTs with one retry.

Why one place: every operation needs the same explicit timeouts, the token cached across
threads (Daraja rate-limits its OAuth endpoint), one retry when Daraja revokes a token
early, and the same reading of error answers (gateway errors mean "try later"; no answer
to a request that did leave means "unknown", ``DarajaNoAnswer``).

Thread safety: one client serves every thread of a web worker (gunicorn ``gthread``). The
token cache is locked; each thread gets its own ``requests.Session`` (requests does not
promise that a session is safe to share between threads), unless a test hands one in.
"""
from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

import requests
from urllib3.exceptions import ProtocolError

from app.payments.providers.daraja.errors import DarajaError, DarajaNoAnswer, DarajaUnavailable
from app.payments.providers.daraja.initiator import Initiator, InitiatorConfigError
from app.payments.providers.daraja.wire import (
    INVALID_TOKEN_CODE,
    NAIROBI,
    TOKEN_REFRESH_MARGIN_S,
    _json_or_none,
    base_url_for,
)

log = logging.getLogger(__name__)


class DarajaHttp:
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
        initiator: Initiator | None = None,
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
        self._shared_session = session
        self._local = threading.local()
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_expires_at = 0.0
        self.initiator = initiator  # B2C, reversal, status (``outbound``); None: not configured

    def __repr__(self) -> str:  # never show secrets
        return f"{type(self).__name__}(shortcode={self.shortcode!r}, base_url={self.base_url!r})"

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], **kwargs: Any) -> DarajaHttp:
        """Build from the contract's ``MPESA_*`` names (``MPESA_BASE_URL`` overrides the env).

        The API initiator (``MPESA_INITIATOR_NAME``...) is optional: without it, or with it
        half set (production refuses that at start, ``app.production``), the client still
        takes payments and payouts wait for a person.
        """
        try:
            kwargs.setdefault("initiator", Initiator.from_settings(settings))
        except InitiatorConfigError as exc:
            log.warning("daraja: no API initiator (%s); payouts wait for a person", exc)
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

    @property
    def _session(self) -> requests.Session:
        """The session of the calling thread (or the one a test handed in)."""
        if self._shared_session is not None:
            return self._shared_session
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

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
                if _left_unanswered(exc):
                    raise DarajaNoAnswer(f"no answer: {type(exc).__name__}", operation=what) from exc
                raise DarajaUnavailable(f"unreachable: {type(exc).__name__}", operation=what) from exc
            if attempt == 1 and self._token_rejected(resp):
                log.warning("daraja: %s got HTTP %s, renewing token once", what, resp.status_code)
                self.invalidate_token(token)
                continue
            return self._check_response(resp, what, expected_codes, sent=True)
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _token_rejected(resp: requests.Response) -> bool:
        if resp.status_code == 401:
            return True
        body = _json_or_none(resp)
        return resp.status_code >= 400 and bool(body) and body.get("errorCode") == INVALID_TOKEN_CODE

    @staticmethod
    def _check_response(
        resp: requests.Response, what: str, expected_codes: frozenset[str] = frozenset(), sent: bool = False
    ) -> dict[str, Any]:
        """Daraja's JSON answer, or the error it stands for. ``sent``: the answer to an
        operation (not OAuth), where a gateway timeout may hide work Daraja is doing."""
        body = _json_or_none(resp)
        if not 200 <= resp.status_code < 300:
            code = message = None
            if body is not None:
                code = body.get("errorCode") or body.get("ResponseCode")
                message = body.get("errorMessage") or body.get("ResponseDescription")
            code = str(code) if code is not None else None
            message = str(message) if message else f"HTTP {resp.status_code}"
            # Gateway errors (often HTML from a proxy) mean "try later", not "you are wrong";
            # a gateway *timeout* may hide a request Daraja is carrying out.
            cls = DarajaUnavailable if resp.status_code in (502, 503, 504) else DarajaError
            if resp.status_code == 504 and sent:
                cls = DarajaNoAnswer
            level = logging.DEBUG if code in expected_codes else logging.WARNING
            log.log(level, "daraja: %s failed: HTTP %s %s", what, resp.status_code, code or "")
            raise cls(message, code=code, status=resp.status_code, body=body, operation=what)
        if body is None:
            raise DarajaError("answer is not a JSON object", status=resp.status_code, operation=what)
        return body


def _left_unanswered(exc: requests.RequestException) -> bool:
    """Did the request leave with no answer back (Daraja may have acted on it)?

    A read timeout, a body cut off, or the connection dropped after the request was written
    (urllib3's ``ProtocolError``, "Connection aborted"): yes. A connect timeout, a refused or
    unresolvable connection, a TLS failure: the request never left, no.
    """
    if isinstance(exc, (requests.exceptions.ReadTimeout, requests.exceptions.ChunkedEncodingError)):
        return True
    return (isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.exceptions.ConnectTimeout)
            and bool(exc.args) and isinstance(exc.args[0], ProtocolError))
