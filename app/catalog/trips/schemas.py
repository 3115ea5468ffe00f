"""Trip and timetable payloads, in and out.

Times go out as ISO 8601 with the offset of the zone they are shown in (a trip's first
stop, or each stop's own zone on the trip page).
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, validate, validates_schema

from app.catalog.carriers.schemas import CarrierRefSchema
from app.catalog.common import ID
from app.catalog.fares.schemas import FareSchema
from app.catalog.network.schemas import StopSchema
from app.core import fields
from app.openapi import example_day

HHMM = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Use 24-hour HH:MM, e.g. 07:30.")


class TripStopSchema(Schema):
    """A stop of a trip with its local time there (in that stop's own zone)."""

    position = fields.Integer()
    minutes_from_start = fields.Integer()
    stop = fields.Nested(StopSchema)
    departure_at = fields.DateTime()


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
    status_changed_at = fields.Timestamp(allow_none=True, metadata={"description": "UTC"})
    status_reason = fields.String(allow_none=True)
    timezone = fields.String()
    departure_at = fields.Timestamp(attribute="departure_at", zone=lambda t: t.timezone)
    arrival_at = fields.Timestamp(attribute="arrival_at", zone=lambda t: t.timezone)
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
    date = fields.Date(metadata={"description": "YYYY-MM-DD local to each trip's first stop; without it, today's trips plus "
                                                   "those on the road or leaving in the next 6 hours"})


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


class StatusInSchema(Schema):
    EXAMPLE = {"status": "boarding"}
    status = fields.String(required=True, validate=validate.OneOf(("boarding", "departed", "arrived")))
    reason = fields.String(validate=validate.Length(max=200))


class DriverAssignSchema(Schema):
    """Who drives: a phone number (local forms accepted) or a user id from the staff list."""

    EXAMPLE = {"phone": "0700 000002"}
    phone = fields.String(validate=validate.Length(min=1, max=32))
    user_id = fields.Integer(strict=True, validate=ID)

    @validates_schema
    def _one(self, data, **kwargs):
        if ("phone" in data) == ("user_id" in data):
            raise ValidationError("Send either phone or user_id.", "phone")


class SeatTallySchema(Schema):
    sold = fields.Integer(metadata={"description": "tickets sold and not cancelled or refunded"})
    held = fields.Integer(metadata={"description": "seats held by buyers still paying"})
    free = fields.Integer(metadata={"description": "seats still for sale"})


class TripListItemSchema(TripSchema):
    """A trip in the carrier's list, with its seats sold, held and free."""

    seats = fields.Nested(SeatTallySchema)
