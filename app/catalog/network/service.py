"""Writes to a carrier's network: stops, routes and vehicles, with the rules behind them.

A stop on a route, a route with trips and a vehicle with upcoming trips are partly the
passengers': they refuse the changes that would rewrite sold tickets (409).

Each write is a use case: it checks first (reads), then makes its change as one unit of
work (``app.extensions.unit_of_work``), which commits it or rolls it back on a 409.
"""
from __future__ import annotations

from sqlalchemy import exists, select

from app.catalog.common import flush_or_conflict
from app.catalog.models import Fare, Route, RouteStop, Stop, Timetable, Trip, Vehicle
from app.errors import Conflict, Unprocessable
from app.extensions import db, unit_of_work


# Stops ---------------------------------------------------------------------------------

def _apply(row, data: dict):
    """``row`` (new or existing, in the session) with ``data``'s fields set on it."""
    db.session.add(row)
    for key, value in data.items():
        setattr(row, key, value)
    return row


def save_stop(carrier_id: int, data: dict, stop: Stop | None = None) -> Stop:
    """Create or edit a stop; its code is upper-cased and unique per carrier (409)."""
    if "code" in data:
        data["code"] = data["code"].upper()

    def work():
        saved = _apply(stop or Stop(carrier_id=carrier_id), data)
        flush_or_conflict(f"This carrier already has a stop with code {saved.code!r}.", "duplicate-code")
        return saved

    return unit_of_work(work)


def delete_stop(stop: Stop) -> None:
    """Delete a stop no route uses (else 409)."""
    if db.session.scalar(select(exists().where(RouteStop.stop_id == stop.id))):
        raise Conflict("This stop is on a route; remove it from the route first.", slug="stop-in-use")

    def work():
        db.session.delete(stop)
        flush_or_conflict("This stop is still referenced.", "stop-in-use")

    unit_of_work(work)


# Routes --------------------------------------------------------------------------------

def _route_stops(carrier_id: int, items: list[dict]) -> list[RouteStop]:
    """Ordered route stops: this carrier's, no repeats, first at 0, offsets increasing."""
    errors = []
    seen = set()
    for index, item in enumerate(items):
        stop = db.session.get(Stop, item["stop_id"])
        if stop is None or stop.carrier_id != carrier_id:
            errors.append(f"stops[{index}]: stop {item['stop_id']} is not one of this carrier's.")
        if item["stop_id"] in seen:
            errors.append(f"stops[{index}]: stop {item['stop_id']} appears twice.")
        seen.add(item["stop_id"])
    offsets = [item["minutes_from_start"] for item in items]
    if offsets[0] != 0:
        errors.append("The first stop's minutes_from_start must be 0 (it is the departure).")
    if any(b <= a for a, b in zip(offsets, offsets[1:])):
        errors.append("minutes_from_start must increase strictly along the route.")
    if errors:
        raise Unprocessable(errors[0], slug="invalid-route", errors={"stops": errors})
    return [
        RouteStop(stop_id=item["stop_id"], position=position, minutes_from_start=item["minutes_from_start"])
        for position, item in enumerate(items)
    ]


def has_trips(**where) -> bool:
    """Whether any trip has ``column == value`` (``route_id=...`` or ``vehicle_id=...``)."""
    column, value = next(iter(where.items()))
    return bool(db.session.scalar(select(exists().where(getattr(Trip, column) == value))))


def save_route(carrier_id: int, data: dict, route: Route | None = None) -> Route:
    """Create or edit a route; its stops can only change while it has no trips."""
    stops = data.pop("stops", None)
    if route is not None and stops is not None and has_trips(route_id=route.id):
        raise Conflict("This route has trips; its stops can no longer change. Create a new route.",
                       slug="route-in-use")
    if stops is not None:
        _route_stops(carrier_id, stops)  # validate before any change (built again below: a retry starts afresh)

    def work():
        saved = _apply(route or Route(carrier_id=carrier_id), data)
        if stops is not None:
            if saved.id is not None:
                saved.stops.clear()
                db.session.flush()  # free (route_id, position) before reusing positions
                # Fares were for the old shape; the carrier re-prices the new one.
                db.session.execute(Fare.__table__.delete().where(Fare.route_id == saved.id))
            saved.stops.extend(_route_stops(carrier_id, stops))
        flush_or_conflict(f"This carrier already has a route with code {saved.code!r}.", "duplicate-code")
        return saved

    return unit_of_work(work)


def delete_route(route: Route) -> None:
    """Delete a route without trips, with its fares and timetables (else 409: deactivate it)."""
    if has_trips(route_id=route.id):
        raise Conflict("This route has trips; deactivate it instead.", slug="route-in-use")

    def work():
        db.session.execute(Fare.__table__.delete().where(Fare.route_id == route.id))
        db.session.execute(Timetable.__table__.delete().where(Timetable.route_id == route.id))
        db.session.delete(route)
        flush_or_conflict("This route is still referenced.", "route-in-use")

    unit_of_work(work)


# Vehicles ------------------------------------------------------------------------------

def save_vehicle(carrier_id: int, data: dict, vehicle: Vehicle | None = None) -> Vehicle:
    """Seat labels come as a list or as a count (labels "1".."N")."""
    count = data.pop("seat_count", None)
    if count is not None:
        data["seat_layout"] = [str(n) for n in range(1, count + 1)]
    if (vehicle is not None and "seat_layout" in data and data["seat_layout"] != vehicle.seat_layout
            and _has_upcoming_trips(vehicle)):
        raise Conflict("This vehicle has upcoming trips; its seats cannot change.", slug="vehicle-in-use")
    if "seat_layout" in data:
        data["seat_count"] = len(data["seat_layout"])

    def work():
        saved = _apply(vehicle or Vehicle(carrier_id=carrier_id), data)
        flush_or_conflict(f"This carrier already has a vehicle registered {saved.registration!r}.",
                          "duplicate-registration")
        return saved

    return unit_of_work(work)


def _has_upcoming_trips(vehicle: Vehicle) -> bool:
    """Trips whose tickets may still be scanned: a ticket's QR carries its seat as an index
    into this layout (docs/ticket-format.md), so the layout stays put until they arrive."""
    return bool(db.session.scalar(select(exists().where(
        Trip.vehicle_id == vehicle.id, Trip.status.in_(("scheduled", "boarding", "departed"))
    ))))


def delete_vehicle(vehicle: Vehicle) -> None:
    """Delete a vehicle that never ran a trip, with its timetables (else 409)."""
    if has_trips(vehicle_id=vehicle.id):
        raise Conflict("This vehicle has trips; it cannot be deleted.", slug="vehicle-in-use")

    def work():
        db.session.execute(Timetable.__table__.delete().where(Timetable.vehicle_id == vehicle.id))
        db.session.delete(vehicle)
        flush_or_conflict("This vehicle is still referenced.", "vehicle-in-use")

    unit_of_work(work)
