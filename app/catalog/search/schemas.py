"""Search payloads: trip search arguments and offers, stop picker arguments.

Times go out as ISO 8601 with the offset of the origin stop's zone; money as
``{"amount": minor units, "currency": "KES"}``.
"""
from __future__ import annotations

from marshmallow import Schema, validate

from app.catalog.network.schemas import StopSchema
from app.catalog.pricerules.schemas import PricedSchema
from app.core import fields
from app.core.money import MoneyField, money_map

TEXT = validate.Length(min=1, max=80)


class SearchArgsSchema(Schema):
    origin = fields.String(required=True, validate=TEXT, metadata={"description": "stop code, stop name or city"})
    destination = fields.String(required=True, validate=TEXT)
    date = fields.Date(required=True, metadata={"description": "YYYY-MM-DD, local to the origin stop"})
    passengers = fields.Integer(validate=validate.Range(min=1), metadata={
        "description": "party size (1-10): checked first, and trips with fewer seats left are not offered"})


class OfferSchema(Schema):
    """A ``service.TripOffer``: both times are in the origin stop's zone (``timezone``)."""

    trip_id = fields.Integer(attribute="trip.id")
    status = fields.String(attribute="trip.status")
    carrier = fields.Function(lambda o: {"id": o.trip.carrier_id, "name": o.carrier_name})
    origin = fields.Nested(StopSchema, attribute="origin_stop")
    destination = fields.Nested(StopSchema, attribute="destination_stop")
    timezone = fields.String(attribute="origin_stop.timezone")
    departure_at = fields.Timestamp(attribute="departure_local", zone=lambda o: o.origin_stop.timezone)
    arrival_at = fields.Timestamp(attribute="arrival_local", zone=lambda o: o.origin_stop.timezone,
                                  metadata={"description": "in the origin stop's zone"})
    seats_left = fields.Integer()
    prices = fields.Function(
        lambda o: {cls: {"amount": amount, "currency": o.currency} for cls, amount in o.prices.items()},
        metadata=money_map("fare class → money"),
    )
    fare_class = fields.String(metadata={"description": "the class a passenger gets by default: standard "
                                                        "where sold, else the cheapest"})
    price = MoneyField(lambda o: (o.prices[o.fare_class], o.currency) if getattr(o, "fare_class", None) else (None, None),
                       allow_none=True, metadata={"description": "one seat of fare_class"})
    pricing = fields.Nested(PricedSchema, attribute="quote", dump_only=True, metadata={
        "description": "how price is made: the base fare, each price rule that applied, the result"})


class StopQuerySchema(Schema):
    q = fields.String(required=True, validate=TEXT, metadata={"description": "prefix of a stop code, name or city"})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=50))
