"""Money coming in: the one story every confirmation tells, whichever operator tells it.

A payment confirmation reads, top to bottom (``confirm_payment``):

1. payments settles the payment (``settle_success``: its row lock, ``succeeded``, a replay
   or a wrong amount stops here);
2. booking applies it to the order (``apply_payment``: the order's row lock, holds
   converted, ``paid``; or why it could not: already paid, seats gone...);
3. ticketing issues the tickets (``issue_tickets_for_order``);
4. messaging queues their SMS (``send_tickets``: the outbox);
5. payments records the money as booking answered (``record_order_payment``: a sale to
   the carrier, or the payer's wallet, with the receipt SMS);

and the caller commits once (``app.extensions.unit_of_work``): the operator callback
adapters (``channels/mpesa``, ``channels/sms/delivery``), the STK-query sweep, the sandbox
job and a wallet purchase (``app.sales.paying``). Booking and payments do not import each
other; this module calls both.

Locks, in one order: the order before a payment row that refers to it (a Paybill
confirmation locks the booking it names, then inserts its payment: inserting first took
the order's key-share lock, and two confirmations then deadlocked asking for its
``FOR UPDATE``), then the wallet. A payment that already exists (an STK push) is settled by
whoever locks it first, callback or poller, and its order is locked next; nothing that
holds an order's lock waits for a payment still unsettled, so the two orders never cross.
"""
from __future__ import annotations

from sqlalchemy import select

from app.booking.service import ApplyResult, apply_payment, find_order
from app.database import utcnow
from app.extensions import db, unit_of_work
from app.payments import jobs as payment_jobs
from app.payments.airtime import DELIVERED, FAILED, settle_charge
from app.payments.messages import airtime_failure_message, stk_failure_key
from app.payments.models import Payment
from app.payments.operator import (
    payment_for_checkout,
    paybill_payment,
    record_paybill,
    validate_paybill,
)
from app.payments.providers import sandbox
from app.payments.providers.daraja import C2BNotification, StkCallback
from app.payments.settlement import Settled, record_order_payment, settle_failure, settle_success
from app.ticketing.issuing import issue_tickets_for_order, send_tickets


def confirm_payment(payment_id: int, *, amount: int, currency: str | None = None, receipt: str | None = None,
                    payer_phone: str | None = None, source: str, raw=None, now=None,
                    inserted: Payment | None = None) -> Settled:
    """Money arrived for a payment: settle it and, for an order, apply it (the story above).

    Exactly once: a replay finds the payment settled and changes nothing. Never commits.
    ``inserted``: the payment row the caller inserted in this transaction (not re-read).
    """
    now = now or utcnow()
    settled = settle_success(payment_id, amount=amount, currency=currency, receipt=receipt, payer_phone=payer_phone,
                             source=source, raw=raw, now=now, inserted=inserted)
    if settled.to_apply:
        payment = settled.payment
        applied = apply_to_order(payment.order_id, amount=payment.amount, currency=payment.currency,
                                 payment_id=payment.id, now=now, actor=f"provider:{payment.provider}")
        record_order_payment(payment, applied.order, applied.outcome, now)
    return settled


def apply_to_order(order_id: int, *, amount: int, currency: str, payment_id: int, now=None,
                   actor: str = "system:payments") -> ApplyResult:
    """Booking applies money received for the order; when it takes it, ticketing issues the
    tickets and their SMS are queued (``ApplyResult.tickets``). Never commits."""
    applied = apply_payment(order_id, amount=amount, currency=currency, payment_id=payment_id, now=now, actor=actor)
    if applied.order is None:
        applied.order = find_order(order_id)
    if applied.outcome == "applied":
        applied.tickets = issue_tickets_for_order(applied.order, actor=actor)
        send_tickets(applied.order, applied.tickets)
    return applied


# ---- Daraja (channels/mpesa calls these inside its unit of work)


