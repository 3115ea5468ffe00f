"""Operator notifications as payments sees them: Daraja STK results and C2B (Paybill).

The channel (``channels/mpesa/routes.py``) parses the wire format and hands it to the use
case (``app.sales.confirming``), which finds the order through booking and calls these:
which payment a notification belongs to, the Paybill payment row, when to park, and what
to answer a Paybill validation. None of them commits (the use case does, once).
"""
from __future__ import annotations

import logging

from sqlalchemy import select

from app.auth.models import User
from app.core.phone import InvalidPhone, mask_phone, normalize_phone
from app.extensions import db
from app.payments.models import Payment
from app.payments.providers.daraja import C2BNotification, StkCallback
from app.payments.review import park
from app.payments.states import PAYMENT
from app.payments.stk_window import claim_for_callback

log = logging.getLogger(__name__)

ACCEPT = ("0", "Accepted")
REJECT_ACCOUNT = ("C2B00012", "Rejected")  # invalid account number
REJECT_AMOUNT = ("C2B00013", "Rejected")  # invalid amount
REJECT_OTHER = ("C2B00016", "Rejected")


def payment_for_checkout(cb: StkCallback, raw, push_id=None) -> Payment | None:
    """The STK push ``cb`` answers. A CheckoutRequestID unknown here may answer a push whose
    own answer never reached us (``push_id``: the callback URL's ``push``, see
    ``app.payments.stk_window``); what still matches nothing is parked (None)."""
    payment = db.session.scalar(
        select(Payment).where(Payment.provider == "mpesa", Payment.provider_ref == cb.checkout_request_id)
    )
    if payment is None:
        payment = claim_for_callback(cb, push_id)
    if payment is None:
        park("stk", "unknown_checkout", raw, provider_ref=cb.checkout_request_id, receipt=cb.receipt,
             amount=cb.amount_minor, phone=cb.phone_e164)
    return payment


def paybill_payment(trans_id: str) -> Payment | None:
    """The payment a Paybill TransID already settled (a replayed confirmation), if any."""
    return db.session.scalar(select(Payment).where(Payment.provider == "mpesa", Payment.receipt == trans_id))


def _payer(msisdn: str) -> str | None:
    """Daraja masks or hashes MSISDN since 2023: only a full number identifies the payer."""
    if not msisdn or not msisdn.strip().isdigit():
        return None
    try:
        return normalize_phone(msisdn.strip(), "KE")
    except InvalidPhone:
        return None


def validate_paybill(c2b: C2BNotification, order, raw) -> tuple[str, str]:
    """Accept a Paybill payment only for a booking (``order``, by its code) awaiting exactly this amount."""
    if order is None or order.status != "pending_payment":
        park("c2b_validation", "rejected_account", raw, receipt=c2b.trans_id, amount=c2b.amount_minor)
        return REJECT_ACCOUNT
    if c2b.amount_minor != order.total_amount or order.currency != "KES":
        park("c2b_validation", "rejected_amount", raw, receipt=c2b.trans_id, amount=c2b.amount_minor)
        return REJECT_AMOUNT
    return ACCEPT


def record_paybill(c2b: C2BNotification, order, raw) -> Payment | None:
    """The payment row of a Paybill confirmation, ``initiated`` (the caller settles it at once).

    ``order``: the booking its account number names, already locked by the caller (its row
    lock comes before this row, which refers to it). An unknown account becomes a top-up of
    the payer's wallet when the payer is identifiable (a full MSISDN of a known user), else a
    top-up of nobody, which settlement parks in ``review_suspense`` for a person. A zero
    amount is parked and no row is written (None).
    """
    payer = _payer(c2b.msisdn)
    if c2b.amount_minor <= 0:
        park("c2b_confirmation", "zero_amount", raw, receipt=c2b.trans_id)
        return None
    if order is not None:
        payment = Payment(order_id=order.id, user_id=order.user_id, purpose="order", currency=order.currency)
    else:
        user = db.session.scalar(select(User).where(User.phone == payer)) if payer else None
        payment = Payment(purpose="topup", user_id=user.id if user else None, currency="KES")
    payment.method, payment.provider = "mpesa_paybill", "mpesa"
    payment.amount, payment.phone, payment.provider_ref = c2b.amount_minor, payer, c2b.trans_id
    payment.shortcode = c2b.shortcode[:10]
    PAYMENT.create(payment, "initiated", actor="provider:mpesa", reason="paybill payment received")
    log.info("paybill %s for %r from %s", c2b.trans_id, c2b.bill_ref[:12], mask_phone(payer))
    return payment
