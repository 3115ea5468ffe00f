"""The ticket row: one seat on one trip, issued when its order is paid.

Status machine (``app.ticketing.states``, the only place the status changes, with the
one expiry rule): ``valid → used | cancelled | refunded | expired``, ``used → valid``. ``cancelled`` means the passenger
gave the ticket back (whatever the refund percentage, possibly 0); ``refunded`` means
the carrier cancelled the trip and the full price was returned.
``short_code`` is the typeable code for feature phones (``tickets.shortcode``).
``seat_index`` is the seat's 0-based position in the vehicle's ``seat_layout`` when the
ticket was issued: the signed QR payload carries it (format v2, docs/ticket-format.md),
frozen like the validity window so a ticket's code never changes under it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import utcnow
from app.extensions import db

TICKET_STATUSES = ("valid", "used", "cancelled", "refunded", "expired")
# Orders whose tickets count (may board, may be cancelled): the one definition, here because
# ticketing sits below booking; ``app.booking.models`` builds its "paid" statuses on it.
TICKETED_ORDER_STATUSES = ("paid", "partially_refunded")


class Ticket(db.Model):
    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(
            "status IN ('valid', 'used', 'cancelled', 'refunded', 'expired')", name="status"
        ),
        CheckConstraint("valid_until > valid_from", name="validity_window"),
        CheckConstraint("seat_index >= 0 AND seat_index <= 65535", name="seat_index_range"),
        Index("ix_tickets_user_status", "user_id", "status"),
        Index("ix_tickets_trip_updated", "trip_id", "updated_at"),  # incremental driver manifests
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    order_item_id: Mapped[int] = mapped_column(ForeignKey("order_items.id"), unique=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    seat: Mapped[str] = mapped_column(String(8))
    seat_index: Mapped[int]
    fare_class: Mapped[str] = mapped_column(String(10))
    passenger_name: Mapped[str | None] = mapped_column(String(120))
    short_code: Mapped[str] = mapped_column(String(10), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="valid")
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_changed_at: Mapped[datetime | None]
    status_reason: Mapped[str | None] = mapped_column(String(200))
    # Wall-clock time of the last change (ORM onupdate): the cursor of driver manifests
    # (``app.ticketing.manifest``), so a scanner re-syncs only what changed.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    order = relationship("Order")
    order_item = relationship("OrderItem")
    trip = relationship("Trip")

    def expired_at(self, now: datetime) -> bool:
        """The one rule of ticket expiry: a valid (or already swept ``expired``) ticket past
        ``valid_until`` (arrival plus the carrier's grace). Time decides, not the sweep
        (``app.ticketing.states.expire_tickets``): a scan made offline inside the window and
        uploaded later is judged at the moment it was made. Lists, cancellation and scanners
        all ask this."""
        return self.status in ("valid", "expired") and now >= self.valid_until

    def is_active(self, now: datetime) -> bool:
        """Still usable: ``valid`` and not expired."""
        return self.status == "valid" and not self.expired_at(now)

    @classmethod
    def active_clause(cls, now: datetime):
        """``is_active`` as SQL, for listing."""
        return (cls.status == "valid") & (cls.valid_until > now)
