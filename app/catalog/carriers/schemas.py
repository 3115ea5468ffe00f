"""Carrier payloads: the carrier itself, the reference other payloads embed, its settings.

Field rules are checked here so they come out as a 422 with ``errors`` per field and
appear in the OpenAPI document.
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, validate, validates_schema

from app.catalog.common import NAME, Partial
from app.core import fields
from app.core.money import MINOR_UNITS
from app.core.phone import InvalidPhone, normalize_phone

def _phone(value: str | None) -> None:
    if value is None:
        return
    try:
        normalize_phone(value)
    except InvalidPhone as exc:
        raise ValidationError(str(exc)) from None


class CarrierSchema(Schema):
    EXAMPLE = {"name": "Safiri Express", "slug": "safiri-express", "country": "KE", "currency": "KES"}
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=NAME)
    slug = fields.String(
        required=True,
        validate=validate.Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", error="Lowercase letters, digits and dashes."),
    )
    country = fields.String(
        load_default="KE", validate=validate.Regexp(r"^[A-Z]{2}$", error="ISO 3166 alpha-2, e.g. KE.")
    )
    currency = fields.String(load_default="KES", validate=validate.OneOf(sorted(MINOR_UNITS)))


class CarrierRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class RefundRuleSchema(Schema):
    hours_before_departure = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=24 * 365))
    refund_percent = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=100))


class SettingsSchema(Schema):
    """Refund rules: unique hours; the earlier one cancels, the more (or same) one gets back."""

    EXAMPLE = {"refund_rules": [{"hours_before_departure": 24, "refund_percent": 90},
                                {"hours_before_departure": 2, "refund_percent": 50}],
               "mpesa_refunds_allowed": True, "reverse_double_payments": True, "ticket_grace_minutes": 30,
               "boarding_opens_minutes": 60,
               "support_phone": "+254700123456"}

    refund_rules = fields.List(fields.Nested(RefundRuleSchema), validate=validate.Length(max=20))
    mpesa_refunds_allowed = fields.Boolean(metadata={
        "description": "refunds go back the way the money came (M-Pesa payments to M-Pesa); false keeps "
                       "every refund in the Safiri wallet"})
    reverse_double_payments = fields.Boolean(metadata={
        "description": "a second M-Pesa payment of a booking already paid is reversed to the payer "
                       "(Daraja reversal) instead of going to their wallet"})
    student_approval_required = fields.Boolean(metadata={
        "description": "a student's self-service registration waits for an agent's approval "
                       "(app.concessions); false: it applies at once until the card's expiry"})
    ticket_grace_minutes = fields.Integer(strict=True, validate=validate.Range(min=0, max=24 * 60))
    boarding_opens_minutes = fields.Integer(strict=True, validate=validate.Range(min=0, max=24 * 60))
    support_phone = fields.String(allow_none=True, validate=_phone)
    commission_bps = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=10_000),
                                    metadata={"description": "the platform's commission on this carrier's sales, "
                                                             "basis points (500 = 5%); null: the platform's default. "
                                                             "Only platform admins change it"})

    @validates_schema
    def _rules(self, data, **kwargs):
        rules = data.get("refund_rules")
        if rules is None:
            return
        if any("hours_before_departure" not in r or "refund_percent" not in r for r in rules):
            # A PATCH loads partially, nested rules too: a rule is still all or nothing.
            raise ValidationError("Each rule needs hours_before_departure and refund_percent.", "refund_rules")
        hours = [r["hours_before_departure"] for r in rules]
        if len(set(hours)) != len(hours):
            raise ValidationError("Each hours_before_departure may appear once.", "refund_rules")
        ordered = sorted(rules, key=lambda r: r["hours_before_departure"], reverse=True)
        percents = [r["refund_percent"] for r in ordered]
        if any(later > earlier for earlier, later in zip(percents, percents[1:])):
            raise ValidationError(
                "Refunds may not grow closer to departure: refund_percent must not increase "
                "as hours_before_departure decreases.", "refund_rules",
            )


class SettingsPatchSchema(Partial, SettingsSchema):
    EXAMPLE = {"ticket_grace_minutes": 20, "mpesa_refunds_allowed": False}
