"""Public search endpoints: trips between two places on a day, stops for pickers.

Thin on purpose: each view parses with a schema, calls ``search.service`` (the same
functions USSD and SMS call) and renders with a schema.
"""
from __future__ import annotations

from flask.views import MethodView

from app.catalog.api import public_blp as blp
from app.catalog.network.schemas import StopSchema
from app.catalog.search import service
from app.catalog.search.schemas import OfferSchema, SearchArgsSchema, StopQuerySchema

@blp.route("/trips/search")
class TripSearch(MethodView):
    @blp.arguments(SearchArgsSchema, location="query")
    @blp.response(200, OfferSchema(many=True))
    def get(self, args):
        """Trips from origin to destination on a day, soonest first.

        origin/destination: a stop code (NBO), stop name or city, case and accents
        ignored. Times are in the origin stop's zone.
        """
        return service.search_trips(args["origin"], args["destination"], args["date"])


@blp.route("/stops")
class StopPicker(MethodView):
    @blp.arguments(StopQuerySchema, location="query")
    @blp.response(200, StopSchema(many=True))
    def get(self, args):
        """Stops whose code, name or city starts with ``q`` (for pickers)."""
        return service.search_stops(args["q"], args["limit"])
