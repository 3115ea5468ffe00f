"""Which payment methods can pay an order now (``PaymentOption``, ``payment_options``).

Why a module of their own: ``orders`` shows the options on every ``OrderView`` and
``paying`` builds on ``OrderView``, so the options sit below both (no import circle).
"""
from __future__ import annotations

from dataclasses import dataclass

from app.payments.airtime import AirtimeAmountNotPayable, plan_airtime
from app.wallet.service import get_wallet


@dataclass(frozen=True)
class PaymentOption:
    """A way to pay this order now; ``reason`` (an error slug) says why one is not available."""

    method: str  # mpesa | airtime | wallet
    available: bool
    reason: str | None = None


def payment_options(order) -> list[PaymentOption]:
    """Each method and whether it can pay ``order``'s total now (in ``PAYMENT_METHODS`` order)."""
    options = []
    mpesa_ok = order.currency == "KES"
    options.append(PaymentOption("mpesa", mpesa_ok, None if mpesa_ok else "invalid-method"))
    try:
        plan_airtime(order.total_amount, order.currency)
        options.append(PaymentOption("airtime", True))
    except AirtimeAmountNotPayable:
        options.append(PaymentOption("airtime", False, "airtime-amount-not-payable"))
    wallet = get_wallet(order.user_id, create=False)
    enough = wallet is not None and wallet.currency == order.currency and wallet.balance >= order.total_amount
    options.append(PaymentOption("wallet", enough, None if enough else "insufficient-funds"))
    return options
