"""Posting to the ledger and reading balances and statements from it.

``post`` is the only writer. It refuses an unbalanced set (per currency), is idempotent
on (kind, ref) and moves the balance it keeps for each account that may not go negative
(``app.ledger.balances``: a wallet) in the same transaction, under that row's lock, so a
wallet is never overdrawn (the database's ``CHECK balance >= 0`` refuses it even if a
caller forgot to check). It never commits: the caller's business change and its money
movement commit together or not at all.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.extensions import db
from app.ledger.balances import keeps_balance, lock_balance, move
from app.ledger import one_trip
from app.ledger.models import LedgerEntry, LedgerTransaction

# Where a carrier's "day" starts, by its country (statements are per local day).
COUNTRY_ZONES = {
    "KE": "Africa/Nairobi", "UG": "Africa/Kampala", "TZ": "Africa/Dar_es_Salaam",
    "RW": "Africa/Kigali", "NG": "Africa/Lagos", "GH": "Africa/Accra", "SN": "Africa/Dakar",
}


class UnbalancedTransaction(ValueError):
    """The entries do not sum to zero in some currency: a programming error, never posted."""


@dataclass(frozen=True)
class Leg:
    account: str
    amount: int
    currency: str


@dataclass(frozen=True)
class Posted:
    transaction: LedgerTransaction
    created: bool  # False: (kind, ref) was already posted and nothing moved


# ---- account names (one place, so a typo cannot open a new account)
def wallet_account(user_id: int) -> str:
    return f"wallet:{user_id}"


def carrier_payable(carrier_id: int) -> str:
    return f"carrier_payable:{carrier_id}"


def payouts_pending(carrier_id: int) -> str:
    return f"payouts_pending:{carrier_id}"


def provider_clearing(provider: str) -> str:
    return f"provider_clearing:{provider}"


def cash_drawer(agent_id: int) -> str:
    """The cash in an agent's counter drawer (an asset: negative while it holds cash)."""
    return f"cash_drawer:{agent_id}"


def counter_cash(carrier_id: int) -> str:
    """Cash the carrier holds from its counters: floats handed out (positive) and the
    counted cash handed back at each closing (negative), so it is the carrier's cash in hand."""
    return f"counter_cash:{carrier_id}"


def cash_over_short(carrier_id: int) -> str:
    """Differences between a drawer's count and the ledger: over (positive) or short (negative)."""
    return f"cash_over_short:{carrier_id}"


PLATFORM_FEES = "platform_fees"
# Wallet balances of deleted accounts, owed back to their M-Pesa numbers by the platform
# (wallet money is held by the platform, not by a carrier).
PLATFORM_PAYOUTS_PENDING = "payouts_pending:platform"
REVIEW_SUSPENSE = "review_suspense"
# Money held at the platform's B2C shortcode (an asset, like provider_clearing:mpesa for the
# Paybill): payouts to M-Pesa leave from here (app.payouts).
B2C_CLEARING = "provider_clearing:mpesa_b2c"
# Money in review_suspense nobody could be found to give back, written off with a reason
# (app.payouts.suspense): the platform's, like a fee.
SUSPENSE_WRITTEN_OFF = "suspense_written_off"


