"""Users and their role.

A user is a phone number. Roles: passenger, driver, carrier_admin (both scoped to one
carrier, enforced by a check constraint) and platform_admin. A deleted account keeps its
row (orders and ledger entries point at it) with personal data erased.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import TimestampMixin
from app.extensions import db

ROLES = ("passenger", "driver", "carrier_admin", "platform_admin")
CARRIER_ROLES = ("driver", "carrier_admin")
LANGUAGES = ("en", "fr", "sw")
PAYMENT_METHODS = ("mpesa", "airtime", "wallet")
USER_STATUSES = ("active", "deactivated", "deleted")


class User(TimestampMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('passenger', 'driver', 'carrier_admin', 'platform_admin')", name="role"),
        CheckConstraint(
            "(role IN ('driver', 'carrier_admin')) = (carrier_id IS NOT NULL)", name="carrier_scope"
        ),
        CheckConstraint("language IN ('en', 'fr', 'sw')", name="language"),
        CheckConstraint("status IN ('active', 'deactivated', 'deleted')", name="status"),
        CheckConstraint("status = 'deleted' OR phone IS NOT NULL", name="phone_until_deleted"),
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
