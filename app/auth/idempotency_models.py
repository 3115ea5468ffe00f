"""Idempotency records: one row per `Idempotency-Key` a signed-in user sends (``app.auth.idempotency``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.database import utcnow
from app.extensions import db


class IdempotencyRecord(db.Model):
    """One ``Idempotency-Key`` use: the request's fingerprint and, once done, its answer.

    The unique constraint on (user_id, key, endpoint) is what resolves two identical
    requests racing: only one insert wins; the other sees the record and replays or
    answers 409 while the first is still in flight (``response_status`` NULL).
    """

    __tablename__ = "idempotency_records"
    __table_args__ = (
        UniqueConstraint("user_id", "key", "endpoint"),
        CheckConstraint("response_status IS NULL OR response_status BETWEEN 100 AND 599", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    endpoint: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int | None]
    response_body: Mapped[dict | list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
