"""BAL and TOPUP: the wallet's balance, and an M-Pesa prompt to add to it."""
from __future__ import annotations

from app.core.money import MINOR_UNITS, format_money
from channels.sms.commands.parse import Inbound

CURRENCY_WORDS = {"KES", "KSH", "KSHS", "SH", "SHS", "XOF", "CFA", "FCFA", "TZS", "UGX"}


def balance(msg: Inbound, args: list[str]) -> str:
    """The balance (an account without a wallet yet has 0 in the wallet currency)."""
    from app.wallet.service import get_wallet, wallet_currency

    wallet = get_wallet(msg.user.id, create=False)
    amount, currency = (wallet.balance, wallet.currency) if wallet else (0, wallet_currency())
    return msg.t("sms_balance", balance=format_money(amount, currency))


def topup(msg: Inbound, args: list[str]) -> str:
    """``TOPUP 200`` (``TOPUP KES 200``, ``TOPUP 200 KSH``): an M-Pesa prompt for that many units."""
    from app.payments.service import start_topup
    from app.wallet.service import wallet_currency

    args = [word for word in args if word not in CURRENCY_WORDS]
    if len(args) != 1 or not args[0].isdigit():
        return msg.t("sms_topup_usage")
    currency = wallet_currency()
    amount = int(args[0]) * 10 ** MINOR_UNITS.get(currency, 2)
    payment = start_topup(msg.user, amount, phone=msg.phone)
    if payment.status == "failed":
        return msg.t("payment_failed", reason=payment.message or "")
    return msg.t("topup_started", amount=format_money(amount, currency))
