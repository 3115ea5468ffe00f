"""Search payloads: trip search arguments and offers, stop picker arguments.

Times go out as ISO 8601 with the offset of the origin stop's zone; money as
``{"amount": minor units, "currency": "KES"}``.
"""
from __future__ import annotations

from marshmallow import Schema, validate

from app.catalog.network.schemas import StopSchema
from app.catalog.pricerules.schemas import PricedSchema
from app.core import fields
from app.core.money import MoneyField, money, money_map
from app.core.timeutil import isoformat

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


def _stop_json(stop) -> dict:
    """``StopSchema``'s answer for one stop."""
    return {"id": stop.id, "carrier_id": stop.carrier_id, "code": stop.code, "name": stop.name, "city": stop.city,
            "timezone": stop.timezone,
            "latitude": None if stop.latitude is None else float(stop.latitude),
            "longitude": None if stop.longitude is None else float(stop.longitude)}


def _priced_json(priced) -> dict:
    """``PricedSchema``'s answer for one class's pricing."""
    return {"fare_class": priced.fare_class, "base": money(priced.base, priced.currency),
            "rules": [{"id": a.rule_id, "name": a.name, "change": money(a.change, priced.currency)}
                      for a in priced.applied],
            "price": money(priced.amount, priced.currency)}


def offers_json(offers) -> list[dict]:
    """``OfferSchema(many=True).dump(offers)`` for priced offers (``app.sales.offers.Offer``),
    written out by hand.

    Why: search is the most frequent request there is, and marshmallow walking 20 offers with
    their nested stops, money and pricing was 10-23 % of its CPU in issue 17's profiles. ``OfferSchema``
    stays the documented contract; ``tests/catalog/test_search.py`` holds this answer equal
    to the schema's dump, field for field, so the two cannot drift apart.
    """
    answer = []
    for o in offers:
        zone, currency = o.origin_stop.timezone, o.currency
        answer.append({
            "trip_id": o.trip.id, "status": o.trip.status,
            "carrier": {"id": o.trip.carrier_id, "name": o.carrier_name},
            "origin": _stop_json(o.origin_stop), "destination": _stop_json(o.destination_stop),
            "timezone": zone,
            "departure_at": isoformat(o.departure_local, zone), "arrival_at": isoformat(o.arrival_local, zone),
            "seats_left": o.seats_left,
            "prices": {cls: {"amount": amount, "currency": currency} for cls, amount in o.prices.items()},
            "fare_class": o.fare_class,
            "price": money(o.prices[o.fare_class], currency),
            "pricing": _priced_json(o.quote),
        })
    return answer


class StopQuerySchema(Schema):
    q = fields.String(required=True, validate=TEXT, metadata={"description": "prefix of a stop code, name or city"})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=50))
