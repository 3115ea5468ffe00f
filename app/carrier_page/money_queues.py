"""The dashboard's three money queues, each read from the table its area keeps.

- ``suspense``: the suspense review queue (``app.payouts.suspense.queue``, parked callbacks
  and the money of each still in ``review_suspense``), the same items the suspense API
  lists and resolves, so a row's ``item`` is the id the page's buttons post to;
- ``pending_payouts``: ``payouts`` rows not yet paid (``pending``, ``sent``, ``failed``),
  what the carrier owes out of its money, the phone masked; a pending one is marked paid
  through the payouts API;
- ``unmatched_statement_lines``: what reconciling the uploaded M-Pesa statements left open:
  statement lines with no payment here (``unknown_here``), lines whose payment has another
  amount (``amount_mismatch``), and the carrier's payments that should be on an uploaded
  statement's period but are on none (``missing_from_statement``, the reconciliation's own
  query).

Each function answers ``{"available": bool, "rows": [...]}``.
"""
from __future__ import annotations

from sqlalchemy import and_, or_, select

from app.booking.models import Order
from app.carrier_page.queries import Window
from app.catalog.models import Carrier
from app.core.phone import mask_phone
from app.extensions import db
from app.payments.models import Payment, Refund
from app.payouts import suspense as review
from app.payouts.models import Payout
from app.reconciliation.matching import PaymentRef, missing_query
from app.reconciliation.matching import rows as plain_rows
from app.reconciliation.models import MpesaShortcode, StatementImport, StatementLine

LIMIT = 500
OPEN_PAYOUTS = ("pending", "sent", "failed")
RECENT_IMPORTS = 31  # the uploads whose periods are checked for missing payments (a month of daily ones)


def _local(value, window: Window) -> str | None:
    return value.astimezone(window.zone).isoformat() if value else None


def suspense(carrier: Carrier, window: Window, user) -> dict:
    """The open items of the suspense review for this carrier, oldest first."""
    items = review.queue(user, carrier_id=carrier.id)
    payment_ids = sorted({found.payment_id for found in items if found.payment_id})
    codes = dict(db.session.execute(
        select(Payment.id, Order.code).join(Order, Order.id == Payment.order_id).where(Payment.id.in_(payment_ids))
    ).all()) if payment_ids else {}
    return {"available": True, "rows": [
        {"item": found.id, "at": _local(found.created_at, window), "source": found.source, "reason": found.reason,
         "receipt": found.receipt or "", "order": codes.get(found.payment_id, ""), "amount": int(found.in_suspense),
         "currency": found.currency or carrier.currency}
        for found in items]}


def pending_payouts(carrier: Carrier, window: Window, user=None) -> dict:
    """Payouts of the carrier's money not paid yet, oldest first."""
    rows = db.session.execute(
        select(Payout.id, Payout.created_at, Payout.kind, Payout.status, Order.code, Payout.amount, Payout.currency,
               Payout.phone, Payout.status_reason)
        .outerjoin(Refund, Refund.id == Payout.refund_id)
        .outerjoin(Order, Order.id == Refund.order_id)
        .where(Payout.carrier_id == carrier.id, Payout.status.in_(OPEN_PAYOUTS))
        .order_by(Payout.created_at, Payout.id)
        .limit(LIMIT)
    ).all()
    return {"available": True, "rows": [
        {"payout_id": pid, "created_at": _local(at, window), "kind": kind, "status": status, "order": code or "",
         "amount": int(amount), "currency": currency, "phone": mask_phone(phone) if phone else "",
         "reason": reason or ""}
        for pid, at, kind, status, code, amount, currency, phone, reason in rows]}


def unmatched_statement_lines(carrier: Carrier, window: Window, user=None) -> dict:
    """Lines of the carrier's uploaded statements left unmatched or mismatched, and payments
    missing from the uploaded periods; latest first."""
    lines = db.session.execute(
        select(StatementLine.receipt, StatementLine.completed_at, StatementLine.amount, StatementLine.currency,
               StatementLine.description, StatementLine.account_reference, MpesaShortcode.shortcode,
               StatementLine.payment_id, Payment.amount)
        .join(MpesaShortcode, MpesaShortcode.id == StatementLine.shortcode_id)
        .outerjoin(Payment, Payment.id == StatementLine.payment_id)
        .where(MpesaShortcode.carrier_id == carrier.id, StatementLine.kind == "payment",
               or_(and_(StatementLine.payment_id.is_(None), StatementLine.amount > 0),
                   and_(StatementLine.payment_id.is_not(None), Payment.amount != StatementLine.amount)))
        .order_by(StatementLine.completed_at.desc())
        .limit(LIMIT)
    ).all()
    rows = [{"kind": "unknown_here" if payment_id is None else "amount_mismatch", "receipt": receipt,
             "at": _local(at, window), "shortcode": shortcode, "amount": int(amount),
             "expected": int(paid) if paid is not None else "", "currency": currency,
             "details": " ".join(filter(None, (description, account)))}
            for receipt, at, amount, currency, description, account, shortcode, payment_id, paid in lines]
    rows += _missing(carrier, window)
    rows.sort(key=lambda row: row["at"] or "", reverse=True)
    return {"available": True, "rows": rows[:LIMIT]}


def _missing(carrier: Carrier, window: Window) -> list[dict]:
    """Payments settled within an uploaded statement's period that no statement line has."""
    periods = db.session.execute(
        select(MpesaShortcode.kind, MpesaShortcode.shortcode, StatementImport.period_start, StatementImport.period_end)
        .join(MpesaShortcode, MpesaShortcode.id == StatementImport.shortcode_id)
        .where(StatementImport.carrier_id == carrier.id)
        .order_by(StatementImport.period_end.desc())
        .limit(RECENT_IMPORTS)
    ).all()
    shortcodes: dict[str, list[int]] = {}
    for kind, shortcode_id in db.session.execute(
            select(MpesaShortcode.kind, MpesaShortcode.id).where(MpesaShortcode.carrier_id == carrier.id)):
        shortcodes.setdefault(kind, []).append(shortcode_id)
    found: dict[int, dict] = {}
    for kind, number, start, end in periods:
        query = missing_query(carrier.id, kind, shortcodes.get(kind, []), (start, end), number)
        for ref in ([] if query is None else [PaymentRef(*row) for row in plain_rows(query)]):
            found[ref.id] = {"kind": "missing_from_statement", "receipt": ref.receipt,
                             "at": _local(ref.settled_at, window), "shortcode": "", "amount": "",
                             "expected": int(ref.amount), "currency": ref.currency,
                             "details": f"{ref.method} {ref.order_code or ''}".strip()}
    return list(found.values())
