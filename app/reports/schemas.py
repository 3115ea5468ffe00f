"""Wire shapes of reports, closed days and settlements (marshmallow 4).

The services hand around integers of minor units (what the snapshot stores); the answer
schemas turn each money figure into ``{"amount", "currency"}`` in the report's currency.
"""
from __future__ import annotations

from marshmallow import Schema, pre_dump, validate

from app.core import fields
from app.core.money import MoneyField, money
from app.openapi import example_day
from app.reports.daily import MONEY

_DATE = {"type": "string", "format": "date"}


def _money_of(row: dict, currency: str) -> dict:
    return {**row, **{key: money(row[key], currency) for key in MONEY if key in row}}


class DailyQuery(Schema):
    date = fields.String(load_default=None, metadata={
        **_DATE, "description": "the carrier's local day, YYYY-MM-DD (default: today there); "
                                "a malformed, impossible or future day answers 400"})


def _figures() -> dict:
    """The count and money fields every row of a report carries (fresh instances per schema)."""
    return {
        "tickets_sold": fields.Integer(metadata={"description": "passengers of the sales counted"}),
        "tickets_refunded": fields.Integer(metadata={"description": "tickets given back with a refund that day"}),
        "gross": MoneyField(dump_only=True, metadata={"description": "what passengers paid"}),
        "refunds": MoneyField(dump_only=True, metadata={"description": "what went back to passengers"}),
        "commission": MoneyField(dump_only=True, metadata={
            "description": "the platform's commission, net of commission given back on refunds"}),
        "operator_fees": MoneyField(dump_only=True, metadata={"description": "what operators charged"}),
        "net_payable": MoneyField(dump_only=True, metadata={
            "description": "gross - refunds - commission - operator_fees: what the platform owes for it"}),
    }


def _row(name: str, doc: str, **keys) -> type[Schema]:
    """A breakdown row's schema: its key fields first, then the figures."""
    return type(name, (Schema,), {"__doc__": doc, **keys, **_figures()})


RouteRow = _row("RouteRow", "One route's share of the day.", route_id=fields.Integer(allow_none=True),
                route_code=fields.String(allow_none=True), route_name=fields.String(allow_none=True))
TripRow = _row("TripRow", "One trip's share of the day.", trip_id=fields.Integer(allow_none=True),
               route_code=fields.String(allow_none=True),
               departure_at=fields.String(allow_none=True, metadata={
                   "format": "date-time", "description": "in the zone of the trip's first stop"}))
ChannelRow = _row("ChannelRow", "One sales channel's share.", channel=fields.String(
    allow_none=True, metadata={"description": "api (the app), ussd, sms"}))
MethodRow = _row("MethodRow", "One payment method's share.", method=fields.String(
    allow_none=True, metadata={"description": "mpesa, airtime, wallet (as the API names them)"}))
FareClassRow = _row("FareClassRow", "One fare class's share (an order's money split by its passengers' prices).",
                    fare_class=fields.String(allow_none=True))


class Adjustment(Schema):
    for_date = fields.String(metadata={**_DATE, "description": "the closed day this adjusts"})
    kind = fields.String(metadata={"description": "the ledger movement: refund, sale..."})
    late = fields.Boolean(metadata={"description": "reached the ledger after its own day was closed"})
    count = fields.Integer()
    gross = MoneyField(dump_only=True)
    refunds = MoneyField(dump_only=True)
    commission = MoneyField(dump_only=True)
    operator_fees = MoneyField(dump_only=True)
    net_payable = MoneyField(dump_only=True)


class BoardingTrip(Schema):
    trip_id = fields.Integer()
    route_code = fields.String()
    departure_at = fields.String(metadata={"format": "date-time", "description": "in the zone of the trip's first stop"})
    trip_status = fields.String()
    tickets = fields.Integer(metadata={"description": "tickets that may travel (not given back)"})
    boarded = fields.Integer()
    no_show = fields.Integer(metadata={"description": "not boarded, and the trip has left"})
    awaiting = fields.Integer(metadata={"description": "not boarded yet, the trip has not left"})


