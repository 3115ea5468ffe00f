"""Orders, their items, the seat holds behind them and the seat segments they occupy.

Why a ``SeatHold`` table separate from tickets: a seat is taken from the moment a buyer
starts paying (an STK prompt can take a minute), not only once a ticket exists. A hold is
for the passenger's leg only: while it is ``held`` or ``converted`` its order owns one
``SeatSegment`` row per stop-to-stop segment of that leg, and the primary key
(trip_id, segment, seat) of ``seat_segments`` is the one thing that guarantees a seat is
never sold twice on any stretch of road; code merely reacts when an insert is refused.
A seat sold Nairobi→Nakuru is thus free again Nakuru→Kisumu (docs/seats.md).

Status strings change only through the machines of ``app.booking.states`` (helpers in
``app.booking.transitions``), which record each change in ``status_history``.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import utcnow
from app.extensions import db
from app.ticketing.models import TICKETED_ORDER_STATUSES  # noqa: F401 - re-exported

ORDER_STATUSES = ("pending_payment", "paid", "partially_refunded", "refunded", "expired", "failed")
# Orders whose money was received and applied (tickets were issued), whether or not it was
# refunded since: a second payment for one of these is not wanted.
PAID_OR_REFUNDED_ORDER_STATUSES = TICKETED_ORDER_STATUSES + ("refunded",)
# TICKETED_ORDER_STATUSES (app.ticketing.models): of those, the orders whose tickets may still board.
HOLD_STATUSES = ("held", "converted", "expired", "released")
CHANNELS = ("api", "ussd", "sms", "counter")


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending_payment', 'paid', 'partially_refunded', 'refunded', 'expired', 'failed')",
            name="status",
        ),
        CheckConstraint("channel IN ('api', 'ussd', 'sms', 'counter')", name="channel"),
        # A counter sale names its agent; nothing else does.
        CheckConstraint("(channel = 'counter') = (sold_by IS NOT NULL)", name="counter_sold_by"),
        CheckConstraint("total_amount > 0", name="total_positive"),
        CheckConstraint(
            "refunded_amount >= 0 AND refunded_amount <= total_amount", name="refunded_within_total"
        ),
        CheckConstraint("origin_stop_id <> destination_stop_id", name="distinct_stops"),
        Index("ix_orders_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Booking code; also the M-Pesa Paybill account number (<= 12 chars, unambiguous).
    code: Mapped[str] = mapped_column(String(12), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id"), index=True)
    origin_stop_id: Mapped[int] = mapped_column(ForeignKey("stops.id"))
    destination_stop_id: Mapped[int] = mapped_column(ForeignKey("stops.id"))
    currency: Mapped[str] = mapped_column(String(3))
    total_amount: Mapped[int]
    refunded_amount: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(20), default="pending_payment")
    channel: Mapped[str] = mapped_column(String(8), default="api")
    sold_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the counter agent
    hold_expires_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    payment_id: Mapped[int | None]  # the payment that paid it (payments' table; no FK to stay decoupled)
    status_changed_at: Mapped[datetime | None]
    status_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", order_by="OrderItem.id", cascade="all, delete-orphan"
    )
    user = relationship("User", foreign_keys=[user_id])
    trip = relationship("Trip")
    origin = relationship("Stop", foreign_keys=[origin_stop_id])
    destination = relationship("Stop", foreign_keys=[destination_stop_id])


class OrderItem(db.Model):
    """One passenger of an order. ``price`` is the fare quoted at hold time, kept for the hold's life."""

    __tablename__ = "order_items"
    __table_args__ = (
        UniqueConstraint("order_id", "seat"),
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint("fare_class IN ('standard', 'student', 'reduced')", name="fare_class"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    seat: Mapped[str] = mapped_column(String(8))
    fare_class: Mapped[str] = mapped_column(String(10))
    price: Mapped[int]
    passenger_name: Mapped[str | None] = mapped_column(String(120))
    # How ``price`` was made at hold time: {"base": int, "rules": [{"id", "name", "change"}]}
    # (app.booking.pricing), kept with the price so the order shows what was quoted.
    price_detail: Mapped[dict | None] = mapped_column(JSON)
    # A concession fare (student, reduced): the last day the holder's category was valid when
    # bought; the ticket and the scanner say "verified until" it (app.concessions).
    concession_until: Mapped[date | None]

    order: Mapped[Order] = relationship(back_populates="items")


class SeatHold(db.Model):
    __tablename__ = "seat_holds"
    __table_args__ = (
        CheckConstraint("status IN ('held', 'converted', 'expired', 'released')", name="status"),
        Index("ix_seat_holds_status_expires", "status", "expires_at"),
        Index("ix_seat_holds_trip_status", "trip_id", "status"),  # a trip's live holds (availability)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id"))
    seat: Mapped[str] = mapped_column(String(8))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="held")
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_changed_at: Mapped[datetime | None]
    status_reason: Mapped[str | None] = mapped_column(String(200))


class SeatSegment(db.Model):
    """One seat of one trip on one stop-to-stop segment, taken by an order's active hold.

    ``segment`` is the ``RouteStop.position`` of the stop the segment starts at (a route's
    stops never change once it has trips), so a leg from the stop at position ``a`` to the
    one at ``b`` covers the segments ``a <= segment < b`` and two legs overlap exactly when
    they share a segment. The row exists while the hold of (``order_id``, ``seat``) is
    ``held`` or ``converted`` and is deleted in the same statement batch that makes the hold
    ``expired`` or ``released`` (``app.booking.transitions``). The primary key is the seat
    guarantee: a second buyer's row for the same seat and segment is refused by the
    database, whatever the code above it believed.
    """

    __tablename__ = "seat_segments"
    __table_args__ = (CheckConstraint("segment >= 0", name="segment_nonnegative"),)

    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id"), primary_key=True)
    segment: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seat: Mapped[str] = mapped_column(String(8), primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
