"""Trips as the catalog knows them: reads every channel shares, and carriers' writes.

A trip that has sold (or is holding) seats belongs partly to its passengers: its time and
vehicle cannot change and it cannot be deleted (409). Cancelling it is the booking
area's job, because cancellation means refunds.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.catalog.common import flush_or_conflict, referenced
from app.catalog.models import Fare, Route, RouteStop, Trip, TripDriver, Vehicle
from app.catalog.trips.occupancy import seat_tally, taken_seat_counts
from app.catalog.trips.overlap import refuse_driver_clash, refuse_vehicle_clash
from app.catalog.trips.timetable import local_departure, new_trip, trip_duration, within_horizon
from app.core.timeutil import to_local, zone
from app.database import utcnow
from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db, unit_of_work

def route_stop(trip: Trip, stop_id: int) -> RouteStop | None:
    """The trip's route stop for ``stop_id`` (None when the route does not serve it)."""
    return next((rs for rs in trip.route.stops if rs.stop_id == stop_id), None)


def departure_at_stop(trip: Trip, stop_id: int) -> datetime:
    """When the trip leaves ``stop_id`` (UTC): trip departure plus the stop's offset."""
    rs = route_stop(trip, stop_id)
    offset = rs.minutes_from_start if rs else 0
    return trip.departure_at + timedelta(minutes=offset)


def get_trip(trip_id: int) -> Trip:
    """A trip by id or a 404 problem (public endpoints and channels)."""
    trip = db.session.get(Trip, trip_id)
    if trip is None:
        raise NotFound(f"No trip {trip_id}.", slug="unknown-trip")
    return trip


def stop_times(trip: Trip) -> list[tuple[RouteStop, datetime]]:
    """Each stop of the trip's route with its UTC departure time, in route order."""
    return [(rs, trip.departure_at + timedelta(minutes=rs.minutes_from_start)) for rs in trip.route.stops]


def first_stop_zone(trip: Trip) -> str:
    """The zone a trip's times are shown in: its first stop's."""
    return trip.route.stops[0].stop.timezone


def seats_left(trips: list[Trip], legs: dict[int, tuple[int, int]] | None = None) -> dict[int, int]:
    """Seats still for sale per trip id: seat count minus the seats held or sold.

    With ``legs`` (trip id -> route positions of the leg asked about), a seat counts as
    free when it is free on every segment of that leg (a seat sold Nairobi→Nakuru is free
    for Nakuru→Kisumu); without, when it is free from the first stop to the terminus.
    """
    taken = taken_seat_counts([t.id for t in trips], legs=legs)
    return {t.id: max(t.vehicle.seat_count - taken.get(t.id, 0), 0) for t in trips}


def with_seats(trips: list[Trip]) -> list[TripRow]:
    """Each trip with its seats sold, held and free (two grouped reads for the whole list)."""
    tally = seat_tally(trips)
    return [TripRow(trip, tally[trip.id]) for trip in trips]


class TripRow:
    """A trip plus its ``seats`` tally, read by ``TripListItemSchema`` like a trip."""

    def __init__(self, trip: Trip, seats: dict):
        self.trip, self.seats = trip, seats

    def __getattr__(self, name):
        return getattr(self.trip, name)


def is_driver_assigned(user, trip_id: int) -> bool:
    """Whether ``user`` drives ``trip_id`` (drivers only act on their own trips)."""
    if user is None or user.role != "driver":
        return False
    return bool(
        db.session.scalar(
            select(exists().where(TripDriver.trip_id == trip_id, TripDriver.user_id == user.id))
        )
    )


DUTY_LOOKAHEAD = timedelta(hours=6)  # a night shift sees the trips it boards after midnight


def trips_for_driver(user, day: date) -> list[Trip]:
    """Trips assigned to ``user`` departing on ``day``, local to each trip's first stop."""
    start = datetime.combine(day - timedelta(days=1), time(0), tzinfo=zone("UTC"))
    end = start + timedelta(days=3)  # every zone's ``day`` lies inside this UTC window
    trips = _driver_trips(user, Trip.departure_at >= start, Trip.departure_at < end)
    return [t for t in trips if to_local(t.departure_at, first_stop_zone(t)).date() == day]


