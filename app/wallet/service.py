"""Wallet balance, top-up limits and auto-recharge settings.

Money only moves through the ledger (``app.ledger.service.post``), which keeps the wallet's
balance itself (``app.ledger.balances``); this module reads it with the wallet's settings.
Top-ups are payments with ``purpose="topup"``: starting them, auto-recharge included, is
the job of the use cases above (``app.sales.wallet``). Nothing here commits.
"""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.database import transaction_locks, utcnow
from app.errors import Unprocessable
from app.extensions import db
from app.ledger.balances import InsufficientFunds  # noqa: F401 - a wallet too short; raised by the ledger
from app.ledger.balances import open_balance, remember_locked
from app.ledger.models import AccountBalance
from app.ledger.service import wallet_account
from app.wallet.models import Wallet

log = logging.getLogger(__name__)

TOPUP_PRESETS = (10_000, 20_000, 50_000, 100_000)  # KES 100, 200, 500, 1,000 in cents
TOPUP_MIN = 1_000  # KES 10
TOPUP_MAX = 15_000_000  # KES 150,000: M-Pesa's per-transaction cap


def wallet_currency() -> str:
    return current_app.config.get("WALLET_CURRENCY", "KES")


def _read(user_id: int, lock: bool) -> tuple[AccountBalance | None, Wallet | None]:
    """The ledger's balance row and the wallet row, in one query (either may be missing).

    ``lock`` takes the balance row's lock (the money's lock) and re-reads both rows, so a
    wallet this session loaded earlier shows what it holds now, not what it held then.
    """
    query = (select(AccountBalance, Wallet)
             .outerjoin(Wallet, Wallet.user_id == user_id)
             .where(AccountBalance.account == wallet_account(user_id)))
    if lock:
        query = query.with_for_update(of=AccountBalance).execution_options(populate_existing=True)
    found = db.session.execute(query).first()
    return (found[0], found[1]) if found else (None, None)


def _insert_wallet(user_id: int, currency: str) -> None:
    # INSERT ... ON CONFLICT DO NOTHING: two first movements racing both end up with the
    # one row, without aborting either transaction.
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(Wallet)
        .values(user_id=user_id, currency=currency, auto_recharge_enabled=False, auto_recharge_threshold=0,
                updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id"])
    )


def get_wallet(user_id: int, *, lock: bool = False, create: bool = True) -> Wallet | None:
    """The user's wallet with its balance (opened empty on first use); ``lock`` takes the
    balance's row lock, re-reading it (another request may just have moved money).

    ``create=False``: None when the user never had a wallet; a wallet the ledger opened by a
    movement but whose settings row was never written comes back unsaved, with defaults.
    A wallet this transaction already locked is returned from the session without a query.
    """
    held = transaction_locks(db.session())
    if held is not None and (Wallet, user_id) in held:
        return held[(Wallet, user_id)]
    row, wallet = _read(user_id, lock)
    if row is None and create:
        open_balance(wallet_account(user_id), wallet_currency())
        row, wallet = _read(user_id, lock)
    if row is None:
        return None
    if wallet is None:
        if create:
            _insert_wallet(user_id, row.currency)
            wallet = db.session.scalar(select(Wallet).where(Wallet.user_id == user_id))
        else:
            wallet = Wallet(user_id=user_id, currency=row.currency, auto_recharge_enabled=False,
                            auto_recharge_threshold=0, last_topup_amount=None)
    wallet.__dict__["_balance_row"] = row
    if lock:
        remember_locked(row)
        if held is not None:
            held[(Wallet, user_id)] = wallet  # keyed by owner: callers ask by user
    return wallet


def validate_topup_amount(amount: int) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise Unprocessable("The amount must be an integer count of cents.", slug="invalid-amount")
    if amount < TOPUP_MIN or amount > TOPUP_MAX:
        raise Unprocessable(
            "A top-up must be between KES 10 and KES 150,000.", slug="invalid-amount",
            errors={"amount": ["Must be between 1000 and 15000000 (KES 10 to KES 150,000)."]},
        )
    if amount % 100:
        raise Unprocessable(
            "M-Pesa takes whole shillings: the amount must be a multiple of 100 cents.",
            slug="invalid-amount", errors={"amount": ["Must be a whole number of shillings."]},
        )


def set_auto_recharge(user, *, enabled: bool, threshold: int) -> Wallet:
    """Turn auto-recharge on/off; it tops up by the amount of the last manual top-up. Never commits."""
    if threshold < 0 or threshold > TOPUP_MAX:
        raise Unprocessable("The threshold must be between 0 and KES 150,000.", slug="invalid-amount")
    wallet = get_wallet(user.id, lock=True)
    if enabled and not wallet.last_topup_amount:
        raise Unprocessable(
            "Top up once by M-Pesa first: auto-recharge repeats your last top-up amount.",
            slug="no-previous-topup",
        )
    wallet.auto_recharge_enabled = enabled
    wallet.auto_recharge_threshold = threshold
    return wallet
