"""Status checks of a receipt a passenger disputes ("I paid and got nothing").

An admin asks Daraja's Transaction Status API about an M-Pesa receipt; the answer comes
to ``/status/result?check=<id>`` (``app.payouts.results``) and is kept on the check:
the transaction's status, amount, time and the payer's number masked. A carrier admin may
ask about receipts of payments to their own carrier (anything else is 404, as everything
of another carrier); a platform admin about any receipt, ours or not.
"""
from __future__ import annotations

from sqlalchemy import select

from app.booking.models import Order
from app.catalog.models import Trip
from app.errors import Conflict, NotFound
from app.extensions import db
from app.jobs import MONEY_QUEUE, enqueue_after_commit, job_id
from app.payments.models import Payment
from app.payouts.models import StatusCheck
from app.payouts.sending import ask
from app.payouts.service import initiator_ready


def _carrier_of_receipt(receipt: str) -> tuple[bool, int | None]:
    """(known here, carrier of the order it paid) for an M-Pesa receipt."""
    row = db.session.execute(
        select(Payment.id, Trip.carrier_id).outerjoin(Order, Order.id == Payment.order_id)
        .outerjoin(Trip, Trip.id == Order.trip_id)
        .where(Payment.provider == "mpesa", Payment.receipt == receipt)
    ).first()
    return (row is not None, row[1] if row is not None else None)


def ask_about_receipt(user, receipt: str) -> StatusCheck:
    """Start a status check of ``receipt`` (sent after commit). Never commits.

    404 for a carrier admin when the receipt paid nothing of their carrier; 409
    ``status-check-unavailable`` without an API initiator (Daraja would not answer).
    """
    receipt = receipt.strip().upper()
    known, carrier_id = _carrier_of_receipt(receipt)
    if user.role != "platform_admin" and (not known or carrier_id is None or carrier_id != user.carrier_id):
        raise NotFound("No payment with this receipt.")
    if not initiator_ready():
        raise Conflict("Transaction status needs a Daraja API initiator (MPESA_INITIATOR_NAME).",
                       slug="status-check-unavailable")
    check = StatusCheck(purpose="dispute", receipt=receipt, carrier_id=carrier_id, requested_by=f"user:{user.id}")
    db.session.add(check)
    db.session.flush()
    enqueue_after_commit("app.payouts.disputes:ask_status", check.id, job_id=job_id("status-check", check.id),
                         queue=MONEY_QUEUE)
    return check


def ask_status(check_id: int) -> str:
    """Job: send the check's request to Daraja (once)."""
    check = db.session.get(StatusCheck, check_id)
    if check is None or check.conversation_id or check.answered_at:
        db.session.rollback()
        return "nothing to ask"
    receipt = check.receipt
    db.session.rollback()  # no transaction open while Daraja answers
    return ask(check_id, receipt=receipt)


def visible_check(user, check_id: int) -> StatusCheck:
    check = db.session.get(StatusCheck, check_id)
    if check is None or check.purpose != "dispute":
        raise NotFound("No such status check.")
    if user.role != "platform_admin" and (check.carrier_id is None or check.carrier_id != user.carrier_id):
        raise NotFound("No such status check.")
    return check
