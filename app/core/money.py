"""Money on the wire: an integer count of minor units plus an ISO 4217 code.

Floats never carry money. ``{"amount": 150000, "currency": "KES"}`` is KES 1,500.00.
"""
from __future__ import annotations

from marshmallow import Schema, validate

from app.core import fields

# Minor-unit exponents of the currencies we sell in (ISO 4217).
MINOR_UNITS = {"KES": 2, "UGX": 0, "TZS": 2, "RWF": 0, "NGN": 2, "XOF": 0, "GHS": 2}


def money(amount: int, currency: str) -> dict:
    return {"amount": int(amount), "currency": currency}


def format_money(amount: int, currency: str) -> str:
    """Human form for SMS and USSD screens: ``KES 1,500`` or ``KES 1,500.50``."""
    exponent = MINOR_UNITS.get(currency, 2)
    if exponent == 0:
        return f"{currency} {amount:,}"
    major, minor = divmod(abs(amount), 10**exponent)
    sign = "-" if amount < 0 else ""
    if minor == 0:
        return f"{currency} {sign}{major:,}"
    return f"{currency} {sign}{major:,}.{minor:0{exponent}d}"


class MoneySchema(Schema):
    amount = fields.Integer(required=True, metadata={"description": "count of the currency's minor unit"})
    currency = fields.String(required=True, validate=validate.Length(equal=3))