class Boarding(Schema):
    trips = fields.Integer()
    tickets = fields.Integer()
    boarded = fields.Integer()
    no_show = fields.Integer()
    awaiting = fields.Integer()
    by_trip = fields.List(fields.Nested(BoardingTrip))


def _dump_money(self, report: dict, **kwargs) -> dict:
    currency = report["currency"]
    out = _money_of(report, currency)
    for name in ("by_route", "by_trip", "by_channel", "by_payment_method", "by_fare_class", "adjustments"):
        out[name] = [_money_of(row, currency) for row in report[name]]
    return out


DailyReportSchema = type("DailyReportSchema", (Schema,), {
    "__doc__": "A day of one carrier. Every breakdown's rows sum to the totals.",
    "carrier_id": fields.Integer(),
    "date": fields.String(metadata=_DATE),
    "timezone": fields.String(),
    "currency": fields.String(),
    "status": fields.String(metadata={"description": "open (live from the ledger) or closed (frozen)"}),
    "closed_at": fields.String(allow_none=True, metadata={"format": "date-time", "description": "UTC"}),
    "closed_by": fields.String(allow_none=True),
    "commission_bps": fields.Integer(metadata={"description": "the carrier's commission rate, basis points"}),
    **_figures(),
    "by_route": fields.List(fields.Nested(RouteRow)),
    "by_trip": fields.List(fields.Nested(TripRow)),
    "by_channel": fields.List(fields.Nested(ChannelRow)),
    "by_payment_method": fields.List(fields.Nested(MethodRow)),
    "by_fare_class": fields.List(fields.Nested(FareClassRow)),
    "boarding": fields.Nested(Boarding, metadata={"description": "trips departing that day"}),
    "adjustments": fields.List(fields.Nested(Adjustment), metadata={
        "description": "movements counted in this day's figures that concern an earlier closed day"}),
    "_as_money": pre_dump(_dump_money),
})


class ClosedDaysSchema(Schema):
    closed = fields.List(fields.Nested(DailyReportSchema), metadata={"description": "the days closed, oldest first"})


class SettlementCreateSchema(Schema):
    EXAMPLE = staticmethod(lambda: {"period_start": example_day(-8), "period_end": example_day(-2)})
    period_start = fields.Date(required=True, metadata={"description": "first closed day (local)"})
    period_end = fields.Date(required=True, metadata={"description": "last closed day, inclusive"})


class SettlementPaidSchema(Schema):
    EXAMPLE = {"reference": "FT24123ABCD"}
    reference = fields.String(required=True, validate=[
        validate.Length(min=1, max=80), validate.Regexp(r"^[\w\-./ ]+$", error="Letters, digits, - . / and spaces.")],
        metadata={"description": "the bank or M-Pesa reference of the transfer"})


class HistoryRow(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor = fields.String()
    reason = fields.String(allow_none=True)
    at = fields.Timestamp()


class SettlementSchema(Schema):
    id = fields.Integer()
    carrier_id = fields.Integer()
    period_start = fields.Date()
    period_end = fields.Date()
    days = fields.Integer()
    gross = MoneyField(lambda s: (s.gross, s.currency))
    refunds = MoneyField(lambda s: (s.refunds, s.currency))
    commission = MoneyField(lambda s: (s.commission, s.currency))
    fees = MoneyField(lambda s: (s.fees, s.currency), metadata={"description": "operator fees"})
    cash_kept = MoneyField(lambda s: (s.cash_kept, s.currency),
                           metadata={"description": "cash taken at the carrier's counters, already in its hands"})
    net = MoneyField(lambda s: (s.net, s.currency),
                     metadata={"description": "gross - refunds - commission - fees - cash_kept: left to transfer "
                                              "(negative: the carrier owes the platform)"})
    status = fields.String(metadata={"description": "pending, paid"})
    reference = fields.String(allow_none=True)
    created_at = fields.Timestamp()
    paid_at = fields.Timestamp(allow_none=True)


class SettlementDetailSchema(SettlementSchema):
    history = fields.List(fields.Nested(HistoryRow))