def stk_result(cb: StkCallback, raw, push_id=None) -> Settled | None:
    """An STK push's result: confirmed or failed. ``push_id``: the payment the callback URL
    names (a push whose own answer never reached us); what matches no payment is parked."""
    payment = payment_for_checkout(cb, raw, push_id)
    if payment is None:
        return None
    if cb.succeeded:
        return confirm_payment(payment.id, amount=cb.amount_minor, currency="KES", receipt=cb.receipt,
                               payer_phone=cb.phone_e164, source="stk_callback", raw=raw)
    return settle_failure(payment.id, code=str(cb.result_code), reason=cb.result_desc or "failed",
                          message=stk_failure_key(cb.result_code), source="stk_callback")


def paybill_validation(c2b: C2BNotification, raw) -> tuple[str, str]:
    """Daraja asks before taking a Paybill payment: accepted only for a booking awaiting exactly it."""
    return validate_paybill(c2b, find_order(code=c2b.bill_ref), raw)


def paybill_confirmation(c2b: C2BNotification, raw) -> Settled | None:
    """A Paybill payment arrived (by its TransID, exactly once; never lose the money).

    The booking its account number names is locked first, then the payment row is written
    and settled: several confirmations for one booking take turns, the first buys the
    ticket and each later one finds the booking paid and goes to the payer's wallet. An
    unknown account goes to the payer's wallet when the payer is known, else to suspense.
    """
    order = find_order(code=c2b.bill_ref, lock=True)
    existing = paybill_payment(c2b.trans_id)
    if existing is not None:
        return Settled(existing, False)
    payment = record_paybill(c2b, order, raw)
    if payment is None:
        return None
    return confirm_payment(payment.id, amount=c2b.amount_minor, currency="KES", receipt=c2b.trans_id,
                           payer_phone=payment.phone, source="c2b_confirmation", raw=raw, inserted=payment)


def poll_pending_stk(now=None) -> dict:
    """Sweep (``app.jobs.periodic``): each STK push whose callback never came is asked about
    (Daraja's STK query) and settled as its callback would be, in its own unit of work."""
    return payment_jobs.poll_pending_stk(now, confirm=confirm_payment)


# ---- Africa's Talking premium SMS (channels/sms/delivery calls this inside its unit of work)


def airtime_report(message_id: str, status: str, reason: str | None, *, source: str, raw=None, now=None) -> bool:
    """One premium message's delivery report: its charge settled; once every message of the
    payment is in, the payment confirmed (or failed, the charged part refunded). False when
    ``message_id`` is no airtime charge."""
    charge = settle_charge(message_id, status, reason, source=source, raw=raw, now=now)
    if charge.outcome == "succeeded":
        payment = db.session.get(Payment, charge.payment_id)
        confirm_payment(charge.payment_id, amount=charge.charged, currency=payment.currency, receipt=charge.receipt,
                        source=source, raw=raw, now=now)
    return charge.handled


def premium_sms_report(message_id: str, status: str, reason: str | None, raw) -> bool:
    """A delivery report about money (a charge of an airtime payment, or a payment sent as one
    premium message); False when it is about a plain SMS."""
    if airtime_report(message_id, status, reason, source="sms_delivery", raw=raw):
        return True
    payment = db.session.scalar(
        select(Payment).where(Payment.provider == "africastalking", Payment.provider_ref == message_id))
    if payment is None:
        return False
    if status in DELIVERED:
        confirm_payment(payment.id, amount=payment.amount, currency=payment.currency, receipt=message_id,
                        source="sms_delivery", raw=raw)
    elif status in FAILED:
        settle_failure(payment.id, code=(reason or status)[:20], reason=reason or status,
                       message=airtime_failure_message(reason), source="sms_delivery")
    return True


# ---- the sandbox provider (development and tests; never production)


def confirm_sandbox_payment(payment_id: int) -> None:
    """Job queued by the sandbox provider: it answers as the operator would, and the answer
    is settled through the same path as a real one (its own unit of work)."""

    def work() -> None:
        said = sandbox.answer(payment_id)
        payment = said.payment
        if payment is None:
            return
        if said.reports:
            for message_id, status, reason in said.reports:
                airtime_report(message_id, status, reason, source="sandbox")
        elif said.failure:
            settle_failure(payment_id, source="sandbox", **said.failure)
        else:
            confirm_payment(payment_id, amount=payment.amount, currency=payment.currency, receipt=said.receipt,
                            payer_phone=payment.phone, source="sandbox")

    unit_of_work(work)
