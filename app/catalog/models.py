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

import unicodedata
from zoneinfo import ZoneInfo

from sqlalchemy import (
    DDL, JSON, CheckConstraint, ForeignKey, ForeignKeyConstraint, Index, String, UniqueConstraint, event, false, select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.database import TimestampMixin, utcnow
from app.extensions import db

FARE_CLASSES = ("standard", "student", "reduced")
MAX_SEATS = 100
MAX_FARE_AMOUNT = 1_000_000_000  # minor units; anything above is a typo, not a price
TRIP_STATUSES = ("scheduled", "boarding", "departed", "arrived", "cancelled")
# The one definition of "still sold": search, holds, late payments and scanners all read it.
SELLABLE_TRIP_STATUSES = ("scheduled", "boarding")

# Refund policy used when a carrier sets none: 100% at 24 h or more, 50% later, nothing
# after departure. Rules are matched from the largest ``hours_before_departure`` down.
DEFAULT_REFUND_RULES = [
    {"hours_before_departure": 24, "refund_percent": 100},
    {"hours_before_departure": 0, "refund_percent": 50},
]


def fold(text: str | None) -> str:
    """Search key: case-folded, accents removed, spaces collapsed ("Mérû " → "meru").

    Passengers type city names on feature phones without accents; folding once on write
    lets search compare keys with a plain indexed equality/prefix on every database.
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


class Carrier(TimestampMixin, db.Model):
    __tablename__ = "carriers"
    __table_args__ = (
        CheckConstraint("ticket_grace_minutes >= 0", name="grace_nonnegative"),
        CheckConstraint("boarding_opens_minutes >= 0", name="boarding_nonnegative"),
        CheckConstraint("commission_bps IS NULL OR (commission_bps >= 0 AND commission_bps <= 10000)",
                        name="commission_range"),
        CheckConstraint("cash_difference_threshold >= 0", name="cash_threshold_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    country: Mapped[str] = mapped_column(String(2), default="KE")
    currency: Mapped[str] = mapped_column(String(3), default="KES")
    support_phone: Mapped[str | None] = mapped_column(String(20))
    refund_rules: Mapped[list] = mapped_column(JSON, default=lambda: list(DEFAULT_REFUND_RULES))
    # Refunds of M-Pesa payments go back to M-Pesa (app.payments.refunds.way_back); off: every
    # refund stays in the Safiri wallet.
    mpesa_refunds_allowed: Mapped[bool] = mapped_column(default=True)
    # A second M-Pesa payment of a booking already paid is reversed to the payer through
    # Daraja (app.payouts) instead of going to their wallet; needs the API initiator.
    reverse_double_payments: Mapped[bool] = mapped_column(default=False, server_default=false())
    ticket_grace_minutes: Mapped[int] = mapped_column(default=60)
    boarding_opens_minutes: Mapped[int] = mapped_column(default=120)
    # The platform's commission on this carrier's sales, in basis points; NULL: the
    # platform's default (PLATFORM_FEE_BPS). Set by platform admins (app.ledger.fees).
    commission_bps: Mapped[int | None]
    # A student's self-service registration waits for an agent's approval (app.concessions);
    # off: it applies at once, until the expiry the student gave.
    student_approval_required: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A counter drawer closed with a difference above this (minor units, either way) needs
    # the agent's comment (app.counter).
    cash_difference_threshold: Mapped[int] = mapped_column(default=10000, server_default="10000")


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
    # Folded copies of name/city for accent- and case-insensitive search (see ``fold``).
    name_key: Mapped[str] = mapped_column(String(120), index=True, default="")
    city_key: Mapped[str] = mapped_column(String(80), index=True, default="")

    @validates("name", "city")
    def _keep_keys(self, key: str, value: str) -> str:
        setattr(self, f"{key}_key", fold(value))
        return value


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
        CheckConstraint(f"seat_count <= {MAX_SEATS}", name="seat_count_max"),
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
    __table_args__ = (
        CheckConstraint("valid_from <= valid_until", name="date_range"),
        # Re-posting the same pattern extends it instead of adding a twin (see timetable.py).
        UniqueConstraint("route_id", "vehicle_id", "weekdays", "departure_time"),
    )

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
        # The target of trip_drivers' copy of the times and status (see TripDriver). A unique
        # index, not a constraint: SQLite adds it without rebuilding trips (which every
        # booking refers to); both databases accept it as a foreign key's parent key.
        Index("uq_trips_id_times_status", "id", "departure_at", "arrival_at", "status", unique=True),
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
    status_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    carrier: Mapped[Carrier] = relationship(lazy="joined")
    route: Mapped[Route] = relationship()
    vehicle: Mapped[Vehicle] = relationship()
    drivers: Mapped[list[TripDriver]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="TripDriver.id",
        primaryjoin="Trip.id == TripDriver.trip_id", foreign_keys="TripDriver.trip_id",
    )

    # A trip's times are shown in its departure stop's zone (the public contract).
    @property
    def timezone(self) -> str:
        return self.route.stops[0].stop.timezone

    @property
    def departure_local(self) -> datetime:
        return self.departure_at.astimezone(ZoneInfo(self.timezone))

    @property
    def arrival_local(self) -> datetime:
        return self.arrival_at.astimezone(ZoneInfo(self.timezone))


class TripDriver(db.Model):
    """A driver assigned to a trip: who may mark it boarding/departed and scan its tickets.

    Why the trip's times and status are copied here: PostgreSQL's exclusion constraint
    (one driver, no two live trips overlapping) reads one table. The copy cannot drift: a
    composite foreign key onto ``trips (id, departure_at, arrival_at, status)`` with
    ``ON UPDATE CASCADE`` lets the database carry every move or cancellation of the trip.
    """

    __tablename__ = "trip_drivers"
    __table_args__ = (
        UniqueConstraint("trip_id", "user_id"),
        ForeignKeyConstraint(
            ["trip_id", "departure_at", "arrival_at", "trip_status"],
            ["trips.id", "trips.departure_at", "trips.arrival_at", "trips.status"],
            name="fk_trip_drivers_trip_times", ondelete="CASCADE", onupdate="CASCADE",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    departure_at: Mapped[datetime]  # the trip's, kept by the composite foreign key
    arrival_at: Mapped[datetime]
    trip_status: Mapped[str] = mapped_column(String(12))


@event.listens_for(TripDriver, "before_insert")
def _copy_trip_times(mapper, connection, link: TripDriver) -> None:
    """A new assignment starts with its trip's current times and status (then cascaded)."""
    trips = Trip.__table__
    row = connection.execute(
        select(trips.c.departure_at, trips.c.arrival_at, trips.c.status).where(trips.c.id == link.trip_id)
    ).one_or_none()
    if row is not None:
        link.departure_at, link.arrival_at, link.trip_status = row


# PostgreSQL: one vehicle, one driver never on two live trips whose times overlap
# (app.catalog.trips.overlap checks the same first, on every database; SQLite has no
# exclusion constraints). The same DDL as migration i16staff_01. btree_gist lets a GiST
# index compare the integer id with "=".
OVERLAP_DDL = {
    "trips": "ALTER TABLE trips ADD CONSTRAINT ex_trips_vehicle_overlap EXCLUDE USING gist "
             "(vehicle_id WITH =, tstzrange(departure_at, arrival_at) WITH &&) WHERE (status <> 'cancelled')",
    "trip_drivers": "ALTER TABLE trip_drivers ADD CONSTRAINT ex_trip_drivers_driver_overlap EXCLUDE USING gist "
                    "(user_id WITH =, tstzrange(departure_at, arrival_at) WITH &&) WHERE (trip_status <> 'cancelled')",
}
event.listen(Trip.__table__, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS btree_gist").execute_if(dialect="postgresql"))
for _model in (Trip, TripDriver):
    event.listen(_model.__table__, "after_create",
                 DDL(OVERLAP_DDL[_model.__tablename__]).execute_if(dialect="postgresql"))


class Fare(TimestampMixin, db.Model):
    """Price of one seat between two stops of a route, per fare class."""

    __tablename__ = "fares"
    __table_args__ = (
        UniqueConstraint("route_id", "origin_stop_id", "destination_stop_id", "fare_class"),
        CheckConstraint("fare_class IN ('standard', 'student', 'reduced')", name="fare_class"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(f"amount <= {MAX_FARE_AMOUNT}", name="amount_max"),
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

    @property
    def price(self) -> dict:
        return {"amount": self.amount, "currency": self.currency}
