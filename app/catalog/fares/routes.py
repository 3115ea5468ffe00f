"""Carrier endpoints for fares (scoped by ``api.scope``)."""
from __future__ import annotations

from flask.views import MethodView

from app.auth.decorators import auth_required
from app.catalog.api import ADMINS, scope
from app.catalog.api import trips_blp as blp
from app.catalog.common import owned
from app.catalog.fares import service
from app.catalog.fares.schemas import FareInSchema, FareListArgsSchema, FarePatchSchema, FareSchema
from app.catalog.models import Fare

@blp.route("/<int:carrier_id>/fares")
class Fares(MethodView):
    @auth_required(*ADMINS)
    @blp.arguments(FareListArgsSchema, location="query")
    @blp.response(200, FareSchema(many=True))
    def get(self, args, carrier_id):
        return service.list_fares(scope(carrier_id).id, args.get("route_id"))

    @auth_required(*ADMINS)
    @blp.arguments(FareInSchema)
    @blp.response(201, FareSchema)
    def post(self, data, carrier_id):
        """Price one ordered stop pair of a route for one fare class, in the carrier's currency."""
        return service.create_fare(scope(carrier_id), data)


@blp.route("/<int:carrier_id>/fares/<int:fare_id>")
class FareOne(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, FareSchema)
    def get(self, carrier_id, fare_id):
        return owned(Fare, scope(carrier_id).id, fare_id)

    @auth_required(*ADMINS)
    @blp.arguments(FarePatchSchema)
    @blp.response(200, FareSchema)
    def patch(self, data, carrier_id, fare_id):
        """Change the amount (orders already placed keep their price)."""
        return service.change_price(owned(Fare, scope(carrier_id).id, fare_id), data["price"])

    @auth_required(*ADMINS)
    @blp.response(204)
    def delete(self, carrier_id, fare_id):
        service.delete_fare(owned(Fare, scope(carrier_id).id, fare_id))
