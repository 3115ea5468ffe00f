"""Price rule payloads: the change (a percentage or an amount), its bounds and its conditions.

Amounts are money objects in the carrier's currency, like fares. A condition left out (or
null) matches every ride. Field rules are checked here (422 per field); the database checks
the same again.
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, validate, validates_schema

from app.catalog.common import ID
from app.catalog.models import MAX_FARE_AMOUNT
from app.catalog.pricerules.models import MAX_PERCENT, MIN_PERCENT
from app.core import fields
from app.core.money import MoneyField, amount_between, money

BOUND = amount_between(1, MAX_FARE_AMOUNT, f"Must be between 1 and {MAX_FARE_AMOUNT} minor units.")
CHANGE = amount_between(-MAX_FARE_AMOUNT, MAX_FARE_AMOUNT, "Too large to be a price change.")


def _pair(rule, column):
    value = getattr(rule, column)
    return (value, rule.carrier.currency) if value is not None else (None, None)


class PriceRuleSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String()
    route_id = fields.Integer(allow_none=True)
    priority = fields.Integer()
    percent = fields.Integer(attribute="change_percent", allow_none=True)
    amount = MoneyField(lambda r: _pair(r, "change_amount"), allow_none=True)
    floor = MoneyField(lambda r: _pair(r, "floor_amount"), allow_none=True)
    ceiling = MoneyField(lambda r: _pair(r, "ceiling_amount"), allow_none=True)
    valid_from = fields.Date(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    weekdays = fields.List(fields.Integer(), allow_none=True)
    hour_from = fields.Integer(allow_none=True)
    hour_until = fields.Integer(allow_none=True)
    departs_from = fields.Date(allow_none=True)
    departs_until = fields.Date(allow_none=True)
    min_days_before = fields.Integer(allow_none=True)
    max_days_before = fields.Integer(allow_none=True)
    min_load_percent = fields.Integer(allow_none=True)
    max_load_percent = fields.Integer(allow_none=True)


def _ordered(data, low, high, error):
    if data.get(low) is not None and data.get(high) is not None and data[high] < data[low]:
        raise ValidationError(error, high)


class PriceRuleInSchema(Schema):
    EXAMPLE = {"name": "Friday evening peak", "priority": 10, "percent": 20,
               "weekdays": [5], "hour_from": 16, "hour_until": 22,
               "ceiling": {"amount": 250000, "currency": "KES"}}

    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    route_id = fields.Integer(allow_none=True, strict=True, validate=ID,
                              metadata={"description": "only this route; null: every route"})
    priority = fields.Integer(load_default=100, strict=True, validate=validate.Range(min=0, max=10_000),
                              metadata={"description": "lower applies first"})
    percent = fields.Integer(allow_none=True, strict=True, validate=validate.Range(
        min=MIN_PERCENT, max=MAX_PERCENT), metadata={"description": "+20: 20 % more; -15: 15 % less "
                                                                     "(exactly one of percent and amount)"})
    amount = MoneyField(allow_none=True, validate=CHANGE, metadata={"description": "a fixed change, signed"})
    floor = MoneyField(allow_none=True, validate=BOUND, metadata={"description": "after this rule, never below"})
    ceiling = MoneyField(allow_none=True, validate=BOUND, metadata={"description": "after this rule, never above"})
    valid_from = fields.Date(allow_none=True, metadata={"description": "first day the rule is sold (inclusive)"})
    valid_until = fields.Date(allow_none=True, metadata={"description": "last day the rule is sold (inclusive)"})
    weekdays = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1, max=7)), allow_none=True,
                           validate=validate.Length(min=1, max=7),
                           metadata={"description": "departure weekdays, ISO: 1 Monday .. 7 Sunday"})
    hour_from = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=23),
                               metadata={"description": "departure hour, local, inclusive"})
    hour_until = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1, max=24),
                                metadata={"description": "departure hour, local, exclusive"})
    departs_from = fields.Date(allow_none=True, metadata={"description": "departure dates (holidays), inclusive"})
    departs_until = fields.Date(allow_none=True)
    min_days_before = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=3650),
                                     metadata={"description": "early bird: bought at least this many days ahead"})
    max_days_before = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=3650),
                                     metadata={"description": "last minute: bought at most this many days ahead"})
    min_load_percent = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=100),
                                      metadata={"description": "demand band: seats taken, % of the vehicle"})
    max_load_percent = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=100))

    @validates_schema
    def _consistent(self, data, partial=None, **kwargs):
        if not partial and (data.get("percent") is None) == (data.get("amount") is None):
            raise ValidationError("Give exactly one of percent and amount.", "percent")
        if data.get("percent") == 0 or (data.get("amount") or {}).get("amount") == 0:
            raise ValidationError("A change of zero changes nothing.", "percent" if "percent" in data else "amount")
        if data.get("weekdays") and len(set(data["weekdays"])) != len(data["weekdays"]):
            raise ValidationError("Each weekday once.", "weekdays")
        if data.get("floor") and data.get("ceiling") and data["ceiling"]["amount"] < data["floor"]["amount"]:
            raise ValidationError("The ceiling is below the floor.", "ceiling")
        _ordered(data, "valid_from", "valid_until", "Before valid_from.")
        _ordered(data, "departs_from", "departs_until", "Before departs_from.")
        _ordered(data, "min_days_before", "max_days_before", "Below min_days_before.")
        _ordered(data, "min_load_percent", "max_load_percent", "Below min_load_percent.")
        if data.get("hour_from") is not None and data.get("hour_until") is not None \
                and data["hour_until"] <= data["hour_from"]:
            raise ValidationError("Must be after hour_from.", "hour_until")


class PriceRulePatchSchema(PriceRuleInSchema):
    """Every field optional, but a money object sent is whole (``partial`` names the top-level
    fields only: ``Partial``'s ``True`` would reach into the nested amounts too)."""

    EXAMPLE = {"percent": 25}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", tuple(PriceRuleInSchema._declared_fields))
        super().__init__(*args, **kwargs)



RULES_SHAPE = {"type": "array", "description": "the rules that applied, in order",
               "items": {"type": "object", "properties": {
                   "id": {"type": "integer"}, "name": {"type": "string"},
                   "change": {"$ref": "#/components/schemas/Money", "description": "negative: taken off"}}}}


class PricedSchema(Schema):
    """How one seat is priced: the base fare, each rule that applied in order, the result."""

    fare_class = fields.String()
    base = MoneyField(lambda p: (p.base, p.currency))
    rules = fields.Function(lambda p: [{"id": a.rule_id, "name": a.name, "change": money(a.change, p.currency)}
                                       for a in p.applied], metadata=RULES_SHAPE)
    price = MoneyField(lambda p: (p.amount, p.currency), metadata={"description": "base plus every change"})
