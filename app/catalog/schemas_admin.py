"""Carrier administration payloads: what a carrier admin may send, field by field.

Field rules (lengths, ranges, zones, formats) are checked here so they come out as a 422
with ``errors`` per field and appear in the OpenAPI document; rules that need the
database (a stop belongs to this carrier, a pair is on the route) live in ``admin``.
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, validate, validates_schema

from app.catalog.models import FARE_CLASSES, MAX_FARE_AMOUNT, MAX_SEATS
from app.catalog.schemas import StopSchema
from app.core import fields
from app.core.money import MINOR_UNITS, MoneyField, amount_between
from app.core.phone import InvalidPhone, normalize_phone
from app.core.timeutil import is_valid_zone
from app.openapi import example_day

HHMM = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Use 24-hour HH:MM, e.g. 07:30.")
CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9-]{0,11}$", error="1-12 letters, digits or dashes.")
NAME = validate.Length(min=1, max=120)
MAX_ROUTE_MINUTES = 7 * 24 * 60
ID = validate.Range(min=1)


def _zone(value: str) -> None:
    if not is_valid_zone(value):
        raise ValidationError(f"{value!r} is not an IANA time zone (e.g. Africa/Nairobi).")


def _phone(value: str | None) -> None:
    if value is None:
        return
    try:
        normalize_phone(value)
    except InvalidPhone as exc:
        raise ValidationError(str(exc)) from None


class CarrierSchema(Schema):
    EXAMPLE = {"name": "Safiri Express", "slug": "safiri-express", "country": "KE", "currency": "KES"}
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=NAME)
    slug = fields.String(
        required=True,
        validate=validate.Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", error="Lowercase letters, digits and dashes."),
    )
    country = fields.String(
        load_default="KE", validate=validate.Regexp(r"^[A-Z]{2}$", error="ISO 3166 alpha-2, e.g. KE.")
    )
    currency = fields.String(load_default="KES", validate=validate.OneOf(sorted(MINOR_UNITS)))


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


class TripInSchema(Schema):
    EXAMPLE = staticmethod(lambda: {"route_id": 1, "vehicle_id": 1, "departure_date": example_day(30),
                                    "departure_time": "08:00"})  # a date ahead, so the example stays valid
    route_id = fields.Integer(required=True, strict=True, validate=ID)
    vehicle_id = fields.Integer(required=True, strict=True, validate=ID)
    departure_date = fields.Date(required=True, metadata={"description": "local to the route's first stop"})
    departure_time = fields.String(required=True, validate=HHMM)


class TripPatchSchema(Schema):
    EXAMPLE = staticmethod(lambda: {"departure_date": example_day(30), "departure_time": "09:30"})
    vehicle_id = fields.Integer(strict=True, validate=ID)
    departure_date = fields.Date()
    departure_time = fields.String(validate=HHMM)

    @validates_schema
    def _both(self, data, **kwargs):
        if ("departure_date" in data) != ("departure_time" in data):
            raise ValidationError("Send departure_date and departure_time together.", "departure_time")


class TripListArgsSchema(Schema):
    date_from = fields.Date(data_key="from", metadata={"description": "first local day (default today)"})
    date_until = fields.Date(data_key="until")
    route_id = fields.Integer(validate=ID)
    status = fields.String(validate=validate.OneOf(("scheduled", "boarding", "departed", "arrived", "cancelled")))


class TimetableSchema(Schema):
    EXAMPLE = staticmethod(lambda: {"route_id": 1, "vehicle_id": 1, "weekdays": [1, 2, 3, 4, 5],
                                    "departure_time": "08:00", "valid_from": example_day(7),
                                    "valid_until": example_day(97)})
    id = fields.Integer(dump_only=True)
    route_id = fields.Integer(required=True, strict=True, validate=ID)
    vehicle_id = fields.Integer(required=True, strict=True, validate=ID)
    weekdays = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1, max=7)),
        required=True, validate=validate.Length(min=1, max=7),
        # Stored as the string "12345"; dumping iterates its digits into integers.
        metadata={"description": "ISO weekdays, 1 = Monday … 7 = Sunday"},
    )
    departure_time = fields.String(required=True, validate=HHMM, metadata={"description": "local, first stop"})
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(required=True)

    @validates_schema
    def _range(self, data, **kwargs):
        if len(set(data.get("weekdays", []))) != len(data.get("weekdays", [])):
            raise ValidationError("Weekdays must be unique.", "weekdays")
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end:
            if end < start:
                raise ValidationError("valid_until is before valid_from.", "valid_until")
            if (end - start).days > 366:
                raise ValidationError("A timetable covers at most a year at a time.", "valid_until")


class TimetableResultSchema(Schema):
    timetable = fields.Nested(TimetableSchema)
    created = fields.Integer(metadata={"description": "trips created by this request"})
    skipped = fields.Integer(metadata={"description": "departures that already existed or are past"})


FARE_RANGE = amount_between(1, MAX_FARE_AMOUNT, f"Must be between 1 and {MAX_FARE_AMOUNT} minor units.")


class FareInSchema(Schema):
    EXAMPLE = {"route_id": 1, "origin_stop_id": 1, "destination_stop_id": 2, "fare_class": "standard",
               "price": {"amount": 150000, "currency": "KES"}}
    route_id = fields.Integer(required=True, strict=True, validate=ID)
    origin_stop_id = fields.Integer(required=True, strict=True, validate=ID)
    destination_stop_id = fields.Integer(required=True, strict=True, validate=ID)
    fare_class = fields.String(load_default="standard", validate=validate.OneOf(FARE_CLASSES))
    price = MoneyField(required=True, validate=FARE_RANGE, metadata={"description": "in the carrier's currency"})


class FarePatchSchema(Schema):
    EXAMPLE = {"price": {"amount": 140000, "currency": "KES"}}
    price = MoneyField(required=True, validate=FARE_RANGE, metadata={"description": "in the carrier's currency"})


class FareListArgsSchema(Schema):
    route_id = fields.Integer(validate=ID)


class RefundRuleSchema(Schema):
    hours_before_departure = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=24 * 365))
    refund_percent = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=100))


class SettingsSchema(Schema):
    """Refund rules: unique hours; the earlier one cancels, the more (or same) one gets back."""

    EXAMPLE = {"refund_rules": [{"hours_before_departure": 24, "refund_percent": 90},
                                {"hours_before_departure": 2, "refund_percent": 50}],
               "mpesa_refunds_allowed": True, "ticket_grace_minutes": 30, "boarding_opens_minutes": 60,
               "support_phone": "+254700123456"}

    refund_rules = fields.List(fields.Nested(RefundRuleSchema), validate=validate.Length(max=20))
    mpesa_refunds_allowed = fields.Boolean()
    ticket_grace_minutes = fields.Integer(strict=True, validate=validate.Range(min=0, max=24 * 60))
    boarding_opens_minutes = fields.Integer(strict=True, validate=validate.Range(min=0, max=24 * 60))
    support_phone = fields.String(allow_none=True, validate=_phone)

    @validates_schema
    def _rules(self, data, **kwargs):
        rules = data.get("refund_rules")
        if rules is None:
            return
        if any("hours_before_departure" not in r or "refund_percent" not in r for r in rules):
            # A PATCH loads partially, nested rules too: a rule is still all or nothing.
            raise ValidationError("Each rule needs hours_before_departure and refund_percent.", "refund_rules")
        hours = [r["hours_before_departure"] for r in rules]
        if len(set(hours)) != len(hours):
            raise ValidationError("Each hours_before_departure may appear once.", "refund_rules")
        ordered = sorted(rules, key=lambda r: r["hours_before_departure"], reverse=True)
        percents = [r["refund_percent"] for r in ordered]
        if any(later > earlier for earlier, later in zip(percents, percents[1:])):
            raise ValidationError(
                "Refunds may not grow closer to departure: refund_percent must not increase "
                "as hours_before_departure decreases.", "refund_rules",
            )


class StatusInSchema(Schema):
    EXAMPLE = {"status": "boarding"}
    status = fields.String(required=True, validate=validate.OneOf(("boarding", "departed", "arrived")))
    reason = fields.String(validate=validate.Length(max=200))


class _Partial:
    """PATCH bodies: every field optional. A named subclass (not ``Schema(partial=True)``)
    so the OpenAPI document gets a distinct component instead of a name clash."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class StopPatchSchema(_Partial, StopInSchema):
    EXAMPLE = {"name": "Nairobi, Machakos Country Bus Station"}


class RoutePatchSchema(_Partial, RouteInSchema):
    EXAMPLE = {"active": False}


class VehiclePatchSchema(_Partial, VehicleSchema):
    EXAMPLE = {"name": "Scania 49-seater (blue)"}


class SettingsPatchSchema(_Partial, SettingsSchema):
    EXAMPLE = {"ticket_grace_minutes": 20, "mpesa_refunds_allowed": False}
