"""Users and their role.

A user is a phone number. Roles: passenger, driver, agent (sells at a carrier's counter),
carrier_admin (the three scoped to one carrier, enforced by a check constraint) and
platform_admin. A deleted account keeps its
row (orders and ledger entries point at it) with personal data erased.

Sign-in is by one-time code (``OtpChallenge``, see ``app.auth.otp``); sessions are kept
by rotating refresh tokens (``RefreshToken``, see ``app.auth.refresh``).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import TimestampMixin, utcnow
from app.extensions import db

ROLES = ("passenger", "driver", "agent", "carrier_admin", "platform_admin")
CARRIER_ROLES = ("driver", "agent", "carrier_admin")
LANGUAGES = ("en", "fr", "sw")
PAYMENT_METHODS = ("mpesa", "airtime", "wallet")
USER_STATUSES = ("active", "deactivated", "deleted")


class User(TimestampMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('passenger', 'driver', 'agent', 'carrier_admin', 'platform_admin')", name="role"),
        CheckConstraint(
            "(role IN ('driver', 'agent', 'carrier_admin')) = (carrier_id IS NOT NULL)", name="carrier_scope"
        ),
        CheckConstraint("language IN ('en', 'fr', 'sw')", name="language"),
        CheckConstraint("status IN ('active', 'deactivated', 'deleted')", name="status"),
        CheckConstraint("status = 'deleted' OR phone IS NOT NULL", name="phone_until_deleted"),
        CheckConstraint(
            "status <> 'deleted' OR (phone IS NULL AND name IS NULL)", name="erased_when_deleted"
        ),
        CheckConstraint(
            "preferred_payment IS NULL OR preferred_payment IN ('mpesa', 'airtime', 'wallet')",
            name="preferred_payment",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    name: Mapped[str | None] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(2), default="en")
    preferred_payment: Mapped[str | None] = mapped_column(String(10))
    role: Mapped[str] = mapped_column(String(20), default="passenger")
    carrier_id: Mapped[int | None] = mapped_column(ForeignKey("carriers.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="active")
    marketing_opt_out: Mapped[bool] = mapped_column(default=False)
    deactivated_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]

    carrier = relationship("Carrier", lazy="joined")

    @property
    def is_active(self) -> bool:
        return self.status == "active"


OTP_STATUSES = ("pending", "verified", "superseded", "expired", "exhausted")


class OtpChallenge(db.Model):
    """One code sent to one phone number, stored only as an HMAC of phone and code.

    At most one challenge per phone is ``pending`` (a partial unique index), so a new
    request supersedes the old code and two racing requests cannot both leave a live
    code behind. Status changes only in ``app.auth.otp``.
    """

    __tablename__ = "otp_challenges"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'verified', 'superseded', 'expired', 'exhausted')", name="status"
        ),
        CheckConstraint("attempts >= 0", name="attempts_nonnegative"),
        Index(
            "uq_otp_challenges_pending_phone", "phone", unique=True,
            postgresql_where=text("status = 'pending'"), sqlite_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class RefreshToken(db.Model):
    """An opaque refresh token (only its SHA-256 is stored), one link of a rotation family.

    Rotation marks a token ``used_at`` and issues its successor in the same family. The
    partial unique index allows one live (unused, unrevoked) token per family, so two
    concurrent rotations of the same token cannot both yield a working successor.
    """

    __tablename__ = "refresh_tokens"
    __table_args__ = (
        Index(
            "uq_refresh_tokens_live_family", "family_id", unique=True,
            postgresql_where=text("used_at IS NULL AND revoked_at IS NULL"),
            sqlite_where=text("used_at IS NULL AND revoked_at IS NULL"),
        ),
        CheckConstraint("expires_at > created_at", name="expires_after_creation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(String(32), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # Who rotated it: an HMAC of the client's address and User-Agent (no address stored),
    # so that a retry by that same client within the grace is not taken for theft.
    used_by: Mapped[str | None] = mapped_column(String(32))
    revoked_at: Mapped[datetime | None]
