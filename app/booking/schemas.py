"""Wire shapes of orders, tickets and cancellations (marshmallow 4).

Times follow the one rule (``fields.Timestamp``): the trip's, in the origin stop's zone;
when the order was created, paid or its hold ends, in UTC. Money is
``{"amount", "currency"}`` in minor units.
"""
from __future__ import annotations

from flask import current_app
from marshmallow import Schema, ValidationError, post_load, validate
from webargs.fields import DelimitedList

from app.booking.models import ORDER_STATUSES
from app.booking.pricing import departure_at_stop
from app.booking.service import MAX_PASSENGERS
from app.catalog.models import FARE_CLASSES
from app.core import fields
from app.core.money import MoneyField, money
from tickets.shortcode import format_short_code

SANDBOX_PAYBILL = "174379"


def _zone(order) -> str:
    return order.origin.timezone if order.origin else "UTC"


class OrderPassengerSchema(Schema):
    """One passenger of a new order; ``passenger_name`` is the name every answer uses
    (orders, tickets, the manifest). ``name`` is its old name in requests, still read."""

    fare_class = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(FARE_CLASSES), metadata={
        "description": "default: standard where sold, else the cheapest class (the same rule on every channel)"})
    seat = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=8))
    passenger_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=120),
                                   metadata={"description": "as printed on the ticket and the manifest"})
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=120),
                         metadata={"deprecated": True, "description": "the old name of passenger_name"})

    @post_load
    def _one_name(self, data, **kwargs):
        old = data.pop("name", None)
        if old is not None and data.get("passenger_name") not in (None, old):
            raise ValidationError({"passenger_name": ["Give passenger_name only (name is its old name)."]})
        data["passenger_name"] = data.get("passenger_name") or old
        return data


class OrderCreateSchema(Schema):
    EXAMPLE = {"trip_id": 1, "origin_stop_id": 1, "destination_stop_id": 2, "passengers": [
        {"fare_class": "standard", "seat": "4", "passenger_name": "Wanjiku Kamau"}, {"fare_class": "student"}]}
    trip_id = fields.Integer(required=True, strict=True)
    origin_stop_id = fields.Integer(required=True, strict=True)
    destination_stop_id = fields.Integer(required=True, strict=True)
    passengers = fields.List(
        fields.Nested(OrderPassengerSchema), required=True, validate=validate.Length(min=1, max=MAX_PASSENGERS)
    )


class OrderListQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(ORDER_STATUSES))


def _item_pricing(item):
    detail = item.price_detail
    if not detail:
        return None
    currency = item.order.currency
    return {"base": money(detail["base"], currency),
            "rules": [{"id": r["id"], "name": r["name"], "change": money(r["change"], currency)}
                      for r in detail["rules"]],
            "price": money(item.price, currency)}


class OrderItemSchema(Schema):
    seat = fields.String()
    fare_class = fields.String()
    passenger_name = fields.String(allow_none=True)
    price = MoneyField(lambda item: (item.price, item.order.currency))
    pricing = fields.Function(_item_pricing, metadata={
        "type": "object", "nullable": True,
        "description": "how price was made when the seat was held (fixed since): base fare and rules applied"})
    concession_until = fields.Date(allow_none=True, metadata={
        "description": "student or reduced fare: the holder's category was valid until this day when bought"})


def _payment_instructions(order):
    if order.status != "pending_payment":
        return None
    business = current_app.config.get("MPESA_SHORTCODE") or SANDBOX_PAYBILL
    return {"paybill": {"business_number": business, "account": order.code,
                        "amount": money(order.total_amount, order.currency)}}


class OrderSchema(Schema):
    id = fields.Integer()
    code = fields.String(metadata={"description": "booking code; the M-Pesa Paybill account number"})
    status = fields.String()
    channel = fields.String()
    trip_id = fields.Integer()
    origin_stop_id = fields.Integer()
    destination_stop_id = fields.Integer()
    items = fields.List(fields.Nested(OrderItemSchema))
    total = MoneyField(lambda o: (o.total_amount, o.currency))
    refunded = MoneyField(lambda o: (o.refunded_amount, o.currency))
    departure_at = fields.Timestamp(
        lambda o: departure_at_stop(o.trip, o.origin_stop_id), zone=_zone,
        metadata={"example": "2026-03-01T08:00:00+03:00",
                  "description": "when the trip leaves the order's origin stop, in that stop's zone"})
    hold_expires_at = fields.Timestamp(allow_none=True, metadata={"description": "UTC"})
    paid_at = fields.Timestamp(allow_none=True, metadata={"description": "UTC"})
    created_at = fields.Timestamp(metadata={"description": "UTC"})
    payment_instructions = fields.Function(_payment_instructions, allow_none=True, metadata={
        "description": "while pending_payment: how to pay at the M-Pesa Paybill", "type": "object",
        "properties": {"paybill": {"type": "object", "properties": {
            "business_number": {"type": "string"}, "account": {"type": "string"},
            "amount": {"$ref": "#/components/schemas/Money"}}}}})
    payment_options = fields.Function(
        lambda o: [{"method": p.method, "available": p.available, "reason": p.reason}
                   for p in getattr(o, "payment_options", None) or []],
        metadata={"type": "array", "items": {"type": "object"},
                  "description": "while it can be paid: each method and whether it can pay this total now"})
    other_methods = fields.Function(
        lambda o: list(getattr(o, "other_methods", None) or []),
        metadata={"type": "array", "items": {"type": "string"},
                  "description": "after a failed payment: the methods that can pay it now (seats stay held)"})


