"""Payment endpoints: pay an order, read a payment (translation onto ``app.sales.paying``)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.decorators import auth_required, current_user
from app.auth.idempotency import idempotent
from app.payments.schemas import PaymentCreateSchema, PaymentSchema
from app.sales.callers import who_is_calling
from app.sales.paying import pay_order, payment_status

blp = Blueprint("payments", __name__, url_prefix="/api/v1", description="Paying orders")


@blp.route("/orders/<int:order_id>/payments")
class OrderPayments(MethodView):
    @auth_required()
    @idempotent
    @blp.arguments(PaymentCreateSchema)
    @blp.response(202, PaymentSchema)
    def post(self, data, order_id):
        """Pay an order by M-Pesa (prompt on the phone), airtime or the wallet (settled at once).

        Answers 202 with the payment and the sentence to show (``message``); poll
        ``GET /payments/{id}`` until ``status`` is ``succeeded`` or ``failed``. A failed
        payment lists ``other_methods`` that can pay the order now; its seats stay held.
        Prompts to one phone are limited (a few a minute, fewer to a number not your own):
        beyond that 429 ``too-many-prompts`` with ``Retry-After``, and no prompt.
        """
        return pay_order(who_is_calling(user=current_user()), order_id, data["method"], phone=data["phone"])


@blp.route("/payments/<int:payment_id>")
class PaymentResource(MethodView):
    @auth_required()
    @blp.response(200, PaymentSchema)
    def get(self, payment_id):
        """One of your payments, with what to tell the passenger (and, failed, what to try next)."""
        return payment_status(current_user(), payment_id)
