"""Carrier endpoints for what is sold: trips, their status and drivers, timetables, fares.

Scoped like ``routes_admin`` (``scope``: another carrier's ids answer 404). Drivers may
only move the status of trips they are assigned to.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from app.auth.decorators import auth_required, current_user
from app.catalog import admin, admin_trips, service
from app.catalog.models import Fare, Timetable, Trip
from app.catalog.routes_admin import ADMINS, nonempty, scope
from app.catalog.schemas import FareSchema, TripSchema
from app.catalog.schemas_admin import (
    FareInSchema,
    FareListArgsSchema,
    FarePatchSchema,
    StatusInSchema,
    TimetableResultSchema,
    TimetableSchema,
    TripInSchema,
    TripListArgsSchema,
    TripPatchSchema,
)
from app.core.money import amount_in
from app.errors import Forbidden
from app.extensions import db

blp = Blueprint("catalog-trips", __name__, url_prefix="/api/v1/carriers",
                description="Carrier administration: trips, timetables, fares, drivers")


@blp.route("/<int:carrier_id>/trips")
class Trips(MethodView):
    @auth_required(*ADMINS)
    @blp.arguments(TripListArgsSchema, location="query")
    @blp.response(200, TripSchema(many=True))
    def get(self, args, carrier_id):
        """The carrier's trips by local day (``from``/``until``, default from today on)."""
        return admin_trips.list_trips(scope(carrier_id).id, args)

    @auth_required(*ADMINS)
    @blp.arguments(TripInSchema)
    @blp.response(201, TripSchema)
    def post(self, data, carrier_id):
        """A one-off trip; the local date/time is read in the route's first stop's zone."""
        return admin_trips.create_trip(scope(carrier_id).id, data)


@blp.route("/<int:carrier_id>/trips/<int:trip_id>")
class TripOne(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, TripSchema)
    def get(self, carrier_id, trip_id):
        return admin.owned(Trip, scope(carrier_id).id, trip_id)

    @auth_required(*ADMINS)
    @blp.arguments(TripPatchSchema)
    @blp.response(200, TripSchema)
    def patch(self, data, carrier_id, trip_id):
        """Move a trip or swap its vehicle while it is scheduled and has no sales (else 409)."""
        trip = admin.owned(Trip, scope(carrier_id).id, trip_id)
        return admin_trips.update_trip(trip, nonempty(data))

    @auth_required(*ADMINS)
    @blp.response(204)
    def delete(self, carrier_id, trip_id):
        """Delete a trip without sales (else 409: cancel it through booking)."""
        admin_trips.delete_trip(admin.owned(Trip, scope(carrier_id).id, trip_id))


@blp.route("/<int:carrier_id>/trips/<int:trip_id>/status")
class TripStatus(MethodView):
    @auth_required("carrier_admin", "platform_admin", "driver")
    @blp.arguments(StatusInSchema)
    @blp.response(200, TripSchema)
    def post(self, data, carrier_id, trip_id):
        """Mark a trip boarding, departed or arrived (its drivers and the carrier's admins)."""
        user = current_user()
        trip = admin.owned(Trip, scope(carrier_id).id, trip_id)
        if user.role == "driver" and not service.is_driver_assigned(user, trip.id):
            raise Forbidden("You are not assigned to this trip.", slug="not-assigned")
        trip = service.transition_trip(trip, data["status"], actor_id=user.id, reason=data.get("reason"))
        db.session.commit()
        return trip


@blp.route("/<int:carrier_id>/trips/<int:trip_id>/drivers/<int:user_id>")
class TripDriverOne(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, TripSchema)
    def put(self, carrier_id, trip_id, user_id):
        """Assign one of the carrier's drivers to the trip (idempotent)."""
        trip = admin.owned(Trip, scope(carrier_id).id, trip_id)
        admin_trips.assign_driver(trip, user_id)
        db.session.refresh(trip)
        return trip

    @auth_required(*ADMINS)
    @blp.response(204)
    def delete(self, carrier_id, trip_id, user_id):
        admin_trips.unassign_driver(admin.owned(Trip, scope(carrier_id).id, trip_id), user_id)


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
        return admin_trips.schedule(scope(carrier_id).id, data)


@blp.route("/<int:carrier_id>/timetables/<int:timetable_id>")
class TimetableOne(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, TimetableSchema)
    def get(self, carrier_id, timetable_id):
        return admin.owned(Timetable, scope(carrier_id).id, timetable_id)


@blp.route("/<int:carrier_id>/fares")
class Fares(MethodView):
    @auth_required(*ADMINS)
    @blp.arguments(FareListArgsSchema, location="query")
    @blp.response(200, FareSchema(many=True))
    def get(self, args, carrier_id):
        return admin_trips.list_fares(scope(carrier_id).id, args.get("route_id"))

    @auth_required(*ADMINS)
    @blp.arguments(FareInSchema)
    @blp.response(201, FareSchema)
    def post(self, data, carrier_id):
        """Price one ordered stop pair of a route for one fare class, in the carrier's currency."""
        return admin_trips.create_fare(scope(carrier_id), data)


@blp.route("/<int:carrier_id>/fares/<int:fare_id>")
class FareOne(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, FareSchema)
    def get(self, carrier_id, fare_id):
        return admin.owned(Fare, scope(carrier_id).id, fare_id)

    @auth_required(*ADMINS)
    @blp.arguments(FarePatchSchema)
    @blp.response(200, FareSchema)
    def patch(self, data, carrier_id, fare_id):
        """Change the amount (orders already placed keep their price)."""
        fare = admin.owned(Fare, scope(carrier_id).id, fare_id)
        fare.amount = amount_in(data["price"], fare.currency, "price")
        admin.commit("The fare could not be saved.")
        return fare

    @auth_required(*ADMINS)
    @blp.response(204)
    def delete(self, carrier_id, fare_id):
        db.session.delete(admin.owned(Fare, scope(carrier_id).id, fare_id))
        admin.commit("This fare is still referenced.", "fare-in-use")
