"""Stop, route and vehicle payloads, in and out.

Field rules (lengths, ranges, zones, formats) are checked here so they come out as a 422
with ``errors`` per field; rules that need the database (a stop belongs to this carrier)
live in ``service``.
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, validate, validates_schema

from app.catalog.common import ID, NAME, Partial
from app.catalog.models import MAX_SEATS
from app.core import fields
from app.core.timeutil import is_valid_zone

CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9-]{0,11}$", error="1-12 letters, digits or dashes.")


MAX_ROUTE_MINUTES = 7 * 24 * 60


def _zone(value: str) -> None:
    if not is_valid_zone(value):
        raise ValidationError(f"{value!r} is not an IANA time zone (e.g. Africa/Nairobi).")


class StopSchema(Schema):
    id = fields.Integer(dump_only=True)
    carrier_id = fields.Integer(dump_only=True)
    code = fields.String()
    name = fields.String()
    city = fields.String()
    timezone = fields.String(metadata={"description": "IANA time zone, e.g. Africa/Nairobi"})
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)


class StopInSchema(StopSchema):
    EXAMPLE = {"code": "NBO", "name": "Nairobi, Machakos Country Bus", "city": "Nairobi",
               "timezone": "Africa/Nairobi", "latitude": -1.2864, "longitude": 36.8279}
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=NAME)
    city = fields.String(required=True, validate=validate.Length(min=1, max=80))
    timezone = fields.String(load_default="Africa/Nairobi", validate=_zone)
    latitude = fields.Float(allow_none=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(min=-180, max=180))


class RouteStopInSchema(Schema):
    stop_id = fields.Integer(required=True, strict=True, validate=ID)
    minutes_from_start = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_ROUTE_MINUTES))


class RouteStopOutSchema(Schema):
    stop_id = fields.Integer()
    code = fields.String(attribute="stop.code")
    name = fields.String(attribute="stop.name")
    city = fields.String(attribute="stop.city")
    position = fields.Integer()
    minutes_from_start = fields.Integer()


class RouteSchema(Schema):
    id = fields.Integer()
    carrier_id = fields.Integer()
    code = fields.String()
    name = fields.String()
    active = fields.Boolean()
    stops = fields.List(fields.Nested(RouteStopOutSchema))


class RouteInSchema(Schema):
    EXAMPLE = {"code": "NBO-NKR", "name": "Nairobi - Nakuru", "active": True, "stops": [
        {"stop_id": 1, "minutes_from_start": 0}, {"stop_id": 2, "minutes_from_start": 150}]}
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9-]{0,19}$"))
    name = fields.String(required=True, validate=NAME)
    active = fields.Boolean(load_default=True)
    stops = fields.List(
        fields.Nested(RouteStopInSchema), required=True, validate=validate.Length(min=2, max=50),
        metadata={"description": "in travel order; offsets strictly increasing, the first 0"},
    )


class VehicleSchema(Schema):
    EXAMPLE = {"registration": "KDA 123A", "name": "Scania 49-seater", "seat_count": 49}
    id = fields.Integer(dump_only=True)
    carrier_id = fields.Integer(dump_only=True)
    registration = fields.String(required=True, validate=validate.Length(min=2, max=20))
    name = fields.String(allow_none=True, validate=validate.Length(max=80))
    seat_layout = fields.List(
        fields.String(validate=validate.Length(min=1, max=8)),
        validate=validate.Length(min=1, max=MAX_SEATS),
        metadata={"description": "seat labels in selling order; or send seat_count"},
    )
    seat_count = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_SEATS))

    @validates_schema
    def _one_layout(self, data, **kwargs):
        if "seat_layout" in data and "seat_count" in data:
            raise ValidationError("Send seat_layout or seat_count, not both.", "seat_count")
        layout = data.get("seat_layout")
        if layout is not None and len(set(layout)) != len(layout):
            raise ValidationError("Seat labels must be unique.", "seat_layout")
        if not self.partial and "seat_layout" not in data and "seat_count" not in data:
            raise ValidationError("Send seat_layout or seat_count.", "seat_count")


class StopPatchSchema(Partial, StopInSchema):
    EXAMPLE = {"name": "Nairobi, Machakos Country Bus Station"}


class RoutePatchSchema(Partial, RouteInSchema):
    EXAMPLE = {"active": False}


class VehiclePatchSchema(Partial, VehicleSchema):
    EXAMPLE = {"name": "Scania 49-seater (blue)"}
