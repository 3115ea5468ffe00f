"""No log line carries a secret from a URL: ``token=`` values are redacted on every handler.

Why: every operator callback URL carries ``CHANNEL_TOKEN`` as ``?token=`` (Africa's
Talking and Daraja cannot sign their callbacks). Our own log lines name ``request.path``
only, but gunicorn logs the raw URI of a request that errors or times out ("Error
handling request POST /channels/sms/inbound?token=…" with the traceback of a worker
killed by its timeout) and the raw request line of a malformed request; an exception's
text may quote a URL too. Whoever reads the logs could then forge operator callbacks.

So the redaction sits where every line is written, not at each call site: a
``logging.Filter`` on the handlers (gunicorn's error and access logs through
``gunicorn.conf.py``'s ``logger_class``, the application's through ``create_app``). It
rewrites the rendered message and the formatted traceback of each record before any
formatter sees them. Any ``…token=`` parameter is covered (``access_token=`` too).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable

REDACTED = "[redacted]"
_TOKEN_VALUE = re.compile(r"(?i)(token=)[^&\s'\"#;,)\]]+")
_traceback = logging.Formatter()  # only its formatException / formatStack


def redact(text: str) -> str:
    """``text`` with the value of every ``…token=`` parameter replaced by ``[redacted]``."""
    return _TOKEN_VALUE.sub(rf"\g<1>{REDACTED}", text)


class RedactSecrets(logging.Filter):
    """A handler filter: the record's message, traceback and stack are redacted in place."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the formatter's own error path
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = _traceback.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def redact_handlers(handlers: Iterable[logging.Handler]) -> None:
    """Give each handler the filter (once, however often this runs)."""
    for handler in handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())
