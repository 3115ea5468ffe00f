"""Carrier endpoints for the network: stops, routes and vehicles (scoped by ``api.scope``)."""
from __future__ import annotations

from flask.views import MethodView

from app.auth.decorators import auth_required
from app.catalog.api import ADMINS, listed, nonempty, scope
from app.catalog.api import admin_blp as blp
from app.catalog.common import owned
from app.catalog.models import Route, Stop, Vehicle
from app.catalog.network import service
from app.catalog.network.schemas import (
    RouteInSchema,
    RoutePatchSchema,
    RouteSchema,
    StopInSchema,
    StopPatchSchema,
    StopSchema,
    VehiclePatchSchema,
    VehicleSchema,
)

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
        return service.save_stop(scope(carrier_id).id, data)


@blp.route("/<int:carrier_id>/stops/<int:stop_id>")
class StopOne(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, StopSchema)
    def get(self, carrier_id, stop_id):
        return owned(Stop, scope(carrier_id).id, stop_id)

    @auth_required(*ADMINS)
    @blp.arguments(StopPatchSchema)
    @blp.response(200, StopSchema)
    def patch(self, data, carrier_id, stop_id):
        stop = owned(Stop, scope(carrier_id).id, stop_id)
        return service.save_stop(stop.carrier_id, nonempty(data), stop)

    @auth_required(*ADMINS)
    @blp.response(204)
    def delete(self, carrier_id, stop_id):
        """Delete a stop that no route uses (else 409)."""
        service.delete_stop(owned(Stop, scope(carrier_id).id, stop_id))


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
        return service.save_route(scope(carrier_id).id, data)


@blp.route("/<int:carrier_id>/routes/<int:route_id>")
class RouteOne(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, RouteSchema)
    def get(self, carrier_id, route_id):
        return owned(Route, scope(carrier_id).id, route_id)

    @auth_required(*ADMINS)
    @blp.arguments(RoutePatchSchema)
    @blp.response(200, RouteSchema)
    def patch(self, data, carrier_id, route_id):
        """Rename, (de)activate, or re-shape while it has no trips (its fares are then dropped)."""
        route = owned(Route, scope(carrier_id).id, route_id)
        return service.save_route(route.carrier_id, nonempty(data), route)

    @auth_required(*ADMINS)
    @blp.response(204)
    def delete(self, carrier_id, route_id):
        """Delete a route without trips (else 409: deactivate it)."""
        service.delete_route(owned(Route, scope(carrier_id).id, route_id))


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
        return service.save_vehicle(scope(carrier_id).id, data)


@blp.route("/<int:carrier_id>/vehicles/<int:vehicle_id>")
class VehicleOne(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, VehicleSchema)
    def get(self, carrier_id, vehicle_id):
        return owned(Vehicle, scope(carrier_id).id, vehicle_id)

    @auth_required(*ADMINS)
    @blp.arguments(VehiclePatchSchema)
    @blp.response(200, VehicleSchema)
    def patch(self, data, carrier_id, vehicle_id):
        """Edit; the seats cannot change while the vehicle has upcoming trips (409)."""
        vehicle = owned(Vehicle, scope(carrier_id).id, vehicle_id)
        return service.save_vehicle(vehicle.carrier_id, nonempty(data), vehicle)

    @auth_required(*ADMINS)
    @blp.response(204)
    def delete(self, carrier_id, vehicle_id):
        """Delete a vehicle that never ran a trip (else 409)."""
        service.delete_vehicle(owned(Vehicle, scope(carrier_id).id, vehicle_id))