class BookingTicketSchema(Schema):
    id = fields.Integer()
    order_id = fields.Integer()
    trip_id = fields.Integer()
    seat = fields.String()
    fare_class = fields.String()
    passenger_name = fields.String(allow_none=True)
    short_code = fields.Function(lambda t: format_short_code(t.short_code))
    status = fields.String()
    valid_from = fields.Timestamp(zone=lambda t: _zone(t.order))
    valid_until = fields.Timestamp(zone=lambda t: _zone(t.order))
    departure_at = fields.Timestamp(
        lambda t: departure_at_stop(t.trip, t.order.origin_stop_id), zone=lambda t: _zone(t.order),
        metadata={"description": "when the trip leaves the passenger's stop, in that stop's zone"})


class BookingTicketQuerySchema(Schema):
    scope = fields.String(load_default="active", validate=validate.OneOf(("active", "history")))


class CancellationQuoteQuerySchema(Schema):
    ticket_ids = DelimitedList(fields.Integer(validate=validate.Range(min=1)))


class BookingRefundRuleSchema(Schema):
    hours_before_departure = fields.Integer()
    refund_percent = fields.Integer()


class CancellationQuoteSchema(Schema):
    refund = MoneyField(lambda q: (q.amount, q.currency))
    percent = fields.Integer()
    rule = fields.Nested(BookingRefundRuleSchema, allow_none=True)
    ticket_ids = fields.Function(lambda q: [t.id for t in q.tickets])
    refund_to = fields.String(metadata={"description": "where the refund goes by default: the way the money came"})


class OrderCancelSchema(Schema):
    EXAMPLE = {"ticket_ids": [31], "refund_to": "wallet"}
    ticket_ids = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1)), load_default=None,
                             validate=validate.Length(min=1))
    refund_to = fields.String(load_default=None, validate=validate.OneOf(("wallet", "mpesa")), metadata={
        "description": "default: the way the money came (an M-Pesa payment back to M-Pesa, where the carrier "
                       "allows it; anything else to the wallet)"})


class OrderCancelResultSchema(Schema):
    order = fields.Nested(OrderSchema)
    refund = MoneyField(dump_only=True)
    refund_to = fields.String()


class BookingTripCancelSchema(Schema):
    EXAMPLE = {"reason": "The bus broke down; we are sorry."}
    reason = fields.String(required=True, validate=validate.Length(min=3, max=200))


class BookingTripCancelResultSchema(Schema):
    trip_id = fields.Integer()
    status = fields.String()
    orders_refunded = fields.Integer()


class SeatMapQuerySchema(Schema):
    origin_stop_id = fields.Integer(required=True, metadata={"description": "where the passenger boards"})
    destination_stop_id = fields.Integer(required=True, metadata={"description": "where the passenger alights"})


class SeatStatusSchema(Schema):
    label = fields.String(metadata={"description": "as printed on the seat and the ticket"})
    status = fields.String(metadata={"enum": ["free", "held", "sold"], "description": "for this leg only"})


class SeatRowSchema(Schema):
    row = fields.Integer()
    deck = fields.Integer(metadata={"description": "1: the vehicle's only deck"})
    seats = fields.List(fields.String(), metadata={"description": "labels from left to right"})
    aisle_after = fields.Integer(allow_none=True, metadata={
        "description": "how many seats of the row are left of the aisle; null: no aisle (a back bench)"})


class SeatMapSchema(Schema):
    """A leg's seat map (``app.booking.seatmap``): a seat sold on a leg that does not overlap this one is free."""

    trip_id = fields.Integer()
    origin_stop_id = fields.Integer()
    destination_stop_id = fields.Integer()
    free = fields.Integer(metadata={"description": "seats free on the whole leg"})
    seats = fields.List(fields.Nested(SeatStatusSchema), metadata={"description": "in the vehicle's selling order"})
    rows = fields.List(fields.Nested(SeatRowSchema))
