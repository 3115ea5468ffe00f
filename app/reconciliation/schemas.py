"""What the reconciliation endpoints take and answer (the OpenAPI document is built from these).

Field names of the statement answer are fixed by the contract with accounting tools:
``matched``, ``unknown_here``, ``missing_from_statement``, ``amount_mismatch``, each a list
of objects carrying ``receipt``. Money is ``{"amount", "currency"}`` in minor units; times
are UTC.
"""
from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, validate

from app.core import fields
from app.core.money import MoneyField
from app.reconciliation.models import SHORTCODE_KINDS


class Money(MoneyField):
    """Money the view already wrote (``app.core.money.money``), passed through as it is: an
    answer holds thousands (documented as the shared ``Money`` component like any MoneyField)."""

    def __init__(self, **kwargs):
        super().__init__(dump_only=True, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class StatementUpload(Schema):
    EXAMPLE = {"file": "Organization Short Code:,600638\n"
                       "Receipt No.,Completion Time,Initiation Time,Details,Transaction Status,Paid In,Withdrawn,"
                       "Balance,Balance Confirmed,Reason Type,Other Party Info,Linked Transaction ID,A/C No.\n"
                       "SL19A7TT3M,01-12-2026 09:02:51,01-12-2026 09:02:49,Pay Bill Online,Completed,800.00,,"
                       "\"52,225.60\",true,Pay Bill Online,254722333444 - PETER OTIENO,,KM7QW2XA\n"}

    file = Upload(required=True, metadata={
        "description": "the M-Pesa Org Portal statement export, CSV (Paybill or Till layout)"})


class StatementQuery(Schema):
    shortcode = fields.String(load_default=None, validate=validate.Regexp(r"^\d{5,8}$"), metadata={
        "description": "the shortcode the statement is of, when the file does not say (a Till export "
                       "names only its store)"})


class LineBase(Schema):
    receipt = fields.String(metadata={"description": "M-Pesa receipt number (the transaction's id)"})
    completed_at = fields.Timestamp(metadata={"description": "when M-Pesa completed it (UTC)"})
    amount = Money(metadata={"description": "as the statement says"})


class MatchedLine(LineBase):
    payment_id = fields.Integer()
    order_code = fields.String(allow_none=True, metadata={"description": "the booking it paid (none: a top-up "
                                                                          "or money held for review)"})
    payment_status = fields.String(metadata={
        "description": "the payment's status here; `failed` or `expired` means the money came in by "
                       "another way (the Till) after the prompt failed: settle it by hand"})
    matched_by = fields.String(metadata={"description": "`receipt`, or `amount_payer_time` (Till lines: one "
                                                        "payment fits by amount, payer and time, and only it)"})


class MismatchLine(MatchedLine):
    amount_here = Money(metadata={"description": "what the payment here says"})


class UnknownLine(LineBase):
    account_reference = fields.String(allow_none=True, metadata={"description": "as the customer typed it"})
    payer = fields.String(allow_none=True, metadata={"description": "the payer's number, masked"})


class MissingPayment(Schema):
    receipt = fields.String()
    payment_id = fields.Integer()
    order_code = fields.String(allow_none=True)
    settled_at = fields.Timestamp(metadata={"description": "when the payment was confirmed here (UTC)"})
    amount = Money()


class Tally(Schema):
    count = fields.Integer()
    total = Money(metadata={"description": "sum of the lines' amounts, money out as a "
                                                                "positive amount"})


class LineCounts(Schema):
    in_file = fields.Integer(metadata={"description": "transaction rows in the file"})
    not_completed = fields.Integer(metadata={"description": "rows not `Completed` (no money moved; not stored)"})
    added = fields.Integer(metadata={"description": "lines stored by this upload (0: all imported before)"})


class Reconciliation(Schema):
    carrier_id = fields.Integer()
    shortcode = fields.String()
    layout = fields.String(metadata={"description": "`paybill` or `till`"})
    period_start = fields.Timestamp()
    period_end = fields.Timestamp()
    lines = fields.Nested(LineCounts)
    matched = fields.List(fields.Nested(MatchedLine))
    unknown_here = fields.List(fields.Nested(UnknownLine), metadata={
        "description": "money in the statement that matches no payment of this carrier here"})
    missing_from_statement = fields.List(fields.Nested(MissingPayment), metadata={
        "description": "payments confirmed here within the period that no imported statement of the carrier "
                       "shows (a Till statement: none, no payment here goes to a Till)"})
    amount_mismatch = fields.List(fields.Nested(MismatchLine))
    charges = fields.Nested(Tally)
    sweeps = fields.Nested(Tally, metadata={"description": "transfers to the settlement account"})
    other = fields.Nested(Tally, metadata={"description": "other completed lines (reversals, payouts...)"})
    match_rate = fields.Float(allow_none=True, metadata={
        "description": "matched / money lines (null: no money lines)", "example": 0.985})


class ShortcodeIn(Schema):
    EXAMPLE = {"kind": "paybill", "pull_transactions": True}

    kind = fields.String(required=True, validate=validate.OneOf(SHORTCODE_KINDS))
    store_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120), metadata={
        "description": "a Till's store, as its statement's STORE_NAME says"})
    pull_transactions = fields.Boolean(load_default=False, metadata={
        "description": "registered with Daraja's Pull Transactions API (Paybills): its payments are pulled "
                       "every few minutes and any confirmation that never came is applied"})


class ShortcodeOut(Schema):
    shortcode = fields.String()
    kind = fields.String()
    store_name = fields.String(allow_none=True)
    pull_transactions = fields.Boolean()
    pulled_until = fields.Timestamp(allow_none=True, metadata={"description": "end of the last complete pull (UTC)"})
