"""Wallet balance, top-ups and auto-recharge, as every channel asks for them.

Why a use case: USSD and SMS each turned a typed "200" into minor units and read the
balance their own way; the amount rules (whole shillings, limits) are the wallet's, the
keypad-to-money step is here, once. A top-up commits its payment row, asks M-Pesa outside
any transaction, then records the answer (``app.sales.paying.start_with_operator``); the
money arrives later by callback or STK query (``app.sales.confirming``).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.auth.models import User
from app.errors import Unprocessable
from app.extensions import db, unit_of_work
from app.payments.models import Payment
from app.payments.service import open_topup
from app.payments.topups import needs_auto_recharge
from app.sales.common import Money, PaymentLike, major_to_minor
from app.sales.paying import start_with_operator
from app.sales.prompts import guard_prompt
from app.wallet.service import get_wallet, set_auto_recharge, validate_topup_amount, wallet_currency


@dataclass
class TopUpOutcome(PaymentLike):
    """A started top-up. Attributes it lacks are the payment's (the API dumps it as one)."""

    payment: object  # app.payments.models.Payment
    money: Money
    status: str
    message: str | None


def wallet_balance(user) -> Money:
    """The caller's balance (0 in the wallet currency when they never had a wallet)."""
    wallet = get_wallet(user.id, create=False) if user is not None else None
    return Money(wallet.balance, wallet.currency) if wallet else Money(0, wallet_currency())


def wallet_of(user):
    """The caller's wallet (opened empty on first use: one unit of work)."""
    return unit_of_work(lambda: get_wallet(user.id))


def auto_recharge(user, *, enabled: bool, threshold: int):
    """Turn auto-recharge on or off (one unit of work); 422 ``no-previous-topup``, ``invalid-amount``."""
    return unit_of_work(lambda: set_auto_recharge(user, enabled=enabled, threshold=threshold))


def top_up(user, amount: int | Money, *, phone: str | None = None, major: bool = False) -> TopUpOutcome:
    """Top up by M-Pesa. ``amount`` in minor units, or whole units typed on a keypad with
    ``major=True``. 422 ``invalid-amount`` outside the wallet's limits, ``wrong-currency``
    for a ``Money`` in another currency; 429 ``too-many-prompts`` when the payer's number
    has had its prompts for now (``app.sales.prompts``)."""
    currency = wallet_currency()
    if isinstance(amount, Money):
        if amount.currency != currency:
            raise Unprocessable(f"This amount must be in {currency}, not {amount.currency}.", slug="wrong-currency")
        amount = amount.amount
    if major:
        amount = major_to_minor(amount, currency)
    validate_topup_amount(amount)  # a refused amount spends no prompt
    guard_prompt(user, phone)  # 429 too-many-prompts before the M-Pesa prompt
    payment = start_with_operator(unit_of_work(lambda: open_topup(user, amount, phone=phone)))
    db.session.refresh(payment)  # the sandbox (inline jobs) may have settled it already
    return TopUpOutcome(payment, Money(amount, currency), payment.status, payment.message)


def run_auto_recharge(user_id: int) -> Payment | None:
    """Job (queued by a wallet purchase that left the balance under its threshold): top up
    by the last manual amount, unless a top-up is already under way."""

    def open_if_needed():
        wallet = get_wallet(user_id, create=False)
        user = db.session.get(User, user_id)
        if user is None or not needs_auto_recharge(wallet):
            return None
        in_flight = db.session.scalar(select(Payment.id).where(
            Payment.user_id == user_id, Payment.purpose == "topup", Payment.status.in_(("initiated", "pending"))))
        return None if in_flight else open_topup(user, wallet.last_topup_amount, auto=True)

    opened = unit_of_work(open_if_needed)
    return start_with_operator(opened) if opened is not None else None
