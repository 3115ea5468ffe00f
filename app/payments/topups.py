"""Auto-recharge: the M-Pesa top-up a wallet gets when a purchase leaves it under its threshold.

Why in payments and not in the wallet: a top-up is a payment (``purpose="topup"``) that
credits the wallet when it settles, so it is started from here, above the wallet; the
wallet area only keeps the balance and the settings (threshold, last top-up amount).
"""
from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.jobs import enqueue_after_commit
from app.payments.models import Payment
from app.payments.service import start_topup
from app.wallet.service import get_wallet


def maybe_schedule_auto_recharge(user_id: int) -> bool:
    """After a wallet debit: if the balance fell under the threshold, top up after commit."""
    wallet = get_wallet(user_id, create=False)
    if wallet is None or not wallet.auto_recharge_enabled or not wallet.last_topup_amount:
        return False
    if wallet.balance >= wallet.auto_recharge_threshold:
        return False
    enqueue_after_commit("app.payments.topups:run_auto_recharge", user_id)
    return True


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
