"""Public catalog endpoints: trip search, a trip's page, stop pickers, a driver's day.

Thin on purpose: each view parses with a schema, calls ``app.catalog.service`` (the same
functions USSD and SMS call) and renders with a schema.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.decorators import auth_required, current_user
from app.catalog import service
from app.catalog.admin_trips import today_local, trip_detail
from app.catalog.schemas import (
    DriverTripsArgsSchema,
    OfferSchema,
    SearchArgsSchema,
    StopQuerySchema,
    StopSchema,
    TripDetailSchema,
    TripSchema,
)

blp = Blueprint("catalog", __name__, url_prefix="/api/v1", description="Trip search and timetables (public)")


@blp.route("/trips/search")
class TripSearch(MethodView):
    @blp.arguments(SearchArgsSchema, location="query")
    @blp.response(200, OfferSchema(many=True))
    def get(self, args):
        """Trips from origin to destination on a day, soonest first.

        origin/destination: a stop code (NBO), stop name or city, case and accents
        ignored. Times are in the origin stop's zone. ``passengers`` (optional, 1-10)
        leaves out trips with fewer seats left; ``price`` is one seat of ``fare_class``,
        the class a passenger gets by default (the same rule on USSD and SMS).
        """
        from app.sales.offers import search_offers

        return search_offers(args["origin"], args["destination"], args["date"], passengers=args.get("passengers"))


@blp.route("/trips/<int:trip_id>")
class TripPage(MethodView):
    @blp.response(200, TripDetailSchema)
    def get(self, trip_id):
        """A trip with its stops (each in its own zone), seats left and fares."""
        return trip_detail(service.get_trip(trip_id))


@blp.route("/stops")
class StopPicker(MethodView):
    @blp.arguments(StopQuerySchema, location="query")
    @blp.response(200, StopSchema(many=True))
    def get(self, args):
        """Stops whose code, name or city starts with ``q`` (for pickers)."""
        return service.search_stops(args["q"], args["limit"])


@blp.route("/driver/trips")
class DriverTrips(MethodView):
    @auth_required("driver")
    @blp.arguments(DriverTripsArgsSchema, location="query")
    @blp.response(200, TripSchema(many=True))
    def get(self, args):
        """The signed-in driver's assigned trips on a day (default today)."""
        return service.trips_for_driver(current_user(), args.get("date") or today_local())

