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
from app.extensions import unit_of_work
from app.database import utcnow
from app.payouts.service import initiator_ready
from app.payouts.withdrawals import WINDOW, limits, withdrawals_of, withdrawn_since
from app.payouts.withdrawals import withdraw as take_from_wallet
from app.sales.common import Money, major_to_minor
from app.sales.wallet import wallet_balance


@dataclass(frozen=True)
class WithdrawalRules:
    """What a withdrawal may be, for a channel to show: per withdrawal, per 24 hours, the fee;
    ``automatic``: sent by M-Pesa at once (else paid by the platform's team)."""

    low: Money
    high: Money
    daily: Money
    fee: Money
    automatic: bool


@dataclass
class WithdrawalOutcome:
    payout: object  # app.payouts.models.Payout (the API dumps it)
    money: Money
    fee: Money
    balance: Money
    automatic: bool

    @property
    def status(self) -> str:
        return self.payout.status


def withdrawal_rules() -> WithdrawalRules:
    rules = limits()
    return WithdrawalRules(*(Money(value, rules.currency) for value in (rules.low, rules.high, rules.daily, rules.fee)),
                           automatic=initiator_ready())


def withdrawal_rules_for(user) -> dict:
    """The rules as the API shows them, with what the caller may still withdraw today."""
    rules = withdrawal_rules()
    left = max(0, rules.daily.amount - withdrawn_since(user.id, utcnow() - WINDOW))
    return {"min": rules.low.as_dict(), "max": rules.high.as_dict(), "daily_max": rules.daily.as_dict(),
            "left": Money(left, rules.daily.currency).as_dict(), "fee": rules.fee.as_dict(),
            "automatic": rules.automatic}


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
    payout = unit_of_work(lambda: take_from_wallet(user, amount))
    return WithdrawalOutcome(payout, Money(payout.amount, payout.currency), Money(payout.fee, payout.currency),
                             wallet_balance(user), initiator_ready())


def my_withdrawals(user) -> list:
    """The caller's withdrawals, newest first (the last 50)."""
    return withdrawals_of(user.id)