def trips_on_duty(user, now: datetime) -> list[Trip]:
    """The driver's sheet when no day is asked: today's trips (local to each trip's first
    stop), those still on the road, and those leaving within ``DUTY_LOOKAHEAD``.

    A calendar day alone hides the 00:10 departure from a driver checking at 23:30, and
    the 22:00 run still on the road after midnight; both need the scanner now."""
    trips = _driver_trips(user, Trip.departure_at < now + timedelta(days=2),
                          Trip.arrival_at > now - timedelta(days=2))
    return [t for t in trips
            if t.departure_at <= now < t.arrival_at
            or now <= t.departure_at < now + DUTY_LOOKAHEAD
            or to_local(t.departure_at, first_stop_zone(t)).date() == to_local(now, first_stop_zone(t)).date()]


def _driver_trips(user, *window) -> list[Trip]:
    return list(db.session.scalars(
        select(Trip)
        .join(TripDriver, TripDriver.trip_id == Trip.id)
        .where(TripDriver.user_id == user.id, *window)
        .options(selectinload(Trip.route).selectinload(Route.stops), selectinload(Trip.vehicle))
        .order_by(Trip.departure_at, Trip.id)
    ))


def trip_detail(trip: Trip):
    """Everything the public trip page shows, computed once."""
    stops = [
        {"position": rs.position, "minutes_from_start": rs.minutes_from_start, "stop": rs.stop,
         "departure_at": to_local(at, rs.stop.timezone)}
        for rs, at in stop_times(trip)
    ]
    fares = list(db.session.scalars(
        select(Fare).join(RouteStop, (RouteStop.route_id == Fare.route_id) & (RouteStop.stop_id == Fare.origin_stop_id))
        .where(Fare.route_id == trip.route_id).order_by(RouteStop.position, Fare.destination_stop_id, Fare.fare_class)
    ))
    return TripDetail(trip, seats_left([trip])[trip.id], stops, fares)


class TripDetail:
    """A trip plus computed fields, read by ``TripDetailSchema`` like a trip."""

    def __init__(self, trip: Trip, seats_left: int, stops: list[dict], fares: list[Fare]):
        self.trip, self.seats_left, self.stops, self.fares = trip, seats_left, stops, fares

    def __getattr__(self, name):
        return getattr(self.trip, name)


# Carrier writes ------------------------------------------------------------------------

def _has_sales(trip: Trip) -> bool:
    return taken_seat_counts([trip.id])[trip.id] > 0


def _future(departure_at: datetime, now: datetime | None = None) -> None:
    now = now or utcnow()
    if departure_at <= now:
        raise Unprocessable("The departure is in the past.", slug="past-departure",
                            errors={"departure_date": ["The departure is in the past."]})
    within_horizon(departure_at, now)


def create_trip(carrier_id: int, data: dict) -> Trip:
    """A one-off trip of this carrier's route and vehicle; the local time is read in the first stop's zone."""
    route = referenced(Route, carrier_id, data["route_id"], "route_id")
    vehicle = referenced(Vehicle, carrier_id, data["vehicle_id"], "vehicle_id")
    if not route.active:
        raise Unprocessable("This route is inactive.", slug="route-inactive")
    departure_at = local_departure(route, data["departure_date"], data["departure_time"])
    _future(departure_at)

    def work():
        trip = new_trip(route, vehicle, departure_at)
        refuse_vehicle_clash(vehicle.id, trip.departure_at, trip.arrival_at)
        db.session.add(trip)
        flush_or_conflict("This route already has a trip at that time.", "duplicate-trip")
        return trip

    return unit_of_work(work)