def post(
    kind: str,
    ref: str,
    legs: list[Leg],
    *,
    carrier_id: int | None = None,
    order_id: int | None = None,
    payment_id: int | None = None,
    memo: str | None = None,
    now: datetime | None = None,
    known_new: bool = False,
) -> Posted:
    """Record one balanced movement of money; a repeat of (kind, ref) moves nothing.

    Raises ``UnbalancedTransaction`` for a set that does not sum to zero per currency,
    ``InsufficientFunds`` (402) when a kept balance (a wallet) would go below zero and 422
    ``wallet-currency`` for a leg in another currency than that account's.
    ``known_new``: the caller's own lock guarantees (kind, ref) was never posted, so the
    look-up is skipped; the unique constraint on (kind, ref) still refuses a repeat, as an
    ``IntegrityError`` that aborts the caller's transaction instead of a silent no-op.
    """
    if not known_new:
        existing = db.session.scalar(
            select(LedgerTransaction).where(LedgerTransaction.kind == kind, LedgerTransaction.ref == ref)
        )
        if existing is not None:
            return Posted(existing, False)
    legs = [leg for leg in legs if leg.amount != 0]
    if not legs:
        raise UnbalancedTransaction(f"{kind}:{ref} has no non-zero entries")
    totals: dict[str, int] = defaultdict(int)
    for leg in legs:
        if not isinstance(leg.amount, int) or isinstance(leg.amount, bool):
            raise UnbalancedTransaction("ledger amounts are integer minor units")
        totals[leg.currency] += leg.amount
    if any(totals.values()):
        raise UnbalancedTransaction(f"{kind}:{ref} does not balance: {dict(totals)}")

    # Kept balances are locked in account order, so two postings touching the same ones cannot deadlock.
    moved = []
    for leg in sorted(legs, key=lambda leg: leg.account):
        if keeps_balance(leg.account):
            row = lock_balance(leg.account, leg.currency)
            move(row, leg.amount, leg.currency)
            moved.append((row, leg.amount))
    if one_trip.supported():
        txn = one_trip.insert_posting(kind, ref, legs, moved, carrier_id=carrier_id, order_id=order_id,
                                      payment_id=payment_id, memo=memo[:200] if memo else None, now=now)
        return Posted(txn, True)

    txn = LedgerTransaction(
        kind=kind, ref=ref, carrier_id=carrier_id, order_id=order_id, payment_id=payment_id,
        memo=memo[:200] if memo else None,
    )
    if now is not None:
        txn.created_at = now
    txn.entries = [LedgerEntry(account=leg.account, amount=leg.amount, currency=leg.currency) for leg in legs]
    db.session.add(txn)
    db.session.flush()  # the (kind, ref) unique constraint is the backstop for a race
    return Posted(txn, True)


def balance(account: str, currency: str) -> int:
    """An account's balance: the sum of its entries (no stored tally to drift)."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
                LedgerEntry.account == account, LedgerEntry.currency == currency
            )
        )
    )


def account_history(account: str, *, limit: int = 50, before_id: int | None = None) -> list[tuple]:
    """(entry, transaction) pairs of one account, newest first."""
    query = (
        select(LedgerEntry, LedgerTransaction)
        .join(LedgerTransaction, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(LedgerEntry.account == account)
        .order_by(LedgerEntry.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(LedgerEntry.id < before_id)
    return list(db.session.execute(query).all())


def carrier_statement(carrier, day: date) -> dict:
    """A carrier's day in the ledger: sales, refunds, fees and the net owed to it.

    Everything is derived from the entries of transactions tagged with the carrier whose
    ``created_at`` falls on ``day`` in the carrier's local zone: gross sales are what
    passengers paid, fees the platform's cut net of fees given back on refunds, and net
    payable the change of ``carrier_payable:<id>`` that day.
    """
    zone = ZoneInfo(COUNTRY_ZONES.get(carrier.country, "UTC"))
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = start + timedelta(days=1)
    payable = carrier_payable(carrier.id)
    rows = db.session.execute(
        select(
            LedgerTransaction.kind, LedgerEntry.account, LedgerEntry.currency,
            func.sum(LedgerEntry.amount), func.count(func.distinct(LedgerTransaction.id)),
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(
            LedgerTransaction.carrier_id == carrier.id,
            LedgerTransaction.created_at >= start,
            LedgerTransaction.created_at < end,
            LedgerEntry.account.in_([payable, PLATFORM_FEES]),
        )
        .group_by(LedgerTransaction.kind, LedgerEntry.account, LedgerEntry.currency)
    ).all()
    per_currency: dict[str, dict] = {}
    for kind, account, currency, total, count in rows:
        s = per_currency.setdefault(
            currency,
            {"currency": currency, "sales": {"count": 0, "amount": 0},
             "refunds": {"count": 0, "amount": 0}, "fees": 0, "net_payable": 0},
        )
        total = int(total)
        if account == payable:
            s["net_payable"] += total
        else:
            s["fees"] += total
        if kind == "sale":
            s["sales"]["amount"] += total
            s["sales"]["count"] = max(s["sales"]["count"], int(count))
        elif kind == "refund":
            s["refunds"]["amount"] -= total
            s["refunds"]["count"] = max(s["refunds"]["count"], int(count))
    if not per_currency:
        per_currency[carrier.currency] = {
            "currency": carrier.currency, "sales": {"count": 0, "amount": 0},
            "refunds": {"count": 0, "amount": 0}, "fees": 0, "net_payable": 0,
        }
    for s in per_currency.values():
        s["balance_payable"] = balance(payable, s["currency"])
        s["payouts_pending"] = balance(payouts_pending(carrier.id), s["currency"])
    return {"carrier_id": carrier.id, "date": day.isoformat(), "timezone": zone.key,
            "totals": list(per_currency.values())}
