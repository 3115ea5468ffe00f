"""The ``concessions`` table: a person's claim to a concession fare class with one carrier.

Per carrier, not platform-wide: the discount is the carrier's money and so its decision
(whether a student needs an agent's approval, which agent saw which document); one
carrier's agent never vouches for a fare another carrier pays for. A passenger registers
once per carrier they travel with.

At most one live claim (pending or approved) per person, carrier and class: a partial
unique index, so two quick submissions cannot make two pending requests.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import utcnow
from app.extensions import db

CATEGORIES = ("student", "reduced")
REDUCED_REASONS = ("senior", "disabled")
STATUSES = ("pending", "approved", "rejected", "revoked")
LIVE = "status IN ('pending', 'approved')"


class Concession(db.Model):
    __tablename__ = "concessions"
    __table_args__ = (
        CheckConstraint("category IN ('student', 'reduced')", name="category"),
        CheckConstraint("status IN ('pending', 'approved', 'rejected', 'revoked')", name="status"),
        CheckConstraint("reason IS NULL OR reason IN ('senior', 'disabled')", name="reason"),
        CheckConstraint("(category = 'reduced') = (reason IS NOT NULL)", name="reason_for_reduced"),
        CheckConstraint("status <> 'approved' OR expires_on IS NOT NULL", name="approved_has_expiry"),
        Index("uq_concessions_live", "user_id", "carrier_id", "category", unique=True,
              postgresql_where=text(LIVE), sqlite_where=text(LIVE)),
        Index("ix_concessions_carrier_status", "carrier_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"))
    category: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(10))  # reduced: senior | disabled
    institution: Mapped[str | None] = mapped_column(String(120))  # student
    student_number: Mapped[str | None] = mapped_column(String(40))
    expires_on: Mapped[date | None]  # the last day it applies (student: the card's expiry)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    # Private file name of the uploaded document (reduced); NULL once the agent decided.
    document_name: Mapped[str | None] = mapped_column(String(80))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User", foreign_keys=[user_id])
