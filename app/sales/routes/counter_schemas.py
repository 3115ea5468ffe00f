"""Wire shapes of the counter API: sales, trips and seats, the agent's drawer.

Money is ``{"amount", "currency"}`` in minor units; amounts the agent types (the float,
the count) are integers of minor units. A drawer shows its closing report (expected,
counted, difference) only once closed: while it is open the agent counts blind.
"""
from __future__ import annotations

from marshmallow import Schema, validate

from app.booking.schemas import OrderPassengerSchema, SeatMapSchema
from app.booking.service import MAX_PASSENGERS
from app.core import fields
from app.core.money import MoneyField
from app.counter.drawer import COMMENT_MAX, MAX_AMOUNT

AMOUNT = validate.Range(min=0, max=MAX_AMOUNT)


class CounterSaleSchema(Schema):
    EXAMPLE = {"trip_id": 1, "origin_stop_id": 1, "destination_stop_id": 2, "phone": "+254711000111",
               "method": "cash", "passengers": [{"seat": "1A", "passenger_name": "Wanjiku Kamau",
                                                 "fare_class": "standard"}]}
    trip_id = fields.Integer(required=True, strict=True)
    origin_stop_id = fields.Integer(required=True, strict=True)
    destination_stop_id = fields.Integer(required=True, strict=True)
    phone = fields.String(required=True, validate=validate.Length(min=6, max=20),
                          metadata={"description": "the passenger's: the ticket SMS and any M-Pesa prompt go there"})
    method = fields.String(required=True, validate=validate.OneOf(("cash", "mpesa")))
    passengers = fields.List(fields.Nested(OrderPassengerSchema), required=True,
                             validate=validate.Length(min=1, max=MAX_PASSENGERS))


class CounterTripsQuerySchema(Schema):
    date = fields.Date(load_default=None, metadata={"description": "local date of departure; default: next 7 days"})


class CounterSeatsQuerySchema(Schema):
    origin_stop_id = fields.Integer(required=True)
    destination_stop_id = fields.Integer(required=True)


class CounterStopSchema(Schema):
    id = fields.Integer(attribute="stop.id")
    code = fields.String(attribute="stop.code")
    name = fields.String(attribute="stop.name")
    minutes_from_start = fields.Integer()


class CounterTripSchema(Schema):
    id = fields.Integer(attribute="trip.id")
    route = fields.String(attribute="trip.route.name")
    status = fields.String(attribute="trip.status")
    departure_at = fields.DateTime(attribute="departure_local", metadata={"description": "at the first stop, local"})
    stops = fields.List(fields.Nested(CounterStopSchema))


class CounterSeatsSchema(SeatMapSchema):
    """The leg's seat map (as ``GET /api/v1/trips/{id}/seats``) with the ride's fares by class."""

    fares = fields.Function(lambda m: {c: f.as_dict() for c, f in m["fares"].items()},
                            metadata={"type": "object", "description": "fare class -> Money"})


class DrawerOpenSchema(Schema):
    EXAMPLE = {"opening_float": 500000}
    opening_float = fields.Integer(required=True, strict=True, validate=AMOUNT,
                                   metadata={"description": "minor units (KES 5,000 is 500000)"})


class DrawerCountSchema(Schema):
    EXAMPLE = {"counted": 1250000, "comment": None}
    counted = fields.Integer(required=True, strict=True, validate=AMOUNT, metadata={"description": "minor units"})
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=COMMENT_MAX),
                            metadata={"description": "required when the difference exceeds the carrier's threshold"})


class DrawerClosingSchema(Schema):
    expected = MoneyField(lambda c: (c.expected, c.currency))
    counted = MoneyField(lambda c: (c.counted, c.currency))
    difference = MoneyField(lambda c: (c.difference, c.currency))
    cash_sales = MoneyField(lambda c: (c.cash_sales, c.currency))
    cash_refunds = MoneyField(lambda c: (c.cash_refunds, c.currency))
    comment = fields.String(allow_none=True)
    closed_at = fields.Timestamp(metadata={"description": "UTC"})


class _Closing:
    """A closing report with its drawer's currency (the report row has none of its own)."""

    def __init__(self, closing, currency: str):
        self._closing, self.currency = closing, currency

    def __getattr__(self, name):
        return getattr(self._closing, name)


class DrawerSchema(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"enum": ["open", "recount", "closed"],
                                     "description": "recount: the first count differs; count once more"})
    opening_float = MoneyField(lambda d: (d.opening_float, d.currency))
    opened_at = fields.Timestamp(metadata={"description": "UTC"})
    closed_at = fields.Timestamp(allow_none=True, metadata={"description": "UTC"})
    closing = fields.Function(
        lambda d: DrawerClosingSchema().dump(_Closing(d.closing, d.currency)) if d.closing else None,
        metadata={"type": "object", "nullable": True, "description": "the closing report, once closed"})
