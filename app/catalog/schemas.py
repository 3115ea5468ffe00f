"""Public catalog schemas: trip search, trip details, stop pickers, driver day sheets.

Times go out as ISO 8601 with the offset of the zone they are shown in; money as
``{"amount": minor units, "currency": "KES"}``. Admin payloads live in ``schemas_admin``.
"""
from __future__ import annotations

from marshmallow import Schema, validate

from app.core import fields
from app.core.money import MoneyField, money_map

TEXT = validate.Length(min=1, max=80)


class StopSchema(Schema):
    id = fields.Integer(dump_only=True)
    carrier_id = fields.Integer(dump_only=True)
    code = fields.String()
    name = fields.String()
    city = fields.String()
    timezone = fields.String(metadata={"description": "IANA time zone, e.g. Africa/Nairobi"})
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)


class CarrierRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class SearchArgsSchema(Schema):
    origin = fields.String(required=True, validate=TEXT, metadata={"description": "stop code, stop name or city"})
    destination = fields.String(required=True, validate=TEXT)
    date = fields.Date(required=True, metadata={"description": "YYYY-MM-DD, local to the origin stop"})
    passengers = fields.Integer(validate=validate.Range(min=1, max=10), metadata={
        "description": "party size: trips with fewer seats left are not offered"})


class OfferSchema(Schema):
    """A ``service.TripOffer``: both times are in the origin stop's zone (``timezone``)."""

    trip_id = fields.Integer(attribute="trip.id")
    status = fields.String(attribute="trip.status")
    carrier = fields.Function(lambda o: {"id": o.trip.carrier_id, "name": o.carrier_name})
    origin = fields.Nested(StopSchema, attribute="origin_stop")
    destination = fields.Nested(StopSchema, attribute="destination_stop")
    timezone = fields.String(attribute="origin_stop.timezone")
    departure_at = fields.DateTime(attribute="departure_local")
    arrival_at = fields.DateTime(attribute="arrival_local", metadata={"description": "in the origin stop's zone"})
    seats_left = fields.Integer()
    prices = fields.Function(
        lambda o: {cls: {"amount": amount, "currency": o.currency} for cls, amount in o.prices.items()},
        metadata=money_map("fare class → money"),
    )
    fare_class = fields.String(metadata={"description": "the class a passenger gets by default: standard "
                                                        "where sold, else the cheapest"})
    price = MoneyField(lambda o: (o.prices[o.fare_class], o.currency) if getattr(o, "fare_class", None) else (None, None),
                       allow_none=True, metadata={"description": "one seat of fare_class"})


class StopQuerySchema(Schema):
    q = fields.String(required=True, validate=TEXT, metadata={"description": "prefix of a stop code, name or city"})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=50))


class TripStopSchema(Schema):
    """A stop of a trip with its local time there (in that stop's own zone)."""

    position = fields.Integer()
    minutes_from_start = fields.Integer()
    stop = fields.Nested(StopSchema)
    departure_at = fields.DateTime()


class FareSchema(Schema):
    id = fields.Integer(dump_only=True)
    route_id = fields.Integer()
    origin_stop_id = fields.Integer()
    destination_stop_id = fields.Integer()
    fare_class = fields.String()
    price = MoneyField(dump_only=True)


class TripSchema(Schema):
    """A trip; ``departure_at``/``arrival_at`` are in its first stop's zone (``timezone``)."""

    id = fields.Integer()
    carrier = fields.Nested(CarrierRefSchema)
    route_id = fields.Integer()
    route_code = fields.String(attribute="route.code")
    route_name = fields.String(attribute="route.name")
    vehicle_id = fields.Integer()
    timetable_id = fields.Integer(allow_none=True)
    status = fields.String()
    status_changed_at = fields.DateTime(allow_none=True)
    status_reason = fields.String(allow_none=True)
    timezone = fields.String()
    departure_at = fields.DateTime(attribute="departure_local")
    arrival_at = fields.DateTime(attribute="arrival_local")
    seat_count = fields.Integer(attribute="vehicle.seat_count")
    driver_ids = fields.Function(lambda t: [d.user_id for d in t.drivers])


class TripDetailSchema(TripSchema):
    """The public page of a trip: stops with local times, seats left and every fare."""

    seats_left = fields.Integer()
    stops = fields.List(fields.Nested(TripStopSchema))
    fares = fields.List(fields.Nested(FareSchema))

    class Meta:
        exclude = ("driver_ids",)


class DriverTripsArgsSchema(Schema):
    date = fields.Date(metadata={"description": "YYYY-MM-DD local to each trip's first stop; default today"})
