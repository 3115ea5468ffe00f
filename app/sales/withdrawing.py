"""Withdrawing the wallet to one's own M-Pesa number, as every channel asks for it.

Why a use case: the API, the USSD wallet menu and the SMS ``WITHDRAW 500`` must take the
same amounts, refuse the same ones for the same reasons and say the same thing. The rules
(limits, fee, the number it goes to) are ``app.payouts.withdrawals``; the keypad-to-money
step and the transaction are here, once. The payout is sent after the commit (B2C), or
waits for the platform's team when no API initiator is configured.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.errors import Unprocessable
from app.extensions import db
from app.payouts.withdrawals import limits, withdraw as take_from_wallet, withdrawals_of
from app.sales.common import Money, major_to_minor
from app.sales.wallet import wallet_balance


@dataclass(frozen=True)
class WithdrawalRules:
    """What a withdrawal may be, for a channel to show: per withdrawal, per 24 hours, the fee."""

    low: Money
    high: Money
    daily: Money
    fee: Money


@dataclass
class WithdrawalOutcome:
    payout: object  # app.payouts.models.Payout (the API dumps it)
    money: Money
    fee: Money
    balance: Money

    @property
    def status(self) -> str:
        return self.payout.status


def withdrawal_rules() -> WithdrawalRules:
    rules = limits()
    return WithdrawalRules(*(Money(value, rules.currency) for value in (rules.low, rules.high, rules.daily, rules.fee)))


def withdraw(user, amount: int | Money, *, major: bool = False) -> WithdrawalOutcome:
    """Send ``amount`` of the caller's wallet to their own M-Pesa number. Commits.

    ``amount`` in minor units, a ``Money`` (its currency checked), or whole units typed on a
    keypad with ``major=True``. 422 ``withdrawal-amount``, ``withdrawal-daily-limit``,
    ``withdrawal-number``, ``wrong-currency``; 402 ``insufficient-funds``.
    """
    currency = limits().currency
    if isinstance(amount, Money):
        if amount.currency != currency:
            raise Unprocessable(f"This amount must be in {currency}, not {amount.currency}.", slug="wrong-currency")
        amount = amount.amount
    if major:
        amount = major_to_minor(amount, currency)
    payout = take_from_wallet(user, amount)
    db.session.commit()
    db.session.refresh(payout)
    return WithdrawalOutcome(payout, Money(payout.amount, payout.currency), Money(payout.fee, payout.currency),
                             wallet_balance(user))


def my_withdrawals(user) -> list:
    """The caller's withdrawals, newest first (the last 50)."""
    return withdrawals_of(user.id)
