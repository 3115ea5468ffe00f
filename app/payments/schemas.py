"""Wire shapes of payments (marshmallow 4)."""
from __future__ import annotations

from marshmallow import Schema, validate

from app.core import fields
from app.core.money import MoneyField
from app.payments.models import PUBLIC_METHODS

METHODS = ("mpesa", "airtime", "wallet")  # the API's names (app.payments.service.API_METHODS)


class PaymentCreateSchema(Schema):
    EXAMPLE = {"method": "mpesa", "phone": "+254711000111"}
    method = fields.String(required=True, validate=validate.OneOf(METHODS),
                           metadata={"description": "mpesa: a prompt on the payer's phone; airtime: phone balance, "
                                                      "only totals made of the operator's premium price points "
                                                      "(else 422 airtime-amount-not-payable); wallet"})
    phone = fields.String(load_default=None, validate=validate.Length(max=32),
                          metadata={"description": "payer's phone (default: your own); local forms accepted"})


class PaymentSchema(Schema):
    id = fields.Integer()
    order_id = fields.Integer(allow_none=True)
    purpose = fields.String()
    method = fields.Function(lambda p: PUBLIC_METHODS.get(p.method, p.method), metadata={
        "type": "string", "enum": list(METHODS), "description": "as requested (a Paybill payment is mpesa too)"})
    provider = fields.String()
    amount = MoneyField(lambda p: (p.amount, p.currency))
    status = fields.String()
    outcome = fields.String(allow_none=True)
    # The operator's own reason (``Payment.failure_reason``: codes, English, internals such
    # as "Invalid CallBackURL") is for logs and staff; a passenger gets ``message`` only.
    message = fields.String(allow_none=True, metadata={
        "description": "what to show the passenger, in their language (from the message catalogue)"})
    receipt = fields.String(allow_none=True)
    created_at = fields.Timestamp(metadata={"description": "UTC"})
    settled_at = fields.Timestamp(allow_none=True, metadata={"description": "UTC"})
    other_methods = fields.Function(
        lambda p: list(getattr(p, "other_methods", None) or []),
        metadata={"type": "array", "items": {"type": "string"},
                  "description": "when it failed: the methods that can pay the order now (its seats stay held)"})
