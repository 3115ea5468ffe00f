"""Authenticating operator callbacks.

Neither Africa's Talking nor Daraja signs its callbacks, so every callback URL carries a
shared secret as ``?token=`` (plus an address allow-list at the proxy in production).
Without ``CHANNEL_TOKEN`` (development) callbacks are open and a warning was logged at
start-up.
"""
from __future__ import annotations

import hmac
import logging
from functools import wraps

from flask import Response, current_app, request

from app.core.input_guard import BadInput


log = logging.getLogger(__name__)


def token_ok() -> bool:
    expected = current_app.config.get("CHANNEL_TOKEN")
    if not expected:
        return True
    given = request.args.get("token", "")
    return hmac.compare_digest(given.encode(), expected.encode())


def require_channel_token(view):
    """403 (plain text) and no side effect when the callback's token is wrong."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not token_ok():
            log.warning("callback to %s refused: wrong or missing token", request.path)
            return Response("Forbidden", status=403, mimetype="text/plain")
        return view(*args, **kwargs)

    return wrapper


def answer_bad_input(blp, answer) -> None:
    """Give an operator callback blueprint its documented answer for input the shared
    guards refuse (``app.core.input_guard.BadInput``: NUL characters, lone surrogates,
    JSON nested too deep...), instead of problem+json. Nothing is changed; the refusal
    is logged without the body (it may hold a phone number)."""
    def handler(error):
        log.warning("callback to %s refused: %s", request.path, error.detail)
        return answer(error)

    blp.register_error_handler(BadInput, handler)
