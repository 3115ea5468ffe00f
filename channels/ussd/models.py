"""USSD session state kept in the database when there is no Redis.

Why a table: Africa's Talking may send each step of one session to a different app
server, so the menu state cannot live in a process. With ``REDIS_URL`` set the same state
goes to Redis instead (``channels.ussd.store``) and this table stays empty.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.database import utcnow
from app.extensions import db


class UssdSession(db.Model):
    __tablename__ = "ussd_sessions"
    __table_args__ = (Index("ix_ussd_sessions_phone_resumable", "phone", "resumable_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(String(100), unique=True)  # the gateway's sessionId
    phone: Mapped[str] = mapped_column(String(20))
    state: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the gateway reports the session ended Incomplete: a new dial before this
    # moment is offered to continue where it left off.
    resumable_until: Mapped[datetime | None]
