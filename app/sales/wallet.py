"""Wallet balance and top-up, as every channel asks for them.

Why a use case: USSD and SMS each turned a typed "200" into minor units and read the
balance their own way; the amount rules (whole shillings, limits) are the wallet's, the
keypad-to-money step is here, once.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.errors import Unprocessable
from app.extensions import db
from app.payments.service import start_topup
from app.sales.common import Money, PaymentLike, major_to_minor
from app.sales.prompts import guard_prompt
from app.wallet.service import get_wallet, validate_topup_amount
from app.wallet.service import wallet_currency as wallet_service_currency


@dataclass
class TopUpOutcome(PaymentLike):
    """A started top-up. Attributes it lacks are the payment's (the API dumps it as one)."""

    payment: object  # app.payments.models.Payment
    money: Money
    status: str
    message: str | None


def wallet_currency() -> str:
    return wallet_service_currency()


def wallet_balance(user) -> Money:
    """The caller's balance (0 in the wallet currency when they never had a wallet)."""
    wallet = get_wallet(user.id, create=False) if user is not None else None
    return Money(wallet.balance, wallet.currency) if wallet else Money(0, wallet_currency())


def top_up(user, amount: int | Money, *, phone: str | None = None, major: bool = False) -> TopUpOutcome:
    """Top up by M-Pesa. ``amount`` in minor units, or whole units typed on a keypad with
    ``major=True``. Commits. 422 ``invalid-amount`` outside the wallet's limits,
    ``wrong-currency`` for a ``Money`` in another currency; 429 ``too-many-prompts`` when
    the payer's number has had its prompts for now (``app.sales.prompts``)."""
    currency = wallet_currency()
    if isinstance(amount, Money):
        if amount.currency != currency:
            raise Unprocessable(f"This amount must be in {currency}, not {amount.currency}.", slug="wrong-currency")
        amount = amount.amount
    if major:
        amount = major_to_minor(amount, currency)
    validate_topup_amount(amount)  # a refused amount spends no prompt
    guard_prompt(user, phone)  # 429 too-many-prompts before the M-Pesa prompt
    payment = start_topup(user, amount, phone=phone)
    db.session.refresh(payment)
    return TopUpOutcome(payment, Money(amount, currency), payment.status, payment.message)
