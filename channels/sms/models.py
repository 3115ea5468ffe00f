"""Inbound SMS bookkeeping: which gateway messages were handled, and pending questions.

Why a unique gateway id: Africa's Talking retries a callback it thinks failed, and a
replayed ``BUY`` answer must not buy twice. Why a pending row per phone: an SMS dialogue
("reply 1 to pay", "reply YES to cancel") spans two messages that may reach different
app servers, minutes apart.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.database import utcnow
from app.extensions import db


class InboundSms(db.Model):
    __tablename__ = "inbound_sms"

    id: Mapped[int] = mapped_column(primary_key=True)
    gateway_id: Mapped[str] = mapped_column(String(100), unique=True)  # AT's message ``id``
    from_phone: Mapped[str | None] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    link_id: Mapped[str | None] = mapped_column(String(100))
    command: Mapped[str | None] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class SmsPending(db.Model):
    """The one question waiting for a phone's answer (a trip number, or YES)."""

    __tablename__ = "sms_pending"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # buy | cancel
    data: Mapped[dict] = mapped_column(JSON)
    expires_at: Mapped[datetime]
