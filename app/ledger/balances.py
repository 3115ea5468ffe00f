"""Balances the ledger keeps itself: one row per account that may never go below zero.

Why kept, and why only these: a passenger's wallet is read on every purchase (is there
enough?) and must never be overdrawn, even by two payments at once. Its balance is a row
that ``post`` moves in the same transaction as the entries, under the row's lock: the
second payment waits, then sees what the first left. Nothing has to be connected for this
to happen (the ledger used to ask the wallet area to move a cached copy, through a signal:
with nothing connected, balances silently stopped moving). Other accounts (a carrier's
payable, the platform's fees, an operator's clearing account) are sums over their entries
(``app.ledger.service.balance``): every sale touches them, and a kept row would make every
sale of the platform wait for the one before it.

Locks: a kept balance is the last row a use case locks (after the order and the payment);
several in one posting are locked in account order, so two postings cannot deadlock.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.database import transaction_locks, utcnow
from app.errors import ApiError, Unprocessable
from app.extensions import db
from app.ledger.models import AccountBalance

KEPT_PREFIXES = ("wallet:",)


class InsufficientFunds(ApiError):
    """A kept balance would go below zero: the movement is refused and nothing changes."""

    status, title, slug = 402, "Insufficient funds", "insufficient-funds"


def keeps_balance(account: str) -> bool:
    """Whether the ledger keeps a balance row for ``account`` (accounts that may not go negative)."""
    return account.startswith(KEPT_PREFIXES)


def open_balance(account: str, currency: str) -> None:
    """Open ``account`` at zero in ``currency`` if it is not open (two openers: one row)."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(AccountBalance)
        .values(account=account, currency=currency, balance=0, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["account"])
    )


def remember_locked(row: AccountBalance) -> None:
    """Note that this transaction holds ``row``'s lock (a later ``lock_balance`` reuses it)."""
    held = transaction_locks(db.session())
    if held is not None:
        held[(AccountBalance, row.account)] = True


def lock_balance(account: str, currency: str) -> AccountBalance:
    """The kept balance of ``account`` under its row lock, freshly read; opened at 0 when new.

    A row this transaction already locked is taken from the session without a query: the
    lock means nobody else changed it, and our own changes are on the object.
    """
    held = transaction_locks(db.session())
    if held is not None and (AccountBalance, account) in held:
        row = db.session.get(AccountBalance, account)
        if row is not None:
            return row
    query = (select(AccountBalance).where(AccountBalance.account == account).with_for_update()
             .execution_options(populate_existing=True))
    row = db.session.scalar(query)
    if row is None:
        open_balance(account, currency)
        row = db.session.scalar(query)
    remember_locked(row)
    return row


def move(row: AccountBalance, amount: int, currency: str) -> None:
    """Apply one leg to a locked kept balance; refuse another currency or an overdraft."""
    if currency != row.currency:
        raise Unprocessable(f"This wallet holds {row.currency}; it cannot take {currency}.", slug="wallet-currency")
    if row.balance + amount < 0:
        raise InsufficientFunds(
            "Your wallet balance is too low for this payment; top it up or pay by M-Pesa.",
            balance={"amount": row.balance, "currency": row.currency},
        )
    row.balance += amount
