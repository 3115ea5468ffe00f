"""``GET /api/v1/trips/search``: the offers a passenger can buy, as USSD and SMS get them.

The view is added to the catalog's public blueprint (tag ``catalog``, as before), whose
other views (stops, a trip's page, a driver's day) stay in the catalog; ``create_app``
registers the blueprint from here so this view is on it.
"""
from __future__ import annotations

from flask import jsonify
from flask.views import MethodView
from marshmallow import Schema, validate

from app.catalog.models import FARE_CLASSES
from app.catalog.pricerules.schemas import PricedSchema
from app.catalog.routes import public_blp
from app.catalog.search.schemas import OfferSchema, SearchArgsSchema, offers_json
from app.core import fields
from app.core.money import MoneyField
from app.sales.offers import search_offers
from app.sales.orders import quote

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
        offers = search_offers(args["origin"], args["destination"], args["date"], passengers=args.get("passengers"))
        return jsonify(offers_json(offers))  # OfferSchema's answer, written out (see offers_json)


class QuoteArgsSchema(Schema):
    origin_stop_id = fields.Integer(required=True, validate=validate.Range(min=1))
    destination_stop_id = fields.Integer(required=True, validate=validate.Range(min=1))
    passengers = fields.Integer(load_default=1, validate=validate.Range(min=1),
                                metadata={"description": "party size (1-10)"})
    fare_class = fields.String(load_default=None, validate=validate.OneOf(FARE_CLASSES),
                               metadata={"description": "default: the class a passenger gets by default"})


class QuoteSchema(Schema):
    fare_class = fields.String()
    passengers = fields.Integer()
    unit = fields.Nested(PricedSchema, attribute="pricing", metadata={
        "description": "one seat: the base fare, each price rule that applied, the result"})
    total = MoneyField(lambda q: (q.total.amount, q.total.currency))


@blp.route("/trips/<int:trip_id>/quote")
class TripQuote(MethodView):
    @blp.arguments(QuoteArgsSchema, location="query")
    @blp.response(200, QuoteSchema)
    def get(self, args, trip_id):
        """What seats would cost now between two stops, and how the price is made.

        The same price search shows and a hold would fix (the carrier's price rules on top
        of the base fare); holding the seats fixes it for the hold's life. 404
        ``trip-not-found``, 422 ``passenger-count``, ``stop-not-on-route``, ``unknown-fare-class``.
        """
        return quote(trip_id, args["origin_stop_id"], args["destination_stop_id"], args["passengers"],
                     args["fare_class"])
