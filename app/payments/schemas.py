"""Wire shapes of payments (marshmallow 4)."""
from __future__ import annotations

from marshmallow import Schema, validate

from app.core import fields
from app.core.money import MoneySchema


class PaymentCreateSchema(Schema):
    method = fields.String(required=True, validate=validate.OneOf(("mpesa", "airtime", "wallet")))
    phone = fields.String(load_default=None, validate=validate.Length(max=32),
                          metadata={"description": "payer's phone (default: your own); local forms accepted"})


class PaymentSchema(Schema):
    id = fields.Integer()
    order_id = fields.Integer(allow_none=True)
    purpose = fields.String()
    method = fields.String()
    provider = fields.String()
    amount = fields.Function(lambda p: {"amount": p.amount, "currency": p.currency}, metadata={"schema": MoneySchema})
    status = fields.String()
    outcome = fields.String(allow_none=True)
    message = fields.String(allow_none=True, metadata={"description": "what to show the passenger"})
    failure_reason = fields.String(allow_none=True)
    receipt = fields.String(allow_none=True)
    created_at = fields.DateTime()
    settled_at = fields.DateTime(allow_none=True)
