"""Database errors that carry no personal data.

Why: an ``IntegrityError`` on ``users.phone`` or ``inbound_sms.text`` ends up in a log line
and a traceback, and logs are kept longer and read by more people than the database.
``hide_parameters=True`` (set on every engine by ``app.config``) keeps SQLAlchemy from
printing the bound values; PostgreSQL, though, quotes them back itself in the error's
``DETAIL`` line ("Key (phone)=(+2547...) already exists", "Failing row contains (...)")
and in some primary messages ('invalid input syntax for type integer: "..."',
'value "..." is out of range'). The
``handle_error`` hook below strips those from both the driver's exception and
SQLAlchemy's wrapper before anyone can log them. Constraint names stay: they are what a
developer needs, and code that branches on them reads ``orig.diag``, which is untouched.
"""
from __future__ import annotations

import re

from sqlalchemy import event
from sqlalchemy.engine import Engine

_DETAIL = re.compile(r"^\s*DETAIL:.*$\n?", re.MULTILINE)
# A quoted value after a colon ('... for type integer: "abc"') or after "value"
# ('value "99999999999" is out of range'); quoted names (constraint "uq_x") stay.
_QUOTED_INPUT = re.compile(r'(:\s*|\bvalue )"[^"\n]*"')
REDACTED = "(value hidden)"


def scrub(message: str) -> str:
    """``message`` without the values the database quoted back."""
    message = _DETAIL.sub("", message)
    return _QUOTED_INPUT.sub(rf"\1{REDACTED}", message).rstrip("\n")


def _scrub_args(exc: BaseException | None) -> None:
    if exc is None or not exc.args or not isinstance(exc.args[0], str):
        return
    cleaned = scrub(exc.args[0])
    if cleaned != exc.args[0]:
        exc.args = (cleaned, *exc.args[1:])


@event.listens_for(Engine, "handle_error")
def _scrub_database_error(context) -> None:
    """Rewrite the messages in place; the exception raised stays the same type."""
    _scrub_args(context.original_exception)
    _scrub_args(context.sqlalchemy_exception)
