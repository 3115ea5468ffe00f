"""Turning local departure times into trips: one-off trips and weekly timetables.

A carrier thinks "Mon-Fri 07:00 from Nairobi"; we store UTC. The local time is read in
the route's *first* stop's zone and the arrival is that plus the last stop's offset, so a
route's shape decides every time of its trips.

Idempotency: ``unique(route_id, departure_at)`` on trips means a timetable posted twice,
or two overlapping ranges, can only ever create each departure once. We read the
existing departures first (so the answer says created/skipped) and let the constraint
settle a race between two admins (409, nothing half-written).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app.catalog.common import flush_or_conflict, referenced
from app.catalog.models import Route, Timetable, Trip, Vehicle
from app.catalog.trips.overlap import refuse_vehicle_clash
from app.core.timeutil import zone
from app.database import utcnow
from app.errors import Unprocessable
from app.extensions import db, unit_of_work


# Trips are sold at most this far ahead: a year plus a day, so "the same day next year"
# can always be scheduled. A trip for 9999 is a typo, not a plan.
SCHEDULE_HORIZON_DAYS = 366


def within_horizon(departure_at: datetime, now: datetime | None = None) -> None:
    """Refuse (422) a departure more than ``SCHEDULE_HORIZON_DAYS`` ahead."""
    if departure_at > (now or utcnow()) + timedelta(days=SCHEDULE_HORIZON_DAYS):
        detail = f"Trips are scheduled at most {SCHEDULE_HORIZON_DAYS} days ahead."
        raise Unprocessable(detail, slug="beyond-schedule-horizon", errors={"departure_date": [detail]})


def parse_hhmm(text: str) -> time:
    """``"07:30"`` as a ``time`` (the schema has checked the format)."""
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def local_departure(route: Route, day: date, hhmm: str) -> datetime:
    """``day`` at ``hhmm`` in the first stop's zone, as aware UTC."""
    tz = zone(route.stops[0].stop.timezone)
    local = datetime.combine(day, parse_hhmm(hhmm), tzinfo=tz)
    # Round-trip through UTC so a time skipped by a DST jump lands on a real instant.
    return local.astimezone(zone("UTC"))


def trip_duration(route: Route) -> timedelta:
    """How long a trip of ``route`` runs: the last stop's offset."""
    return timedelta(minutes=route.stops[-1].minutes_from_start)


def new_trip(route: Route, vehicle: Vehicle, departure_at: datetime, timetable_id: int | None = None) -> Trip:
    """A scheduled trip (not yet added to the session)."""
    return Trip(
        carrier_id=route.carrier_id, route_id=route.id, vehicle_id=vehicle.id, timetable_id=timetable_id,
        departure_at=departure_at, arrival_at=departure_at + trip_duration(route),  # starts scheduled (TRIP)
    )


@dataclass
class TimetableResult:
    timetable: Timetable
    created: int
    skipped: int


def _upsert_timetable(carrier_id: int, route: Route, vehicle: Vehicle, weekdays: str, hhmm: str,
                      valid_from: date, valid_until: date) -> Timetable:
    """The same pattern posted again widens its range instead of adding a twin row."""
    timetable = db.session.scalar(
        select(Timetable).where(
            Timetable.route_id == route.id, Timetable.vehicle_id == vehicle.id,
            Timetable.weekdays == weekdays, Timetable.departure_time == hhmm,
        )
    )
    if timetable is None:
        timetable = Timetable(
            carrier_id=carrier_id, route_id=route.id, vehicle_id=vehicle.id, weekdays=weekdays,
            departure_time=hhmm, valid_from=valid_from, valid_until=valid_until,
        )
        db.session.add(timetable)
    else:
        timetable.valid_from = min(timetable.valid_from, valid_from)
        timetable.valid_until = max(timetable.valid_until, valid_until)
    db.session.flush()
    return timetable


def apply_timetable(
    carrier_id: int, route: Route, vehicle: Vehicle, weekdays: list[int], hhmm: str,
    valid_from: date, valid_until: date, *, now: datetime | None = None,
) -> TimetableResult:
    """Create the trips of a weekly pattern over a date range; past departures are skipped.

    Flushes but does not commit: the caller's unit of work does (a racing duplicate is a
    409, and the unit of work rolls back).
    """
    now = now or utcnow()
    if not route.active:
        raise Unprocessable("This route is inactive; activate it before scheduling trips.", slug="route-inactive")
    if valid_until > (now + timedelta(days=SCHEDULE_HORIZON_DAYS)).date():
        detail = f"Timetables reach at most {SCHEDULE_HORIZON_DAYS} days ahead."
        raise Unprocessable(detail, slug="beyond-schedule-horizon", errors={"valid_until": [detail]})
    days = "".join(str(d) for d in sorted(set(weekdays)))
    timetable = _upsert_timetable(carrier_id, route, vehicle, days, hhmm, valid_from, valid_until)
    wanted = []
    day = valid_from
    while day <= valid_until:
        if str(day.isoweekday()) in days:
            wanted.append(local_departure(route, day, hhmm))
        day += timedelta(days=1)
    existing = set()
    if wanted:
        existing = set(
            db.session.scalars(
                select(Trip.departure_at).where(
                    Trip.route_id == route.id, Trip.departure_at >= min(wanted), Trip.departure_at <= max(wanted)
                )
            )
        )
    created = 0
    for departure_at in wanted:
        if departure_at in existing or departure_at <= now:
            continue
        trip = new_trip(route, vehicle, departure_at, timetable.id)
        refuse_vehicle_clash(vehicle.id, trip.departure_at, trip.arrival_at)  # 409 naming the other trip
        db.session.add(trip)
        created += 1
    flush_or_conflict("Another change created some of these trips at the same time; post again.",
                      "concurrent-schedule")
    return TimetableResult(timetable, created, len(wanted) - created)


def schedule(carrier_id: int, data: dict):
    """Apply a carrier's weekly timetable (``apply_timetable``) as one unit of work; a racing
    duplicate is a 409."""
    route = referenced(Route, carrier_id, data["route_id"], "route_id")
    vehicle = referenced(Vehicle, carrier_id, data["vehicle_id"], "vehicle_id")
    return unit_of_work(lambda: apply_timetable(
        carrier_id, route, vehicle, data["weekdays"], data["departure_time"],
        data["valid_from"], data["valid_until"],
    ))
