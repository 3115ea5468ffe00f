"""Auto-recharge: the M-Pesa top-up a wallet gets when a purchase leaves it under its threshold.

Why in payments and not in the wallet: a top-up is a payment (``purpose="topup"``) that
credits the wallet when it settles; the wallet area only keeps the settings (threshold,
last top-up amount). A wallet purchase asks here after it settles; the top-up itself is
a use case (``app.sales.wallet.run_auto_recharge``, which starts an STK push like any
top-up), queued by job name after the purchase commits: payments sits below sales.
"""
from __future__ import annotations

from app.jobs import enqueue_after_commit
from app.wallet.service import get_wallet

AUTO_RECHARGE_JOB = "app.sales.wallet:run_auto_recharge"


def needs_auto_recharge(wallet) -> bool:
    """The wallet asked for auto-recharge, knows how much, and is under its threshold."""
    return (wallet is not None and wallet.auto_recharge_enabled and bool(wallet.last_topup_amount)
            and wallet.balance < wallet.auto_recharge_threshold)


def maybe_schedule_auto_recharge(user_id: int) -> bool:
    """After a wallet debit: if the balance fell under the threshold, top up after commit."""
    if not needs_auto_recharge(get_wallet(user_id, create=False)):
        return False
    enqueue_after_commit(AUTO_RECHARGE_JOB, user_id)
    return True
