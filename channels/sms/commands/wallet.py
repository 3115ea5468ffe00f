"""BAL, TOPUP and WITHDRAW: the wallet's balance, an M-Pesa prompt to add to it, and
sending part of it back to the sender's own M-Pesa."""
from __future__ import annotations

from app.sales.wallet import top_up, wallet_balance
from app.sales.withdrawing import withdraw as withdraw_from_wallet
from app.sales.withdrawing import withdrawal_rules
from channels.sms.commands.parse import Inbound

CURRENCY_WORDS = {"KES", "KSH", "KSHS", "SH", "SHS", "XOF", "CFA", "FCFA", "TZS", "UGX"}


def balance(msg: Inbound, args: list[str]) -> str:
    """The balance (an account without a wallet yet has 0 in the wallet currency)."""
    return msg.t("sms_balance", balance=msg.money(wallet_balance(msg.user)))


def topup(msg: Inbound, args: list[str]) -> str:
    """``TOPUP 200`` (``TOPUP KES 200``, ``TOPUP 200 KSH``): an M-Pesa prompt for that many units."""
    args = [word for word in args if word not in CURRENCY_WORDS]
    if len(args) != 1 or not args[0].isdigit():
        return msg.t("sms_topup_usage")
    outcome = top_up(msg.user, int(args[0]), phone=msg.phone, major=True)
    if outcome.failed:
        return msg.t("payment_failed", reason=outcome.message or "")
    return msg.t("topup_started", amount=msg.money(outcome.money))


def withdraw(msg: Inbound, args: list[str]) -> str:
    """``WITHDRAW 500`` (``RETIRER 500``, ``TOA 500``): that many units to the sender's own M-Pesa.

    A refusal (limits, balance, no M-Pesa number) comes back as its catalogue line
    (``error:withdrawal-*``, through the inbound handler).
    """
    args = [word for word in args if word not in CURRENCY_WORDS]
    if len(args) != 1 or not args[0].isdigit() or len(args[0]) > 9 or int(args[0]) == 0:
        rules = withdrawal_rules()
        return msg.t("sms_withdraw_usage", low=msg.money(rules.low), high=msg.money(rules.high))
    outcome = withdraw_from_wallet(msg.user, int(args[0]), major=True)
    return msg.t("withdrawal_started" if outcome.automatic else "withdrawal_by_hand", amount=msg.money(outcome.money),
                 fee=msg.money(outcome.fee), balance=msg.money(outcome.balance))
