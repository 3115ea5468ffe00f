"""Wire shapes of the wallet (marshmallow 4). Amounts are integer minor units."""
from __future__ import annotations

from marshmallow import Schema, validate

from app.core import fields
from app.wallet.service import TOPUP_MAX, TOPUP_MIN


class MoneyOut(Schema):
    amount = fields.Integer()
    currency = fields.String()


class AutoRechargeSchema(Schema):
    enabled = fields.Boolean(required=True)
    threshold = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=TOPUP_MAX),
                               metadata={"description": "minor units; top up when a purchase leaves less"})
    amount = fields.Integer(dump_only=True, allow_none=True, metadata={"description": "last manual top-up"})


class WalletSchema(Schema):
    balance = fields.Nested(MoneyOut)
    presets = fields.List(fields.Nested(MoneyOut))
    limits = fields.Dict()
    auto_recharge = fields.Nested(AutoRechargeSchema)


class WalletEntrySchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    amount = fields.Nested(MoneyOut)
    memo = fields.String(allow_none=True)
    order_id = fields.Integer(allow_none=True)
    payment_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class WalletHistoryQuery(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    before = fields.Integer(load_default=None, metadata={"description": "entry id to page before"})


class TopUpSchema(Schema):
    amount = fields.Integer(required=True, strict=True, validate=validate.Range(min=TOPUP_MIN, max=TOPUP_MAX, error=(
        "Must be between 1000 and 15000000 minor units (KES 10 to KES 150,000).")))
    phone = fields.String(load_default=None, validate=validate.Length(max=32))
