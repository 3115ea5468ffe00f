"""Wallet balance, top-up limits and auto-recharge settings.

Money only moves through the ledger (``app.ledger.service.post``); this module keeps the
cached balance in step (``apply_ledger_delta``, on the ledger's ``wallet_moving`` signal).
Top-ups are payments with ``purpose="topup"``: starting them, auto-recharge included, is
the payments area's job (``app.payments.topups``), which sits above the wallet.
"""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.database import transaction_locks, utcnow
from app.errors import ApiError, Unprocessable
from app.extensions import db
from app.wallet.models import Wallet

log = logging.getLogger(__name__)

TOPUP_PRESETS = (10_000, 20_000, 50_000, 100_000)  # KES 100, 200, 500, 1,000 in cents
TOPUP_MIN = 1_000  # KES 10
TOPUP_MAX = 15_000_000  # KES 150,000: M-Pesa's per-transaction cap


class InsufficientFunds(ApiError):
    status, title, slug = 402, "Insufficient funds", "insufficient-funds"


def wallet_currency() -> str:
    return current_app.config.get("WALLET_CURRENCY", "KES")


def get_wallet(user_id: int, *, lock: bool = False, create: bool = True) -> Wallet | None:
    """The user's wallet row (created empty on first use); ``lock`` takes a row lock.

    A wallet this transaction already locked is returned from the session without a new
    query: the lock means nobody else changed it, and our own changes are on the object.
    """
    held = transaction_locks(db.session())
    if held is not None and (Wallet, user_id) in held:
        wallet = db.session.get(Wallet, held[(Wallet, user_id)])
        if wallet is not None:
            return wallet
    query = select(Wallet).where(Wallet.user_id == user_id)
    if lock:
        query = query.with_for_update()
    wallet = db.session.scalar(query)
    if wallet is None and create:
        # INSERT ... ON CONFLICT DO NOTHING: two first movements racing both end up with
        # the one row, without aborting either transaction.
        dialect = db.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        db.session.execute(
            insert(Wallet)
            .values(user_id=user_id, currency=wallet_currency(), balance=0,
                    auto_recharge_enabled=False, auto_recharge_threshold=0, updated_at=utcnow())
            .on_conflict_do_nothing(index_elements=["user_id"])
        )
        wallet = db.session.scalar(query)
    if lock and wallet is not None:
        held = transaction_locks(db.session())
        if held is not None:
            held[(Wallet, user_id)] = wallet.id  # keyed by owner: callers ask by user
    return wallet


def apply_ledger_delta(user_id: int, amount: int, currency: str) -> Wallet:
    """Move the cached balance with a ledger entry; only ``ledger.post`` calls this
    (through its ``wallet_moving`` signal, connected in ``create_app`` by ``on_wallet_moving``)."""
    wallet = get_wallet(user_id, lock=True)
    if currency != wallet.currency:
        raise Unprocessable(
            f"This wallet holds {wallet.currency}; it cannot take {currency}.", slug="wallet-currency"
        )
    if wallet.balance + amount < 0:
        raise InsufficientFunds(
            "Your wallet balance is too low for this payment; top it up or pay by M-Pesa.",
            balance={"amount": wallet.balance, "currency": wallet.currency},
        )
    wallet.balance += amount
    return wallet


def on_wallet_moving(user_id: int, *, amount: int, currency: str) -> None:
    """Receiver of ``app.ledger.service.wallet_moving``: apply the leg to the cached balance."""
    apply_ledger_delta(user_id, amount, currency)


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
    """Turn auto-recharge on/off; it tops up by the amount of the last manual top-up."""
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
    db.session.commit()
    return wallet