def update_trip(trip: Trip, data: dict) -> Trip:
    """Move a trip or swap its vehicle, only while nobody holds a seat on it."""
    if trip.status != "scheduled":
        raise Conflict(f"A {trip.status} trip cannot be edited.", slug="trip-not-editable")
    if _has_sales(trip):
        raise Conflict("Seats on this trip are sold or held; it cannot be moved or re-vehicled.",
                       slug="trip-has-sales")
    vehicle = referenced(Vehicle, trip.carrier_id, data["vehicle_id"], "vehicle_id") if "vehicle_id" in data else None
    departure_at = None
    if "departure_date" in data:
        departure_at = local_departure(trip.route, data["departure_date"], data["departure_time"])
        _future(departure_at)

    def work():  # every check passed: now change the row
        start = departure_at or trip.departure_at
        end = start + trip_duration(trip.route) if departure_at is not None else trip.arrival_at
        refuse_vehicle_clash(vehicle.id if vehicle is not None else trip.vehicle_id, start, end, trip.id)
        for link in trip.drivers:
            refuse_driver_clash(link.user_id, start, end, trip.id)
        if vehicle is not None:
            trip.vehicle_id = vehicle.id
        trip.departure_at, trip.arrival_at = start, end
        flush_or_conflict("This route already has a trip at that time.", "duplicate-trip")

    unit_of_work(work)
    db.session.refresh(trip)
    return trip


def delete_trip(trip: Trip) -> None:
    """Delete a trip nobody holds or bought a seat on (else 409: cancel it through booking)."""
    if _has_sales(trip):
        raise Conflict("Seats on this trip are sold or held; cancel it instead.", slug="trip-has-sales")

    def work():
        db.session.delete(trip)
        flush_or_conflict("This trip has orders; cancel it instead.", "trip-has-sales")

    unit_of_work(work)


def list_trips(carrier_id: int, args: dict, *, now: datetime | None = None) -> list[Trip]:
    """A carrier's trips between two local days (default: from today on), by departure."""
    now = now or utcnow()
    first = args.get("date_from") or to_local(now, "Africa/Nairobi").date()
    stmt = (
        select(Trip)
        .where(Trip.carrier_id == carrier_id,
               Trip.departure_at >= datetime.combine(first - timedelta(days=1), datetime.min.time(), zone("UTC")))
        .options(selectinload(Trip.route).selectinload(Route.stops), selectinload(Trip.vehicle),
                 selectinload(Trip.drivers))
        .order_by(Trip.departure_at, Trip.id)
    )
    if args.get("date_until"):
        stmt = stmt.where(Trip.departure_at < datetime.combine(
            args["date_until"] + timedelta(days=2), datetime.min.time(), zone("UTC")))
    if args.get("route_id"):
        stmt = stmt.where(Trip.route_id == args["route_id"])
    if args.get("status"):
        stmt = stmt.where(Trip.status == args["status"])
    trips = []
    for trip in db.session.scalars(stmt):
        day = trip.departure_local.date()
        if day >= first and (not args.get("date_until") or day <= args["date_until"]):
            trips.append(trip)
        if len(trips) >= 500:
            break
    return trips


# Drivers -------------------------------------------------------------------------------

def assign_driver(trip: Trip, user_id: int, field: str = "user_id") -> TripDriver:
    """Idempotent: assigning an assigned driver changes nothing.

    A driver already on another live trip overlapping this one is a 409 naming it
    (``overlap``; on PostgreSQL the exclusion constraint decides a race).
    """
    user = db.session.get(User, user_id)
    if user is None or user.role != "driver" or user.carrier_id != trip.carrier_id or not user.is_active:
        raise Unprocessable("That user is not an active driver of this carrier.", slug="not-a-driver",
                            errors={field: ["Not a driver of this carrier."]})
    link = db.session.scalar(select(TripDriver).where(TripDriver.trip_id == trip.id, TripDriver.user_id == user_id))
    if link is not None:
        return link
    trip_id = trip.id

    def work():
        current = db.session.get(Trip, trip_id)
        if current.status != "cancelled":
            refuse_driver_clash(user_id, current.departure_at, current.arrival_at, trip_id)
        new = TripDriver(trip_id=trip_id, user_id=user_id)
        db.session.add(new)
        flush_or_conflict("This driver was just assigned.", "duplicate-assignment")
        return new

    return unit_of_work(work)


def unassign_driver(trip: Trip, user_id: int) -> None:
    """Take a driver off a trip (404 when not assigned): one unit of work."""

    def work():
        link = db.session.scalar(select(TripDriver).where(TripDriver.trip_id == trip.id,
                                                          TripDriver.user_id == user_id))
        if link is None:
            raise NotFound("This driver is not assigned to this trip.")
        db.session.delete(link)

    unit_of_work(work)
