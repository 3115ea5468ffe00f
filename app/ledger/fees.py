"""The platform's commission and the operators' charges, as the ledger records them.

Why here and not in each caller: a sale takes the commission, a refund gives part of it
back, and a carrier's daily report reads both from the ledger. The rate is a carrier
setting (``carriers.commission_bps``; unset: ``PLATFORM_FEE_BPS``) that can change
between a sale and its refund, so a refund gives back the fee *its sale* took, in
proportion, never today's rate applied to yesterday's sale (which could hand back more
than was taken, or leave the carrier paying a fee it never earned).

Operator charges are posted to ``operator_fees:<carrier>``, the account a carrier's report
reads as ``operator_fees``, by whoever learns of them: a sale paid by airtime carries the
operator's contractual share (``AIRTIME_OPERATOR_SHARE_BPS``, ``operator_share``), known
when it is sold; M-Pesa's charges are known only from the shortcode's statement
(``app.reconciliation.charges``). Neither is given back by a refund: the operator keeps it.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.ledger.models import LedgerEntry, LedgerTransaction

PLATFORM_FEES = "platform_fees"  # the same account as app.ledger.service.PLATFORM_FEES


def operator_fees(carrier_id: int) -> str:
    """The account of what operators charged for a carrier's sales (positive: charged)."""
    return f"operator_fees:{carrier_id}"


def operator_share(method: str | None, amount: int) -> int:
    """What the operator keeps of a sale of ``amount`` paid by ``method``, rounded down (0 but for airtime)."""
    if method != "airtime":
        return 0
    return amount * int(current_app.config.get("AIRTIME_OPERATOR_SHARE_BPS") or 0) // 10_000


def default_bps() -> int:
    """The platform's commission rate for carriers without their own, in basis points."""
    return int(current_app.config.get("PLATFORM_FEE_BPS", 500))


def commission(amount: int, bps: int | None = None) -> int:
    """The commission on ``amount`` at ``bps`` basis points (default rate if None), rounded down.

    Rounding down (and the same formula on refunds at an unchanged rate) means the fees
    given back on partial refunds can never add up to more than the fee taken.
    """
    rate = default_bps() if bps is None else int(bps)
    return amount * rate // 10_000


def sale_of_payment(payment_id: int | None) -> tuple[int, int] | None:
    """(amount paid, commission taken) by the sale of ``payment_id``, from the ledger.

    The sale is ``kind='sale', ref='payment:<id>'`` (unique), so this is one index look-up.
    """
    if payment_id is None:
        return None
    txn_id = db.session.scalar(select(LedgerTransaction.id).where(
        LedgerTransaction.kind == "sale", LedgerTransaction.ref == f"payment:{payment_id}"))
    if txn_id is None:
        return None
    row = db.session.execute(
        select(
            func.coalesce(func.sum(LedgerEntry.amount).filter(LedgerEntry.amount > 0), 0),
            func.coalesce(func.sum(LedgerEntry.amount).filter(LedgerEntry.account == PLATFORM_FEES), 0),
        ).where(LedgerEntry.transaction_id == txn_id)
    ).one()
    return int(row[0]), int(row[1])


def refund_commission(amount: int, *, payment_id: int | None, bps: int | None) -> int:
    """The commission a refund of ``amount`` gives back.

    When the order's sale took exactly what the current rate takes (the rate did not
    change), the rate itself: ``commission(amount, bps)``, as before. Otherwise, the
    sale's own proportion, rounded down: ``amount * fee_taken // paid``, so partial
    refunds never return more than the sale took. Without a sale in the ledger (it cannot
    be refunded then), the current rate.
    """
    sale = sale_of_payment(payment_id)
    if sale is None:
        return commission(amount, bps)
    paid, taken = sale
    if paid <= 0 or commission(paid, bps) == taken:
        return commission(amount, bps)
    return amount * taken // paid
