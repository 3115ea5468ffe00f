"""Wallet endpoints: balance, history, top-ups by M-Pesa, auto-recharge.

Served from the sales layer: a top-up is a sales use case (``app.sales.wallet.top_up``,
the one USSD and SMS call), above payments and the wallet they credit; the OpenAPI tag
stays ``wallet``.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.decorators import auth_required, current_user
from app.auth.idempotency import idempotent
from app.core.money import amount_in, money
from app.ledger.service import account_history, wallet_account
from app.payments.schemas import PaymentSchema
from app.sales.callers import who_is_calling
from app.sales.wallet import auto_recharge, top_up, wallet_of
from app.wallet.schemas import AutoRechargeSchema, TopUpSchema, WalletEntrySchema, WalletHistoryQuery, WalletSchema
from app.wallet.service import TOPUP_MAX, TOPUP_MIN, TOPUP_PRESETS, wallet_currency

blp = Blueprint("wallet", __name__, url_prefix="/api/v1/wallet", description="Prepaid wallet")


def _wallet_view(wallet) -> dict:
    c = wallet.currency
    return {
        "balance": {"amount": wallet.balance, "currency": c},
        "presets": [{"amount": a, "currency": c} for a in TOPUP_PRESETS],
        "limits": {"min": {"amount": TOPUP_MIN, "currency": c}, "max": {"amount": TOPUP_MAX, "currency": c}},
        "auto_recharge": _auto_recharge_view(wallet),
    }


def _auto_recharge_view(wallet) -> dict:
    last = wallet.last_topup_amount
    return {"enabled": wallet.auto_recharge_enabled, "threshold": money(wallet.auto_recharge_threshold, wallet.currency),
            "amount": money(last, wallet.currency) if last else None}


@blp.route("")
class WalletResource(MethodView):
    @auth_required()
    @blp.response(200, WalletSchema)
    def get(self):
        """Your balance, the top-up presets and limits, and auto-recharge settings."""
        return _wallet_view(wallet_of(current_user()))


@blp.route("/transactions")
class WalletTransactions(MethodView):
    @auth_required()
    @blp.arguments(WalletHistoryQuery, location="query")
    @blp.response(200, WalletEntrySchema(many=True))
    def get(self, args):
        """Your wallet's movements, newest first (from the ledger)."""
        rows = account_history(wallet_account(current_user().id), limit=args["limit"], before_id=args["before"])
        return [
            {"id": e.id, "kind": t.kind, "amount": {"amount": e.amount, "currency": e.currency}, "memo": t.memo,
             "order_id": t.order_id, "payment_id": t.payment_id, "created_at": t.created_at}
            for e, t in rows
        ]


@blp.route("/top-ups")
class TopUps(MethodView):
    @auth_required()
    @idempotent
    @blp.arguments(TopUpSchema)
    @blp.response(202, PaymentSchema)
    def post(self, data):
        """Top up by M-Pesa: a preset or any whole-shilling amount from KES 10 to KES 150,000.

        Prompts to one phone are limited (a few a minute, fewer to a number not your own):
        beyond that 429 ``too-many-prompts`` with ``Retry-After``, and no prompt.
        """
        return top_up(who_is_calling(user=current_user()), amount_in(data["amount"], wallet_currency()),
                      phone=data["phone"])


@blp.route("/auto-recharge")
class AutoRecharge(MethodView):
    @auth_required()
    @blp.arguments(AutoRechargeSchema)
    @blp.response(200, AutoRechargeSchema)
    def put(self, data):
        """When a wallet purchase leaves less than ``threshold``, top up by your last manual top-up."""
        threshold = amount_in(data["threshold"], wallet_currency(), field="threshold")
        return _auto_recharge_view(auto_recharge(current_user(), enabled=data["enabled"], threshold=threshold))
