"""BAL and TOPUP: the wallet's balance, and an M-Pesa prompt to add to it."""
from __future__ import annotations

from app.sales.wallet import top_up, wallet_balance
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
