"""The outbound message row: what was said to whom, and what the operator did with it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.database import TimestampMixin
from app.extensions import db

MESSAGE_STATUSES = ("queued", "sent", "delivered", "failed", "rejected")


class OutboundMessage(TimestampMixin, db.Model):
    __tablename__ = "outbound_messages"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'sent', 'delivered', 'failed', 'rejected')", name="status"
        ),
        Index("ix_outbound_messages_to_phone_created", "to_phone", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_phone: Mapped[str | None] = mapped_column(String(20))  # erased with the account
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(30))  # otp, receipt, ticket, refund, reply, ...
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default="queued")
    backend: Mapped[str | None] = mapped_column(String(20))
    provider_message_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    status_code: Mapped[int | None]
    failure_reason: Mapped[str | None] = mapped_column(String(80))
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None]
