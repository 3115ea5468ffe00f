"""Trip endpoints: carriers' trips, status, drivers and timetables; a trip's public page; a driver's day.

Scoped by ``api.scope`` (another carrier's ids answer 404). Drivers may only move the
status of trips they are assigned to.
"""
from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select

from app.auth.decorators import auth_required, current_user
from app.catalog.api import ADMINS, nonempty, public_blp, scope
from app.catalog.api import trips_blp as blp
from app.catalog.common import owned
from app.catalog.models import Timetable, Trip
from app.catalog.trips import service, timetable
from app.catalog.staff.service import driver_by_phone
from app.catalog.trips.schemas import (
    DriverAssignSchema,
    DriverTripsArgsSchema,
    StatusInSchema,
    TimetableResultSchema,
    TimetableSchema,
    TripDetailSchema,
    TripInSchema,
    TripListArgsSchema,
    TripListItemSchema,
    TripPatchSchema,
    TripSchema,
)
from app.catalog.trips.transitions import transition_trip
from app.database import utcnow
from app.errors import Forbidden
from app.extensions import db, unit_of_work

@blp.route("/<int:carrier_id>/trips")
class Trips(MethodView):
    @auth_required(*ADMINS)
    @blp.arguments(TripListArgsSchema, location="query")
    @blp.response(200, TripListItemSchema(many=True))
    def get(self, args, carrier_id):
        """The carrier's trips by local day (``from``/``until``, default from today on), with seats sold, held, free."""
        return service.with_seats(service.list_trips(scope(carrier_id).id, args))

    @auth_required(*ADMINS)
    @blp.arguments(TripInSchema)
    @blp.response(201, TripSchema)
    def post(self, data, carrier_id):
        """A one-off trip; the local date/time is read in the route's first stop's zone."""
        return service.create_trip(scope(carrier_id).id, data)


@blp.route("/<int:carrier_id>/trips/<int:trip_id>")
class TripOne(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, TripSchema)
    def get(self, carrier_id, trip_id):
        return owned(Trip, scope(carrier_id).id, trip_id)

    @auth_required(*ADMINS)
    @blp.arguments(TripPatchSchema)
    @blp.response(200, TripSchema)
    def patch(self, data, carrier_id, trip_id):
        """Move a trip or swap its vehicle while it is scheduled and has no sales (else 409)."""
        trip = owned(Trip, scope(carrier_id).id, trip_id)
        return service.update_trip(trip, nonempty(data))

    @auth_required(*ADMINS)
    @blp.response(204)
    def delete(self, carrier_id, trip_id):
        """Delete a trip without sales (else 409: cancel it through booking)."""
        service.delete_trip(owned(Trip, scope(carrier_id).id, trip_id))


@blp.route("/<int:carrier_id>/trips/<int:trip_id>/status")
class TripStatus(MethodView):
    @auth_required("carrier_admin", "platform_admin", "driver")
    @blp.arguments(StatusInSchema)
    @blp.response(200, TripSchema)
    def post(self, data, carrier_id, trip_id):
        """Mark a trip boarding, departed or arrived (its drivers and the carrier's admins)."""
        user = current_user()
        trip = owned(Trip, scope(carrier_id).id, trip_id)
        if user.role == "driver" and not service.is_driver_assigned(user, trip.id):
            raise Forbidden("You are not assigned to this trip.", slug="not-assigned")
        # This view is the use case: the transition is its one unit of work.
        return unit_of_work(lambda: transition_trip(trip, data["status"], actor=f"user:{user.id}",
                                                    reason=data.get("reason")))


@blp.route("/<int:carrier_id>/trips/<int:trip_id>/drivers")
class TripDrivers(MethodView):
    @auth_required(*ADMINS)
    @blp.arguments(DriverAssignSchema)
    @blp.response(200, TripSchema)
    @blp.alt_response(409, description="the driver is on another trip at that time (named in the detail)")
    def post(self, data, carrier_id, trip_id):
        """Assign one of the carrier's drivers by phone number or user id (idempotent)."""
        carrier = scope(carrier_id)
        trip = owned(Trip, carrier.id, trip_id)
        if "phone" in data:
            service.assign_driver(trip, driver_by_phone(carrier, data["phone"]).id, field="phone")
        else:
            service.assign_driver(trip, data["user_id"])
        db.session.refresh(trip)
        return trip


@blp.route("/<int:carrier_id>/trips/<int:trip_id>/drivers/<int:user_id>")
class TripDriverOne(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, TripSchema)
    def put(self, carrier_id, trip_id, user_id):
        """Assign one of the carrier's drivers to the trip (idempotent)."""
        trip = owned(Trip, scope(carrier_id).id, trip_id)
        service.assign_driver(trip, user_id)
        db.session.refresh(trip)
        return trip

    @auth_required(*ADMINS)
    @blp.response(204)
    def delete(self, carrier_id, trip_id, user_id):
        service.unassign_driver(owned(Trip, scope(carrier_id).id, trip_id), user_id)


@blp.route("/<int:carrier_id>/timetables")
class Timetables(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, TimetableSchema(many=True))
    def get(self, carrier_id):
        return list(db.session.scalars(
            select(Timetable).where(Timetable.carrier_id == scope(carrier_id).id).order_by(Timetable.id)
        ))

    @auth_required(*ADMINS)
    @blp.arguments(TimetableSchema)
    @blp.response(201, TimetableResultSchema)
    def post(self, data, carrier_id):
        """Generate trips for each matching weekday in the range; re-posting creates no duplicates."""
        return timetable.schedule(scope(carrier_id).id, data)


@blp.route("/<int:carrier_id>/timetables/<int:timetable_id>")
class TimetableOne(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, TimetableSchema)
    def get(self, carrier_id, timetable_id):
        return owned(Timetable, scope(carrier_id).id, timetable_id)


@public_blp.route("/trips/<int:trip_id>")
class TripPage(MethodView):
    @public_blp.response(200, TripDetailSchema)
    def get(self, trip_id):
        """A trip with its stops (each in its own zone), seats left and fares."""
        return service.trip_detail(service.get_trip(trip_id))


@public_blp.route("/driver/trips")
class DriverTrips(MethodView):
    @auth_required("driver")
    @public_blp.arguments(DriverTripsArgsSchema, location="query")
    @public_blp.response(200, TripSchema(many=True))
    def get(self, args):
        """The signed-in driver's assigned trips on a day.

        Without ``date``: today's trips, the ones still on the road and those leaving in
        the next six hours (a night shift sees its trips after midnight)."""
        if args.get("date"):
            return service.trips_for_driver(current_user(), args["date"])
        return service.trips_on_duty(current_user(), utcnow())
