"""Wire shapes of payouts, withdrawals and status checks (marshmallow 4).

Phone numbers go out masked: an admin paying by hand sees the number in full only in the
one payout they open (``PayoutDetailSchema``), where they need it to pay.
"""
from __future__ import annotations

from marshmallow import Schema, validate

from app.core import fields
from app.core.money import MoneyField
from app.core.phone import mask_phone
from app.payouts.models import PAYOUT_KINDS, PAYOUT_STATUSES
from app.states.history import history_of


class PayoutQuerySchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(PAYOUT_STATUSES),
                           metadata={"description": "only payouts in this state (pending: to pay by hand)"})
    carrier_id = fields.Integer(load_default=None, metadata={"description": "platform admins: one carrier's"})


class PayoutSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": list(PAYOUT_KINDS),
                                   "description": "refund, reversal (a double payment), withdrawal, closure "
                                                  "(a deleted account's wallet)"})
    status = fields.String(metadata={"enum": list(PAYOUT_STATUSES)})
    carrier_id = fields.Integer(allow_none=True, metadata={"description": "null: paid by the platform"})
    amount = MoneyField(lambda p: (p.amount, p.currency))
    fee = MoneyField(lambda p: (p.fee, p.currency))
    phone = fields.Function(lambda p: mask_phone(p.phone) if p.phone else None,
                            metadata={"type": "string", "nullable": True, "description": "masked"})
    method = fields.String(allow_none=True, metadata={"description": "b2c, reversal or manual (paid by hand)"})
    receipt = fields.String(allow_none=True, metadata={"description": "M-Pesa receipt, or the hand payment's reference"})
    result_code = fields.String(allow_none=True)
    result_desc = fields.String(allow_none=True)
    attempt = fields.Integer()
    needs_attention = fields.Function(
        lambda p: p.status == "sent" and p.next_check_at is None,
        metadata={"type": "boolean", "description": "sent, and no status check could settle it: look it up"})
    created_at = fields.Timestamp(metadata={"description": "UTC"})
    sent_at = fields.Timestamp(allow_none=True, metadata={"description": "UTC"})
    paid_at = fields.Timestamp(allow_none=True, metadata={"description": "UTC"})


class HistorySchema(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor = fields.String()
    reason = fields.String(allow_none=True)
    at = fields.Timestamp(metadata={"description": "UTC"})


class PayoutDetailSchema(PayoutSchema):
    phone = fields.String(allow_none=True, metadata={"description": "E.164, to pay it by hand"})
    history = fields.Function(lambda p: HistorySchema(many=True).dump(history_of("payout", p.id)),
                              metadata={"type": "array", "items": {"type": "object"},
                                        "description": "every change of status: who, when, why"})


class MarkPaidSchema(Schema):
    EXAMPLE = {"reference": "SL1CX8KQ2P"}
    reference = fields.String(required=True, validate=validate.Length(min=4, max=40),
                              metadata={"description": "the M-Pesa receipt (or bank reference) of the payment"})


class GiveBackSchema(Schema):
    EXAMPLE = {"reason": "The number is not registered for M-Pesa"}
    reason = fields.String(required=True, validate=validate.Length(min=3, max=200))


class WithdrawalCreateSchema(Schema):
    EXAMPLE = {"amount": {"amount": 50000, "currency": "KES"}}
    amount = MoneyField(required=True, metadata={"description": "whole shillings, within the withdrawal limits"})


class WithdrawalSchema(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"enum": list(PAYOUT_STATUSES),
                                     "description": "pending (waiting to be sent or paid by hand), sent, paid, "
                                                    "failed (our team pays it or gives it back), returned"})
    amount = MoneyField(lambda p: (p.amount, p.currency))
    fee = MoneyField(lambda p: (p.fee, p.currency))
    phone = fields.Function(lambda p: mask_phone(p.phone) if p.phone else None,
                            metadata={"type": "string", "nullable": True, "description": "masked"})
    receipt = fields.String(allow_none=True)
    created_at = fields.Timestamp(metadata={"description": "UTC"})
    paid_at = fields.Timestamp(allow_none=True, metadata={"description": "UTC"})


class WithdrawalRulesSchema(Schema):
    min = MoneyField(dump_only=True, metadata={"description": "the least one withdrawal may be"})
    max = MoneyField(dump_only=True, metadata={"description": "the most one withdrawal may be"})
    daily_max = MoneyField(dump_only=True, metadata={"description": "the most over any 24 hours"})
    left = MoneyField(dump_only=True, metadata={"description": "what you may still withdraw in the next 24 hours"})
    fee = MoneyField(dump_only=True, metadata={"description": "taken from the wallet on top of the amount"})
    automatic = fields.Boolean(metadata={"description": "sent by M-Pesa at once (false: paid by our team "
                                                        "within 2 working days)"})


class StatusCheckCreateSchema(Schema):
    EXAMPLE = {"receipt": "SL19A7TT3M"}
    receipt = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9]{8,20}$",
                                                                     error="An M-Pesa receipt: 8 to 20 letters or digits."))


class StatusCheckSchema(Schema):
    id = fields.Integer()
    receipt = fields.String(allow_none=True)
    carrier_id = fields.Integer(allow_none=True)
    asked = fields.Function(lambda c: c.conversation_id is not None or c.refused is None,
                            metadata={"type": "boolean", "description": "Daraja took the request"})
    refused = fields.String(allow_none=True, metadata={"description": "why Daraja did not take it"})
    answered = fields.Function(lambda c: c.answered_at is not None, metadata={"type": "boolean"})
    result_code = fields.String(allow_none=True)
    result_desc = fields.String(allow_none=True)
    transaction_status = fields.String(allow_none=True, metadata={"description": "Completed, Failed..."})
    amount = MoneyField(lambda c: (c.amount, "KES"))
    payer = fields.String(allow_none=True, metadata={"description": "masked"})
    reason_type = fields.String(allow_none=True)
    completed_at = fields.Timestamp(allow_none=True, metadata={"description": "UTC"})
    created_at = fields.Timestamp(metadata={"description": "UTC"})
    answered_at = fields.Timestamp(allow_none=True, metadata={"description": "UTC"})
