"""Fare payloads: a price per ordered stop pair and class, as ``{"amount", "currency"}``."""
from __future__ import annotations

from marshmallow import Schema, validate

from app.catalog.common import ID
from app.catalog.models import FARE_CLASSES, MAX_FARE_AMOUNT
from app.core import fields
from app.core.money import MoneyField, amount_between

class FareSchema(Schema):
    id = fields.Integer(dump_only=True)
    route_id = fields.Integer()
    origin_stop_id = fields.Integer()
    destination_stop_id = fields.Integer()
    fare_class = fields.String()
    price = MoneyField(dump_only=True)


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
