"""Carrier administration endpoints: carriers, settings, stops, routes and vehicles.

Every view under ``/carriers/<carrier_id>`` first calls ``scope`` so that a carrier admin
reaches only their own carrier (others' ids answer 404, as if absent); a platform admin
reaches all. Trips, timetables, fares and drivers are in ``routes_trips``.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from app.auth.decorators import auth_required, current_user, ensure_carrier_access
from app.catalog import admin
from app.catalog.models import Carrier, Route, Stop, Vehicle
from app.catalog.schemas import StopSchema
from app.catalog.schemas_admin import (
    CarrierSchema,
    RouteInSchema,
    RoutePatchSchema,
    RouteSchema,
    SettingsPatchSchema,
    SettingsSchema,
    StopInSchema,
    StopPatchSchema,
    VehiclePatchSchema,
    VehicleSchema,
)
from app.errors import Unprocessable
from app.extensions import db

blp = Blueprint("catalog-admin", __name__, url_prefix="/api/v1/carriers",
                description="Carrier administration: stops, routes, vehicles, settings")

ADMINS = ("carrier_admin", "platform_admin")


def scope(carrier_id: int) -> Carrier:
    """The carrier the caller may administer, or 404."""
    ensure_carrier_access(current_user(), carrier_id)
    return admin.get_carrier(carrier_id)


def nonempty(data: dict) -> dict:
    if not data:
        raise Unprocessable("Send at least one field to change.", slug="empty-patch")
    return data


def listed(model, carrier_id: int, *order):
    return list(db.session.scalars(select(model).where(model.carrier_id == carrier_id).order_by(*order)))


@blp.route("")
class Carriers(MethodView):
    @auth_required("platform_admin")
    @blp.response(200, CarrierSchema(many=True))
    def get(self):
        """All carriers (platform admins)."""
        return list(db.session.scalars(select(Carrier).order_by(Carrier.name, Carrier.id)))

    @auth_required("platform_admin")
    @blp.arguments(CarrierSchema)
    @blp.response(201, CarrierSchema)
    def post(self, data):
        """Create a carrier (platform admins); its slug is unique."""
        return admin.create_carrier(data)


@blp.route("/<int:carrier_id>")
class CarrierOne(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, CarrierSchema)
    def get(self, carrier_id):
        return scope(carrier_id)


@blp.route("/<int:carrier_id>/settings")
class Settings(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, SettingsSchema)
    def get(self, carrier_id):
        """Refund rules (largest hours first), M-Pesa refunds, ticket grace, boarding opening."""
        return scope(carrier_id)

    @auth_required(*ADMINS)
    @blp.arguments(SettingsPatchSchema)
    @blp.response(200, SettingsSchema)
    def patch(self, data, carrier_id):
        """Change settings. Refund rules: unique hours, percent never growing closer to departure."""
        return admin.update_settings(scope(carrier_id), nonempty(data))


@blp.route("/<int:carrier_id>/stops")
class Stops(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, StopSchema(many=True))
    def get(self, carrier_id):
        return listed(Stop, scope(carrier_id).id, Stop.code)

    @auth_required(*ADMINS)
    @blp.arguments(StopInSchema)
    @blp.response(201, StopSchema)
    def post(self, data, carrier_id):
        """Create a stop; ``code`` is unique per carrier, ``timezone`` an IANA zone."""
        return admin.save_stop(scope(carrier_id).id, data)


@blp.route("/<int:carrier_id>/stops/<int:stop_id>")
class StopOne(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, StopSchema)
    def get(self, carrier_id, stop_id):
        return admin.owned(Stop, scope(carrier_id).id, stop_id)

    @auth_required(*ADMINS)
    @blp.arguments(StopPatchSchema)
    @blp.response(200, StopSchema)
    def patch(self, data, carrier_id, stop_id):
        stop = admin.owned(Stop, scope(carrier_id).id, stop_id)
        return admin.save_stop(stop.carrier_id, nonempty(data), stop)

    @auth_required(*ADMINS)
    @blp.response(204)
    def delete(self, carrier_id, stop_id):
        """Delete a stop that no route uses (else 409)."""
        admin.delete_stop(admin.owned(Stop, scope(carrier_id).id, stop_id))


@blp.route("/<int:carrier_id>/routes")
class Routes(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, RouteSchema(many=True))
    def get(self, carrier_id):
        return listed(Route, scope(carrier_id).id, Route.code)

    @auth_required(*ADMINS)
    @blp.arguments(RouteInSchema)
    @blp.response(201, RouteSchema)
    def post(self, data, carrier_id):
        """Create a route: ≥ 2 of this carrier's stops, first at 0 minutes, offsets increasing."""
        return admin.save_route(scope(carrier_id).id, data)


@blp.route("/<int:carrier_id>/routes/<int:route_id>")
class RouteOne(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, RouteSchema)
    def get(self, carrier_id, route_id):
        return admin.owned(Route, scope(carrier_id).id, route_id)

    @auth_required(*ADMINS)
    @blp.arguments(RoutePatchSchema)
    @blp.response(200, RouteSchema)
    def patch(self, data, carrier_id, route_id):
        """Rename, (de)activate, or re-shape while it has no trips (its fares are then dropped)."""
        route = admin.owned(Route, scope(carrier_id).id, route_id)
        return admin.save_route(route.carrier_id, nonempty(data), route)

    @auth_required(*ADMINS)
    @blp.response(204)
    def delete(self, carrier_id, route_id):
        """Delete a route without trips (else 409: deactivate it)."""
        admin.delete_route(admin.owned(Route, scope(carrier_id).id, route_id))


@blp.route("/<int:carrier_id>/vehicles")
class Vehicles(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, VehicleSchema(many=True))
    def get(self, carrier_id):
        return listed(Vehicle, scope(carrier_id).id, Vehicle.registration)

    @auth_required(*ADMINS)
    @blp.arguments(VehicleSchema)
    @blp.response(201, VehicleSchema)
    def post(self, data, carrier_id):
        """Create a vehicle from seat labels or a seat count (1..100 seats)."""
        return admin.save_vehicle(scope(carrier_id).id, data)


@blp.route("/<int:carrier_id>/vehicles/<int:vehicle_id>")
class VehicleOne(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, VehicleSchema)
    def get(self, carrier_id, vehicle_id):
        return admin.owned(Vehicle, scope(carrier_id).id, vehicle_id)

    @auth_required(*ADMINS)
    @blp.arguments(VehiclePatchSchema)
    @blp.response(200, VehicleSchema)
    def patch(self, data, carrier_id, vehicle_id):
        """Edit; the seats cannot change while the vehicle has upcoming trips (409)."""
        vehicle = admin.owned(Vehicle, scope(carrier_id).id, vehicle_id)
        return admin.save_vehicle(vehicle.carrier_id, nonempty(data), vehicle)

    @auth_required(*ADMINS)
    @blp.response(204)
    def delete(self, carrier_id, vehicle_id):
        """Delete a vehicle that never ran a trip (else 409)."""
        admin.delete_vehicle(admin.owned(Vehicle, scope(carrier_id).id, vehicle_id))
