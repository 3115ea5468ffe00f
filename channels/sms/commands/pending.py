"""The one question an SMS conversation may have open per phone (a trip list, YES to cancel).

Why in the database: the answer comes as a separate inbound SMS, maybe to another
worker, minutes later. A question lives ``PENDING_MINUTES``; a new one replaces it.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.database import utcnow
from app.extensions import db
from channels.sms.models import SmsPending

PENDING_MINUTES = 15


def set_pending(phone: str, kind: str, data: dict) -> None:
    """Open (or replace) the question ``kind`` for ``phone``; committed with the reply."""
    row = db.session.scalar(select(SmsPending).where(SmsPending.phone == phone))
    if row is None:
        row = SmsPending(phone=phone)
        db.session.add(row)
    row.kind, row.data = kind, data
    row.expires_at = utcnow() + timedelta(minutes=PENDING_MINUTES)


def take_pending(phone: str, kind: str, take_if=None) -> dict | None:
    """The pending question's data; the question is removed unless ``take_if(data)`` is false."""
    row = db.session.scalar(select(SmsPending).where(SmsPending.phone == phone).with_for_update()
                            .execution_options(populate_existing=True))
    if row is None or row.kind != kind or row.expires_at <= utcnow():
        return None
    data = dict(row.data)
    if take_if is None or take_if(data):
        db.session.delete(row)
        db.session.flush()
    return data
