"""Wire shapes of the wallet (marshmallow 4). Money is ``{"amount", "currency"}`` both ways."""
from __future__ import annotations

from marshmallow import Schema, validate

from app.core import fields
from app.core.money import MoneyField, amount_between
from app.wallet.service import TOPUP_MAX, TOPUP_MIN


class AutoRechargeSchema(Schema):
    EXAMPLE = {"enabled": True, "threshold": {"amount": 20000, "currency": "KES"}}
    enabled = fields.Boolean(required=True)
    threshold = MoneyField(
        required=True, validate=amount_between(0, TOPUP_MAX, "Must be between 0 and 15000000 (KES 150,000)."),
        metadata={"description": "top up when a wallet purchase leaves less than this (0 to KES 150,000)"})
    amount = MoneyField(dump_only=True, allow_none=True, metadata={
        "description": "what is topped up: your last manual top-up (null before the first)"})


class WalletLimitsSchema(Schema):
    min = MoneyField(dump_only=True)
    max = MoneyField(dump_only=True)


class WalletSchema(Schema):
    balance = MoneyField(dump_only=True)
    presets = fields.List(MoneyField(dump_only=True))
    limits = fields.Nested(WalletLimitsSchema)
    auto_recharge = fields.Nested(AutoRechargeSchema)


class WalletEntrySchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    amount = MoneyField(dump_only=True)
    memo = fields.String(allow_none=True)
    order_id = fields.Integer(allow_none=True)
    payment_id = fields.Integer(allow_none=True)
    created_at = fields.Timestamp(metadata={"description": "UTC"})


class WalletHistoryQuery(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    before = fields.Integer(load_default=None, metadata={"description": "entry id to page before"})


class TopUpSchema(Schema):
    EXAMPLE = {"amount": {"amount": 50000, "currency": "KES"}, "phone": "+254711000111"}
    amount = MoneyField(required=True, validate=amount_between(TOPUP_MIN, TOPUP_MAX, (
        "Must be between 1000 and 15000000 minor units (KES 10 to KES 150,000).")), metadata={
        "description": "whole shillings from KES 10 to KES 150,000 (1000 to 15000000 cents), in the wallet's currency"})
    phone = fields.String(load_default=None, validate=validate.Length(max=32),
                          metadata={"description": "the M-Pesa number to charge (default: your own)"})
