"""Withdrawing the wallet to one's own M-Pesa number: the rules, once for every channel.

Why here and not in each channel: the API, USSD and SMS must refuse the same amounts
with the same reasons. A withdrawal takes the amount and the fee from the wallet at once
(one balanced ledger transaction, under the wallet's lock, so two withdrawals cannot
spend one balance), and becomes a payout to the account's own number: sent by B2C when
an API initiator is configured, else paid by the platform's team by hand.

Limits (settings, minor units of the wallet currency): ``WITHDRAWAL_MIN`` and
``WITHDRAWAL_MAX`` per withdrawal, ``WITHDRAWAL_DAILY_MAX`` over any 24 hours (a withdrawal
given back to the wallet does not count), ``WITHDRAWAL_FEE`` on top (0: free). M-Pesa pays
whole shillings, so the amount is one.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.core.phone import InvalidPhone, normalize_phone
from app.database import utcnow
from app.errors import Unprocessable
from app.extensions import db
from app.ledger.service import PLATFORM_FEES, PLATFORM_PAYOUTS_PENDING, Leg, post, wallet_account
from app.messaging import Amount, money
from app.payouts.models import Payout
from app.payouts.service import create_payout
from app.wallet.service import InsufficientFunds, get_wallet, wallet_currency

WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Limits:
    low: int
    high: int
    daily: int
    fee: int
    currency: str


def limits() -> Limits:
    config = current_app.config
    return Limits(int(config.get("WITHDRAWAL_MIN") or 10_000), int(config.get("WITHDRAWAL_MAX") or 7_000_000),
                  int(config.get("WITHDRAWAL_DAILY_MAX") or 15_000_000), int(config.get("WITHDRAWAL_FEE") or 0),
                  wallet_currency())


class WithdrawalRefused(Unprocessable):
    """422 with the values its catalogue text (``error:<slug>``) needs on USSD and SMS."""

    def __init__(self, detail: str, *, slug: str, message_values: dict, **kwargs):
        super().__init__(detail, slug=slug, **kwargs)
        self.message_values = message_values


def withdrawn_since(user_id: int, since: datetime) -> int:
    """What the user withdrew since ``since`` (withdrawals given back do not count)."""
    return int(db.session.scalar(select(func.coalesce(func.sum(Payout.amount), 0)).where(
        Payout.user_id == user_id, Payout.kind == "withdrawal", Payout.created_at >= since,
        Payout.status != "returned")))


def _own_mpesa_number(user) -> str:
    try:
        phone = normalize_phone(user.phone or "", "KE")
    except InvalidPhone:
        phone = ""
    if not phone.startswith(("+2547", "+2541")):
        raise WithdrawalRefused("Withdrawals go to your own Kenyan M-Pesa number; this account has none.",
                                slug="withdrawal-number", message_values={})
    return phone


def withdraw(user, amount: int, *, now: datetime | None = None) -> Payout:
    """Take ``amount`` (and the fee) from ``user``'s wallet and pay it to their M-Pesa. Never commits.

    422 ``withdrawal-amount`` (not a whole amount within the limits), ``withdrawal-daily-limit``,
    ``withdrawal-number`` (no Kenyan M-Pesa number); 402 ``insufficient-funds``.
    """
    rules = limits()
    now = now or utcnow()
    if isinstance(amount, bool) or not isinstance(amount, int) or amount % 100 or not rules.low <= amount <= rules.high:
        raise WithdrawalRefused(
            f"A withdrawal is a whole amount from {money(rules.low, rules.currency, 'en')} to "
            f"{money(rules.high, rules.currency, 'en')}.", slug="withdrawal-amount",
            message_values={"low": Amount(rules.low, rules.currency), "high": Amount(rules.high, rules.currency)},
            errors={"amount": [f"Whole shillings from {rules.low} to {rules.high} minor units."]})
    phone = _own_mpesa_number(user)
    wallet = get_wallet(user.id, lock=True, create=False)
    balance = wallet.balance if wallet is not None else 0
    if balance < amount + rules.fee:
        raise InsufficientFunds(
            "Your wallet balance is too low for this withdrawal and its fee.",
            balance={"amount": balance, "currency": rules.currency})
    left = rules.daily - withdrawn_since(user.id, now - WINDOW)
    if amount > left:
        raise WithdrawalRefused(
            "This would go over the withdrawal limit for 24 hours.", slug="withdrawal-daily-limit",
            message_values={"amount": Amount(max(0, left), rules.currency)}, left={"amount": max(0, left),
                                                                                    "currency": rules.currency})
    ref = f"withdrawal:{user.id}:{uuid.uuid4().hex}"
    post("withdrawal", ref, [
        Leg(wallet_account(user.id), -(amount + rules.fee), rules.currency),
        Leg(PLATFORM_PAYOUTS_PENDING, amount, rules.currency),
        Leg(PLATFORM_FEES, rules.fee, rules.currency),
    ], memo="withdrawal to M-Pesa", now=now)
    return create_payout("withdrawal", ref, amount=amount, currency=rules.currency, account=PLATFORM_PAYOUTS_PENDING,
                         phone=phone, actor=f"user:{user.id}", reason="withdrawal to own M-Pesa", user_id=user.id,
                         fee=rules.fee, now=now)


def withdrawals_of(user_id: int, limit: int = 50) -> list[Payout]:
    return list(db.session.scalars(select(Payout).where(Payout.user_id == user_id, Payout.kind == "withdrawal")
                                   .order_by(Payout.id.desc()).limit(limit)))
