"""What a Daraja call or callback can fail with.

Kept apart so that callers (payments, jobs, the M-Pesa channel) can catch Daraja's errors
without importing the HTTP client, and so ``DarajaUnavailable`` ("try later") stays
distinguishable from a refusal everywhere.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


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


class DarajaNoAnswer(DarajaUnavailable):
    """The request left (Daraja may have acted on it) but no answer came back: a read timeout,
    the connection dropped after sending, or a gateway timeout (504).

    Not a refusal: for an STK push it means the phone may be prompted all the same, so the
    outcome is *unknown* and must be waited for (``app.payments.stk_window``), never called
    failed. A request that never left (connection refused, connect timeout) stays a plain
    ``DarajaUnavailable``.
    """


class MalformedCallback(ValueError):
    """A callback body lacks a field or has one of the wrong type (the caller parks it)."""
