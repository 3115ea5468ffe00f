"""``token=`` values never reach a log line (the application's handlers; gunicorn's are
covered by tests/test_production_logs.py against the real server)."""
from __future__ import annotations

import io
import logging

from app.core.log_redaction import RedactSecrets, redact, redact_handlers

SECRET = "6f1c0ffee6f1c0ffee6f1c0ffee6f1c0ffee"


def test_every_token_parameter_is_redacted_and_the_rest_kept():
    assert redact(f"POST /channels/ussd?token={SECRET} HTTP/1.1") == "POST /channels/ussd?token=[redacted] HTTP/1.1"
    assert redact(f"/x?a=1&Token={SECRET}&b=2") == "/x?a=1&Token=[redacted]&b=2"
    assert redact(f"'https://h/cb?access_token={SECRET}'") == "'https://h/cb?access_token=[redacted]'"
    assert redact("no secret here: token count 3") == "no secret here: token count 3"


def _logged(handler_stream: io.StringIO) -> str:
    return handler_stream.getvalue()


def test_messages_arguments_and_tracebacks_are_redacted_on_the_handler():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    redact_handlers([handler, handler])  # idempotent
    assert sum(isinstance(f, RedactSecrets) for f in handler.filters) == 1
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("callback %s refused", f"/channels/sms/inbound?token={SECRET}")
        try:
            raise RuntimeError(f"upstream said: https://h/channels/mobile-money/stk?token={SECRET}")
        except RuntimeError:
            logger.exception("boom on %s", "/channels/ussd")
    finally:
        logger.removeHandler(handler)
    text = _logged(stream)
    assert SECRET not in text
    assert "token=[redacted]" in text and "RuntimeError: upstream said" in text


def test_the_app_puts_the_filter_on_the_root_handlers(make_app):
    make_app()  # the handlers present now (the process's own, pytest's) get the filter
    handlers = logging.getLogger().handlers
    assert handlers and all(any(isinstance(f, RedactSecrets) for f in h.filters) for h in handlers)
