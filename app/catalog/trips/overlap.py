"""One vehicle, one driver: never on two live trips whose times overlap.

Why in two places: the check here runs on every database and names the other trip in a
409 a carrier can act on; on PostgreSQL the exclusion constraints of ``trips`` and
``trip_drivers`` (``app.catalog.models``) refuse what two concurrent requests would slip
past it. Their ``IntegrityError`` is not answered here: ``common.flush_or_conflict`` lets it
through, the unit of work runs again, and this check then sees the winner and names it.

Times are half-open, ``[departure_at, arrival_at)``: a coach arriving at 12:00 may leave
again at 12:00. Cancelled trips do not count.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.catalog.models import Trip, TripDriver
from app.core.timeutil import isoformat
from app.errors import Conflict
from app.extensions import db


def _overlapping(stmt, departure_at: datetime, arrival_at: datetime, except_trip_id: int | None):
    stmt = stmt.where(Trip.status != "cancelled", Trip.departure_at < arrival_at, Trip.arrival_at > departure_at)
    if except_trip_id is not None:
        stmt = stmt.where(Trip.id != except_trip_id)
    return db.session.scalars(stmt.order_by(Trip.departure_at, Trip.id).limit(1)).first()


def vehicle_clash(vehicle_id: int, departure_at: datetime, arrival_at: datetime,
                  except_trip_id: int | None = None) -> Trip | None:
    """The first live trip of ``vehicle_id`` overlapping the times, if any."""
    return _overlapping(select(Trip).where(Trip.vehicle_id == vehicle_id), departure_at, arrival_at, except_trip_id)


def driver_clash(user_id: int, departure_at: datetime, arrival_at: datetime,
                 except_trip_id: int | None = None) -> Trip | None:
    """The first live trip ``user_id`` drives that overlaps the times, if any."""
    stmt = select(Trip).join(TripDriver, TripDriver.trip_id == Trip.id).where(TripDriver.user_id == user_id)
    return _overlapping(stmt, departure_at, arrival_at, except_trip_id)


def _busy(what: str, slug: str, other: Trip) -> Conflict:
    zone = other.timezone
    detail = (f"{what} is already on trip {other.id} ({other.route.code}, "
              f"{isoformat(other.departure_at, zone)} to {isoformat(other.arrival_at, zone)}).")
    return Conflict(detail, slug=slug, other_trip_id=other.id)


def refuse_vehicle_clash(vehicle_id: int, departure_at: datetime, arrival_at: datetime,
                         except_trip_id: int | None = None) -> None:
    """409 ``vehicle-busy`` naming the other trip when the vehicle is taken then."""
    other = vehicle_clash(vehicle_id, departure_at, arrival_at, except_trip_id)
    if other is not None:
        raise _busy("This vehicle", "vehicle-busy", other)


def refuse_driver_clash(user_id: int, departure_at: datetime, arrival_at: datetime,
                        except_trip_id: int | None = None) -> None:
    """409 ``driver-busy`` naming the other trip when the driver drives then."""
    other = driver_clash(user_id, departure_at, arrival_at, except_trip_id)
    if other is not None:
        raise _busy("This driver", "driver-busy", other)
