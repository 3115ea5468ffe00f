"""Money on the wire: an integer count of minor units plus an ISO 4217 code.

Floats never carry money. ``{"amount": 150000, "currency": "KES"}`` is KES 1,500.00, in
requests and answers alike: every money field of a schema is a ``MoneyField`` so the
OpenAPI document types each one as the one ``Money`` component (never a bare integer).
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, validate

from app.core import fields
from app.errors import Unprocessable

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


SHAPE = 'Money is an object {"amount": <count of minor units>, "currency": "<ISO 4217>"}, ' \
        'e.g. {"amount": 150000, "currency": "KES"} for KES 1,500.'


class MoneySchema(Schema):
    """``Money`` in the OpenAPI document. Anything but an object (a bare number, a string)
    is refused with the shape money has, not marshmallow's "Invalid input type."."""

    error_messages = {"type": SHAPE}

    amount = fields.Integer(required=True, strict=True,
                            metadata={"description": "count of the currency's minor unit (cents for KES)",
                                      "example": 150000})
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$", error="An ISO 4217 code, e.g. KES."),
                             metadata={"description": "ISO 4217 code", "example": "KES"})


# For a map of money values (fare class → money): ``metadata=money_map("...")``.
MONEY_REF = {"$ref": "#/components/schemas/Money"}


def money_map(description: str) -> dict:
    return {"type": "object", "additionalProperties": MONEY_REF, "description": description}


class MoneyField(fields.Nested):
    """A money field, typed as ``Money`` in the document.

    In a request schema, ``MoneyField(required=True)`` loads ``{"amount", "currency"}``
    (check the currency with ``amount_in``). In an answer schema,
    ``MoneyField(lambda obj: (amount, currency))`` dumps from the object's integer
    column and currency; an amount of ``None`` dumps as ``null``.
    """

    def __init__(self, pair=None, **kwargs):
        self._pair = pair
        if pair is not None:
            kwargs.setdefault("dump_only", True)
        super().__init__(MoneySchema, **kwargs)

    def serialize(self, attr, obj, accessor=None, **kwargs):
        if self._pair is None:
            return super().serialize(attr, obj, accessor, **kwargs)
        amount, currency = self._pair(obj)
        return None if amount is None else money(amount, currency)


def amount_between(low: int, high: int, error: str):
    """Validator of a loaded money object: ``low <= amount <= high`` (minor units)."""

    def _check(value: dict) -> None:
        if not low <= value["amount"] <= high:
            raise ValidationError({"amount": [error]})

    return _check


def amount_in(value: dict, currency: str, field: str = "amount") -> int:
    """The integer amount of a loaded money object that must be in ``currency`` (else 422)."""
    if value["currency"] != currency:
        raise Unprocessable(
            f"This amount must be in {currency}, not {value['currency']}.", slug="wrong-currency",
            errors={field: {"currency": [f"Must be {currency}."]}},
        )
    return value["amount"]
