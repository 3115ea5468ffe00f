"""Operator notifications turned into settlements: Daraja STK results and C2B (Paybill).

The channel (``channels/mpesa/routes.py``) parses the wire format and calls these; they
hold the rules: which payment a notification belongs to, when to park it, and what to
answer a Paybill validation. None of them commits (the channel does, once).
"""
from __future__ import annotations

import logging

from sqlalchemy import select

from app.auth.models import User
from app.core.phone import InvalidPhone, mask_phone, normalize_phone
from app.extensions import db
from app.payments.messages import stk_failure_key
from app.payments.models import Payment
from app.payments.orders import find_order
from app.payments.providers.daraja import C2BNotification, StkCallback
from app.payments.review import park
from app.payments.states import PAYMENT
from app.payments.settlement import Settled, settle_failure, settle_success
from app.payments.stk_window import claim_for_callback

log = logging.getLogger(__name__)

ACCEPT = ("0", "Accepted")
REJECT_ACCOUNT = ("C2B00012", "Rejected")  # invalid account number
REJECT_AMOUNT = ("C2B00013", "Rejected")  # invalid amount
REJECT_OTHER = ("C2B00016", "Rejected")


def handle_stk_result(cb: StkCallback, raw, push_id=None) -> Settled | None:
    """Settle the STK push ``cb`` answers. A CheckoutRequestID unknown here may answer a push
    whose own answer never reached us (``push_id``: the callback URL's ``push``, see
    ``app.payments.stk_window``); what still matches nothing is parked."""
    payment = db.session.scalar(
        select(Payment).where(Payment.provider == "mpesa", Payment.provider_ref == cb.checkout_request_id)
    )
    if payment is None:
        payment = claim_for_callback(cb, push_id)
    if payment is None:
        park("stk", "unknown_checkout", raw, provider_ref=cb.checkout_request_id, receipt=cb.receipt,
             amount=cb.amount_minor, phone=cb.phone_e164)
        return None
    if cb.succeeded:
        return settle_success(payment.id, amount=cb.amount_minor, currency="KES", receipt=cb.receipt,
                              payer_phone=cb.phone_e164, source="stk_callback", raw=raw)
    return settle_failure(payment.id, code=str(cb.result_code), reason=cb.result_desc or "failed",
                          message=stk_failure_key(cb.result_code), source="stk_callback")


def find_order_by_code(bill_ref: str):
    code = (bill_ref or "").strip().upper()
    if not code:
        return None
    return find_order(code=code)


def _payer(msisdn: str) -> str | None:
    """Daraja masks or hashes MSISDN since 2023: only a full number identifies the payer."""
    if not msisdn or not msisdn.strip().isdigit():
        return None
    try:
        return normalize_phone(msisdn.strip(), "KE")
    except InvalidPhone:
        return None


def validate_paybill(c2b: C2BNotification, raw) -> tuple[str, str]:
    """Accept a Paybill payment only for a booking awaiting exactly this amount."""
    order = find_order_by_code(c2b.bill_ref)
    if order is None or order.status != "pending_payment":
        park("c2b_validation", "rejected_account", raw, receipt=c2b.trans_id, amount=c2b.amount_minor)
        return REJECT_ACCOUNT
    if c2b.amount_minor != order.total_amount or order.currency != "KES":
        park("c2b_validation", "rejected_amount", raw, receipt=c2b.trans_id, amount=c2b.amount_minor)
        return REJECT_AMOUNT
    return ACCEPT


def confirm_paybill(c2b: C2BNotification, raw) -> Settled:
    """Settle a Paybill payment by its TransID, exactly once; never lose the money.

    The booking code matches case-insensitively. An unknown account goes to the payer's
    wallet when the payer is identifiable (a full MSISDN of a known user), else to
    ``review_suspense`` for a person; a paid order's money goes to the wallet (settlement).
    """
    existing = db.session.scalar(
        select(Payment).where(Payment.provider == "mpesa", Payment.receipt == c2b.trans_id)
    )
    if existing is not None:
        return Settled(existing, False)
    order = find_order_by_code(c2b.bill_ref)
    payer = _payer(c2b.msisdn)
    if order is not None:
        payment = Payment(order_id=order.id, user_id=order.user_id, purpose="order", currency=order.currency)
    else:
        user = db.session.scalar(select(User).where(User.phone == payer)) if payer else None
        payment = Payment(purpose="topup", user_id=user.id if user else None, currency="KES")
    payment.method, payment.provider = "mpesa_paybill", "mpesa"
    payment.amount, payment.phone, payment.provider_ref = c2b.amount_minor, payer, c2b.trans_id
    if c2b.amount_minor <= 0:
        park("c2b_confirmation", "zero_amount", raw, receipt=c2b.trans_id)
        return Settled(payment, False)
    PAYMENT.create(payment, "initiated", actor="provider:mpesa", reason="paybill payment received")
    log.info("paybill %s for %r from %s", c2b.trans_id, c2b.bill_ref[:12], mask_phone(payer))
    return settle_success(payment.id, amount=c2b.amount_minor, currency="KES", receipt=c2b.trans_id,
                          payer_phone=payer, source="c2b_confirmation", raw=raw)
