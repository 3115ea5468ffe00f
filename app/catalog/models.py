"""Catalog tables.

A carrier owns its stops, routes, vehicles, trips and fares; every table carries
``carrier_id`` so that scoping is one filter. Stops of different carriers in the same
town share a ``city`` so trip search works across carriers.

Times: ``Trip.departure_at``/``arrival_at`` are UTC; each stop has an IANA zone and a
route stop an offset in minutes from the trip's departure, so a stop's local time is
derived, never stored twice.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import TimestampMixin
from app.extensions import db

FARE_CLASSES = ("standard", "student", "reduced")
TRIP_STATUSES = ("scheduled", "boarding", "departed", "arrived", "cancelled")

# Refund policy used when a carrier sets none: 100% at 24 h or more, 50% later, nothing
# after departure. Rules are matched from the largest ``hours_before_departure`` down.
DEFAULT_REFUND_RULES = [
    {"hours_before_departure": 24, "refund_percent": 100},
    {"hours_before_departure": 0, "refund_percent": 50},
]


class Carrier(TimestampMixin, db.Model):
    __tablename__ = "carriers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    country: Mapped[str] = mapped_column(String(2), default="KE")
    currency: Mapped[str] = mapped_column(String(3), default="KES")
    support_phone: Mapped[str | None] = mapped_column(String(20))
    refund_rules: Mapped[list] = mapped_column(JSON, default=lambda: list(DEFAULT_REFUND_RULES))
    mpesa_refunds_allowed: Mapped[bool] = mapped_column(default=False)
    ticket_grace_minutes: Mapped[int] = mapped_column(default=60)
    boarding_opens_minutes: Mapped[int] = mapped_column(default=120)


class Stop(TimestampMixin, db.Model):
    __tablename__ = "stops"
    __table_args__ = (UniqueConstraint("carrier_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"), index=True)
    code: Mapped[str] = mapped_column(String(12))  # e.g. NBO, NKR; unique per carrier
    name: Mapped[str] = mapped_column(String(120))
    city: Mapped[str] = mapped_column(String(80), index=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Africa/Nairobi")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]


class Route(TimestampMixin, db.Model):
    __tablename__ = "routes"
    __table_args__ = (UniqueConstraint("carrier_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)

    stops: Mapped[list[RouteStop]] = relationship(
        order_by="RouteStop.position", cascade="all, delete-orphan", back_populates="route"
    )


class RouteStop(db.Model):
    __tablename__ = "route_stops"
    __table_args__ = (
        UniqueConstraint("route_id", "position"),
        UniqueConstraint("route_id", "stop_id"),
        CheckConstraint("position >= 0", name="position_nonnegative"),
        CheckConstraint("minutes_from_start >= 0", name="offset_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("routes.id", ondelete="CASCADE"))
    stop_id: Mapped[int] = mapped_column(ForeignKey("stops.id"))
    position: Mapped[int]
    minutes_from_start: Mapped[int]

    route: Mapped[Route] = relationship(back_populates="stops")
    stop: Mapped[Stop] = relationship(lazy="joined")


class Vehicle(TimestampMixin, db.Model):
    __tablename__ = "vehicles"
    __table_args__ = (
        UniqueConstraint("carrier_id", "registration"),
        CheckConstraint("seat_count > 0", name="seat_count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"), index=True)
    registration: Mapped[str] = mapped_column(String(20))
    name: Mapped[str | None] = mapped_column(String(80))
    # Seat labels in selling order, e.g. ["1A", "1B", ...]; seat_count == len(seat_layout).
    seat_layout: Mapped[list] = mapped_column(JSON)
    seat_count: Mapped[int]


class Timetable(TimestampMixin, db.Model):
    """A weekly pattern that generates trips for a date range."""

    __tablename__ = "timetables"
    __table_args__ = (CheckConstraint("valid_from <= valid_until", name="date_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"), index=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("routes.id"))
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"))
    weekdays: Mapped[str] = mapped_column(String(7))  # ISO weekdays, e.g. "12345" = Mon-Fri
    departure_time: Mapped[str] = mapped_column(String(5))  # local "HH:MM" at the first stop
    valid_from: Mapped[date]
    valid_until: Mapped[date]


class Trip(TimestampMixin, db.Model):
    __tablename__ = "trips"
    __table_args__ = (
        UniqueConstraint("route_id", "departure_at"),
        CheckConstraint(
            "status IN ('scheduled', 'boarding', 'departed', 'arrived', 'cancelled')", name="status"
        ),
        CheckConstraint("arrival_at > departure_at", name="arrives_after_departure"),
        Index("ix_trips_departure_at", "departure_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"), index=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("routes.id"))
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"))
    timetable_id: Mapped[int | None] = mapped_column(ForeignKey("timetables.id"))
    departure_at: Mapped[datetime]  # UTC, at the route's first stop
    arrival_at: Mapped[datetime]  # UTC, at the terminus
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    status_changed_at: Mapped[datetime | None]
    status_reason: Mapped[str | None] = mapped_column(String(200))

    carrier: Mapped[Carrier] = relationship(lazy="joined")
    route: Mapped[Route] = relationship()
    vehicle: Mapped[Vehicle] = relationship()


class Fare(TimestampMixin, db.Model):
    """Price of one seat between two stops of a route, per fare class."""

    __tablename__ = "fares"
    __table_args__ = (
        UniqueConstraint("route_id", "origin_stop_id", "destination_stop_id", "fare_class"),
        CheckConstraint("fare_class IN ('standard', 'student', 'reduced')", name="fare_class"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("origin_stop_id <> destination_stop_id", name="distinct_stops"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"), index=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("routes.id"))
    origin_stop_id: Mapped[int] = mapped_column(ForeignKey("stops.id"))
    destination_stop_id: Mapped[int] = mapped_column(ForeignKey("stops.id"))
    fare_class: Mapped[str] = mapped_column(String(10), default="standard")
    amount: Mapped[int]  # minor units
    currency: Mapped[str] = mapped_column(String(3), default="KES")
