"""Auto-recharge: the M-Pesa top-up a wallet gets when a purchase leaves it under its threshold.

Why in payments and not in the wallet: a top-up is a payment (``purpose="topup"``) that
credits the wallet when it settles, so it is started from here, above the wallet; the
wallet area only keeps the balance and the settings (threshold, last top-up amount).
Settlement decides after a wallet debit whether one is due and enqueues ``run_auto_recharge``
by name (``app.payments.settlement``), so settlement never imports the payment service.
"""
from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.payments.models import Payment
from app.payments.service import start_topup
from app.wallet.service import get_wallet


def run_auto_recharge(user_id: int):
    """Job: start the STK push of an auto-recharge unless one is already under way."""
    wallet = get_wallet(user_id, create=False)
    user = db.session.get(User, user_id)
    if wallet is None or user is None or not wallet.auto_recharge_enabled:
        return None
    if wallet.balance >= wallet.auto_recharge_threshold or not wallet.last_topup_amount:
        return None
    in_flight = db.session.scalar(
        select(Payment.id).where(
            Payment.user_id == user_id, Payment.purpose == "topup",
            Payment.status.in_(("initiated", "pending")),
        )
    )
    if in_flight:
        return None
    return start_topup(user, wallet.last_topup_amount, auto=True)
