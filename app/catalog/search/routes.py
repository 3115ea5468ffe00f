"""Public search endpoints: stops for pickers.

Thin on purpose: each view parses with a schema, calls ``search.places`` and renders
with a schema. ``GET /trips/search`` is on this blueprint too but served by
``app.sales.routes.search``: what a passenger is offered (default fare class, party size)
is a sales decision, the same one USSD and SMS get.
"""
from __future__ import annotations

from flask.views import MethodView

from app.catalog.api import public_blp as blp
from app.catalog.network.schemas import StopSchema
from app.catalog.search import places
from app.catalog.search.schemas import StopQuerySchema

@blp.route("/stops")
class StopPicker(MethodView):
    @blp.arguments(StopQuerySchema, location="query")
    @blp.response(200, StopSchema(many=True))
    def get(self, args):
        """Stops whose code, name or city starts with ``q`` (for pickers)."""
        return places.search_stops(args["q"], args["limit"])
