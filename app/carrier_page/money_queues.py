"""The dashboard's three money queues, in one small module so they can be rewired in one place.

Issue 15 adds APIs for unmatched statement lines (statement reconciliation), the suspense
review queue and payouts; they are being built on other branches. Until they land, this
module reads what ``main`` has today:

- ``suspense``: ``review_suspense`` ledger entries (money parked on a mismatch) and
  unresolved ``ParkedCallback`` rows, both reached through the order's trip (suspense
  transactions carry no carrier id);
- ``pending_payouts``: ``Refund`` rows in ``pending_payout`` (M-Pesa refunds and deletion
  payouts waiting to be paid), the phone masked;
- ``unmatched_statement_lines``: nothing yet (no statement table on ``main``);
  ``available`` says so, and the page shows "not available yet".

Each function answers ``{"available": bool, "rows": [...]}``; swap a body for a call to the
new service when it is merged, the page and the CSV need no change.
"""
from __future__ import annotations

from sqlalchemy import select

from app.booking.models import Order
from app.carrier_page.queries import Window
from app.catalog.models import Carrier, Trip
from app.core.phone import mask_phone
from app.extensions import db
from app.ledger.models import LedgerEntry, LedgerTransaction
from app.ledger.service import REVIEW_SUSPENSE
from app.payments.models import ParkedCallback, Payment, Refund

LIMIT = 500


def _local(value, window: Window) -> str | None:
    return value.astimezone(window.zone).isoformat() if value else None


def suspense(carrier: Carrier, window: Window) -> dict:
    """Money in ``review_suspense`` for the carrier's orders, and callbacks parked for review."""
    entries = db.session.execute(
        select(LedgerTransaction.id, LedgerTransaction.created_at, LedgerTransaction.kind, Order.code,
               LedgerEntry.amount, LedgerEntry.currency, LedgerTransaction.memo)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(Order, Order.id == LedgerTransaction.order_id)
        .join(Trip, Trip.id == Order.trip_id)
        .where(Trip.carrier_id == carrier.id, LedgerEntry.account == REVIEW_SUSPENSE)
        .order_by(LedgerTransaction.created_at.desc())
        .limit(LIMIT)
    ).all()
    parked = db.session.execute(
        select(ParkedCallback.id, ParkedCallback.created_at, ParkedCallback.source, Order.code,
               ParkedCallback.amount, Payment.currency, ParkedCallback.reason)
        .join(Payment, Payment.id == ParkedCallback.payment_id)
        .join(Order, Order.id == Payment.order_id)
        .join(Trip, Trip.id == Order.trip_id)
        .where(Trip.carrier_id == carrier.id, ParkedCallback.resolved_at.is_(None))
        .order_by(ParkedCallback.created_at.desc())
        .limit(LIMIT)
    ).all()
    rows = [{"item": f"ledger:{tid}", "at": _local(at, window), "what": kind, "order": code,
             "amount": int(amount), "currency": currency, "reason": memo or ""}
            for tid, at, kind, code, amount, currency, memo in entries]
    rows += [{"item": f"callback:{pid}", "at": _local(at, window), "what": f"parked {source}", "order": code,
              "amount": int(amount or 0), "currency": currency, "reason": reason}
             for pid, at, source, code, amount, currency, reason in parked]
    rows.sort(key=lambda row: row["at"] or "", reverse=True)
    return {"available": True, "rows": rows}


def pending_payouts(carrier: Carrier, window: Window) -> dict:
    """Refunds to M-Pesa that nobody has paid yet (``refunds.status = 'pending_payout'``)."""
    rows = db.session.execute(
        select(Refund.id, Refund.created_at, Order.code, Refund.amount, Refund.currency, Refund.reason,
               Refund.payout_phone)
        .join(Order, Order.id == Refund.order_id)
        .join(Trip, Trip.id == Order.trip_id)
        .where(Trip.carrier_id == carrier.id, Refund.status == "pending_payout")
        .order_by(Refund.created_at)
        .limit(LIMIT)
    ).all()
    return {"available": True, "rows": [
        {"refund_id": rid, "created_at": _local(at, window), "order": code, "amount": int(amount),
         "currency": currency, "reason": reason, "phone": mask_phone(phone) if phone else ""}
        for rid, at, code, amount, currency, reason, phone in rows]}


def unmatched_statement_lines(carrier: Carrier, window: Window) -> dict:
    """M-Pesa statement lines with no payment here: not on ``main`` yet (statement upload is
    being built); answers an empty, unavailable section."""
    return {"available": False, "rows": []}
