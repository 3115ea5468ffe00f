"""``GET /api/v1/trips/search``: the offers a passenger can buy, as USSD and SMS get them.

The view is added to the catalog's public blueprint (tag ``catalog``, as before), whose
other views (stops, a trip's page, a driver's day) stay in the catalog; ``create_app``
registers the blueprint from here so this view is on it.
"""
from __future__ import annotations

from flask.views import MethodView

from app.catalog.routes import public_blp
from app.catalog.search.schemas import OfferSchema, SearchArgsSchema
from app.sales.offers import search_offers

blp = public_blp


@blp.route("/trips/search")
class TripSearch(MethodView):
    @blp.arguments(SearchArgsSchema, location="query")
    @blp.response(200, OfferSchema(many=True))
    def get(self, args):
        """Trips from origin to destination on a day, soonest first.

        origin/destination: a stop code (NBO), stop name or city, case and accents
        ignored. Times are in the origin stop's zone. ``passengers`` (optional, 1-10) is
        checked first (422 ``passenger-count``) and leaves out trips with fewer seats left;
        ``price`` is one seat of ``fare_class``, the class a passenger gets by default (the
        same rule on USSD and SMS).
        """
        return search_offers(args["origin"], args["destination"], args["date"], passengers=args.get("passengers"))
