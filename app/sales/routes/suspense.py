"""The suspense review: parked operator callbacks and money in ``review_suspense``, for
carrier admins (their carrier's items; another carrier's answer 404) and platform admins
(every item). Each resolution is one use case of ``app.sales.suspense``."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, validate

from app.auth.decorators import auth_required, current_user, ensure_carrier_access
from app.core import fields
from app.core.money import MoneyField
from app.payouts import suspense as review
from app.sales import suspense

blp = Blueprint("suspense", __name__, url_prefix="/api/v1", description="Suspense review: parked callbacks and money")

ADMINS = ("carrier_admin", "platform_admin")
CONFLICT = "Already resolved, no money in suspense, another amount, or the booking cannot take it (see type)"


class SuspenseQuery(Schema):
    open = fields.Boolean(load_default=True, metadata={"description": "only items still to resolve"})


class SuspenseItemSchema(Schema):
    id = fields.Integer()
    source = fields.String(metadata={"description": "which callback: stk, c2b_confirmation, b2c_result..."})
    reason = fields.String(metadata={"description": "why it was parked: amount_mismatch, unknown_account..."})
    receipt = fields.String(allow_none=True)
    provider_ref = fields.String(allow_none=True)
    payment_id = fields.Integer(allow_none=True)
    carrier_id = fields.Integer(allow_none=True)
    in_suspense = MoneyField(lambda i: (i.in_suspense, i.currency) if i.currency else (None, None),
                             allow_none=True, metadata={"description": "money of it still in review_suspense"})
    created_at = fields.Timestamp(metadata={"description": "UTC"})
    resolved_at = fields.Timestamp(allow_none=True, metadata={"description": "UTC"})
    resolved_by = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True, metadata={"description": "what was done, and why"})


class ApplySchema(Schema):
    EXAMPLE = {"order_code": "K7Q2ABCD", "reason": "The passenger typed the code with a typo"}
    order_code = fields.String(required=True, validate=validate.Length(min=4, max=12))
    reason = fields.String(required=True, validate=validate.Length(min=3, max=150))


class RefundSchema(Schema):
    EXAMPLE = {"reason": "Paid twice by mistake", "phone": "+254711000111"}
    reason = fields.String(required=True, validate=validate.Length(min=3, max=150))
    phone = fields.String(load_default=None, validate=validate.Length(max=32),
                          metadata={"description": "the M-Pesa number to refund (default: the payer's, when known)"})


class WriteOffSchema(Schema):
    EXAMPLE = {"reason": "No payer could be found after 90 days"}
    reason = fields.String(required=True, validate=validate.Length(min=3, max=150))


@blp.route("/suspense")
class SuspenseQueue(MethodView):
    @auth_required(*ADMINS)
    @blp.arguments(SuspenseQuery, location="query")
    @blp.response(200, SuspenseItemSchema(many=True))
    def get(self, args):
        """Items to review, oldest first: a carrier admin's carrier's, or every one (platform admins)."""
        return review.queue(current_user(), open_only=args["open"])


@blp.route("/carriers/<int:carrier_id>/suspense")
class CarrierSuspense(MethodView):
    @auth_required(*ADMINS)
    @blp.arguments(SuspenseQuery, location="query")
    @blp.response(200, SuspenseItemSchema(many=True))
    def get(self, args, carrier_id):
        """One carrier's items to review (its bookings' payments), oldest first."""
        ensure_carrier_access(current_user(), carrier_id)
        return review.queue(current_user(), carrier_id=carrier_id, open_only=args["open"])


@blp.route("/suspense/<int:item_id>")
class SuspenseOne(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, SuspenseItemSchema)
    def get(self, item_id):
        return review.get(current_user(), item_id)


@blp.route("/suspense/<int:item_id>/apply")
class SuspenseApply(MethodView):
    @auth_required(*ADMINS)
    @blp.arguments(ApplySchema)
    @blp.response(200, SuspenseItemSchema)
    @blp.alt_response(409, description=CONFLICT)
    def post(self, data, item_id):
        """Its money pays a booking of the same amount: tickets issued, a sale for the carrier."""
        return suspense.apply(current_user(), item_id, data["order_code"], data["reason"])


@blp.route("/suspense/<int:item_id>/refund")
class SuspenseRefund(MethodView):
    @auth_required(*ADMINS)
    @blp.arguments(RefundSchema)
    @blp.response(200, SuspenseItemSchema)
    @blp.alt_response(409, description=CONFLICT)
    def post(self, data, item_id):
        """Its money back to the payer's M-Pesa, as a payout (B2C, or paid by hand)."""
        return suspense.refund(current_user(), item_id, data["reason"], data["phone"])


@blp.route("/suspense/<int:item_id>/write-off")
class SuspenseWriteOff(MethodView):
    @auth_required(*ADMINS)
    @blp.arguments(WriteOffSchema)
    @blp.response(200, SuspenseItemSchema)
    @blp.alt_response(409, description=CONFLICT)
    def post(self, data, item_id):
        """Close it; its money (if any) is written off, with the reason."""
        return suspense.write_off(current_user(), item_id, data["reason"])
