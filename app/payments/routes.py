"""Payment endpoints: pay an order, read a payment."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.decorators import auth_required, current_user
from app.auth.idempotency import idempotent
from app.errors import NotFound
from app.extensions import db
from app.payments.models import Payment
from app.payments.schemas import PaymentCreateSchema, PaymentSchema
from app.payments.service import start_payment

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
        ``GET /payments/{id}`` until ``status`` is ``succeeded`` or ``failed``.
        """
        from app.booking.service import get_order_for

        order = get_order_for(current_user(), order_id)
        return start_payment(order, data["method"], phone=data["phone"])


@blp.route("/payments/<int:payment_id>")
class PaymentResource(MethodView):
    @auth_required()
    @blp.response(200, PaymentSchema)
    def get(self, payment_id):
        """One of your payments, with what to tell the passenger."""
        payment = db.session.get(Payment, payment_id)
        user = current_user()
        if payment is None or (payment.user_id != user.id and user.role != "platform_admin"):
            raise NotFound("There is no such payment.", slug="payment-not-found")
        return payment
