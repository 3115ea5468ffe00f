"""Wallet withdrawals to the passenger's own M-Pesa number (``app.sales.withdrawing``).

Served beside the wallet's endpoints, under the same path; its own tag (``withdrawals``).
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.decorators import auth_required, current_user
from app.auth.idempotency import idempotent
from app.payouts.schemas import WithdrawalCreateSchema, WithdrawalRulesSchema, WithdrawalSchema
from app.sales.callers import who_is_calling
from app.sales.common import Money
from app.sales.withdrawing import my_withdrawals, withdraw, withdrawal_rules_for

blp = Blueprint("withdrawals", __name__, url_prefix="/api/v1/wallet/withdrawals",
                description="Wallet withdrawals to your own M-Pesa number")


@blp.route("")
class Withdrawals(MethodView):
    @auth_required()
    @blp.response(200, WithdrawalSchema(many=True))
    def get(self):
        """Your withdrawals, newest first."""
        return my_withdrawals(current_user())

    @auth_required()
    @idempotent
    @blp.arguments(WithdrawalCreateSchema)
    @blp.response(202, WithdrawalSchema)
    @blp.alt_response(402, description="Wallet balance too low for the amount and its fee (insufficient-funds)")
    @blp.alt_response(409, description="An Idempotency-Key in flight or reused with another body")
    def post(self, data):
        """Send part of your wallet to your own M-Pesa number (limits and fee: ``GET .../withdrawals/rules``).

        422 ``withdrawal-amount`` (not whole shillings within the limits), ``withdrawal-daily-limit``
        (over the 24-hour limit), ``withdrawal-number`` (the account has no Kenyan M-Pesa number).
        """
        amount = Money(data["amount"]["amount"], data["amount"]["currency"])
        return withdraw(who_is_calling(user=current_user()), amount).payout


@blp.route("/rules")
class WithdrawalRules(MethodView):
    @auth_required()
    @blp.response(200, WithdrawalRulesSchema)
    def get(self):
        """The withdrawal limits and fee, and what you may still withdraw in the next 24 hours."""
        return withdrawal_rules_for(current_user())
