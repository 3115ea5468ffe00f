"""Refunds of paid orders (passenger cancellations, carrier trip cancellations).

Booking decides *how much* (its refund policy) and moves the order's state; this module
moves the money: carrier payable (and the proportional platform fee) back to the
passenger, and says *where* by default (``way_back``: the way the money came). To the
wallet it is instant. To M-Pesa it is owed on ``payouts_pending:<carrier>`` (a refund
``pending_payout``) and paid by ``app.payouts``: Daraja B2C when an API initiator is
configured, else the carrier's finance team; the passenger is told it is not instant.
Idempotent on ``ref`` (unique), so a retried cancellation refunds once.
"""
from __future__ import annotations

import logging

from sqlalchemy import func, select

from app.auth.models import User
from app.catalog.models import Carrier, Trip
from app.core.money import format_money
from app.errors import Conflict, Unprocessable
from app.extensions import db
from app.ledger.fees import refund_commission
from app.ledger.service import (
    PLATFORM_FEES,
    PLATFORM_PAYOUTS_PENDING,
    Leg,
    carrier_payable,
    cash_drawer,
    payouts_pending,
    post,
    wallet_account,
)
from app.messaging import Amount, t
from app.messaging.service import queue_sms
from app.payments.models import Payment, Refund
from app.payments.states import REFUND
from app.payments.transitions import lock_payment, transition
from app.wallet.service import get_wallet

log = logging.getLogger(__name__)

#: Payments whose money can go back the way it came: M-Pesa (a B2C payout; in development
#: the sandbox provider stands for M-Pesa, so its refunds take the same path). Phone balance
#: cannot be given back to a phone, and the wallet's money goes back to the wallet.
MPESA_METHODS = ("mpesa_stk", "mpesa_paybill")


def way_back(order, requested: str | None = None) -> str:
    """Where a refund of ``order`` goes: the way the money came by default (M-Pesa to M-Pesa,
    anything else to the wallet), the wallet whenever the carrier keeps refunds there
    (``mpesa_refunds_allowed`` off), or ``requested`` (``wallet``/``mpesa``) when it may.

    422 ``refund-destination`` for M-Pesa asked of a carrier that refunds to the wallet only,
    or of a booking paid from the wallet (that would be a withdrawal without its limits).
    """
    trip = db.session.get(Trip, order.trip_id)
    carrier = db.session.get(Carrier, trip.carrier_id)
    payment = db.session.get(Payment, order.payment_id) if order.payment_id else None
    if requested == "mpesa":
        if not carrier.mpesa_refunds_allowed:
            raise Unprocessable("This carrier refunds to the Safiri wallet only.", slug="refund-destination")
        if payment is not None and payment.method == "wallet":
            raise Unprocessable("A booking paid from the wallet is refunded to the wallet.", slug="refund-destination")
        return "mpesa"
    if requested is not None:
        return requested
    came_by_mpesa = payment is not None and payment.method in MPESA_METHODS
    return "mpesa" if came_by_mpesa and carrier.mpesa_refunds_allowed else "wallet"


def refundable_amount(order) -> int:
    """What was paid for the order by sales minus what was already refunded from them."""
    paid = db.session.scalar(
        select(func.coalesce(func.sum(Payment.amount), 0)).where(
            Payment.order_id == order.id, Payment.outcome == "applied",
            Payment.status.in_(("succeeded", "refunded")),
        )
    )
    refunded = db.session.scalar(
        select(func.coalesce(func.sum(Refund.amount), 0)).where(
            Refund.order_id == order.id, Refund.ref.not_like("unapplied:%"),
        )
    )
    return int(paid) - int(refunded)


def refund_order(order, amount: int, *, reason: str, destination: str = "wallet", ref: str, now=None,
                 notify: bool = True, actor: str = "system:refunds", paid_by_agent: int | None = None) -> Refund:
    """Give ``amount`` of ``order`` (locked by the caller) back to its passenger; never commits.

    ``notify=False`` leaves the passenger's SMS to the caller, for a caller that tells them
    more in one message (a carrier's trip cancellation: why, and the refund together).
    ``actor`` (``user:12``) is who asked for the refund, for the status history.
    ``destination="cash"``: an agent pays it out of their drawer (``paid_by_agent``) at once.

    Raises ``Unprocessable`` for a non-positive amount or an unknown destination and
    ``Conflict`` for more than is refundable or an M-Pesa refund the carrier does not allow.
    """
    existing = db.session.scalar(select(Refund).where(Refund.ref == ref))
    if existing is not None:
        return existing
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise Unprocessable("A refund amount must be a positive integer of minor units.", slug="invalid-amount")
    if destination not in ("wallet", "mpesa", "cash") or (destination == "cash") != (paid_by_agent is not None):
        raise Unprocessable("A refund goes to 'wallet' or 'mpesa' (or 'cash', from a drawer).",
                            slug="invalid-destination")
    trip = db.session.get(Trip, order.trip_id)
    carrier = db.session.get(Carrier, trip.carrier_id)
    if destination == "mpesa" and not carrier.mpesa_refunds_allowed:
        raise Conflict(f"{carrier.name} refunds to the Safiri wallet only.", slug="mpesa-refunds-not-allowed")
    available = refundable_amount(order)
    if amount > available:
        raise Conflict(
            f"Only {format_money(available, order.currency)} of booking {order.code} can be refunded.",
            slug="refund-exceeds-paid",
        )
    fee_back = refund_commission(amount, payment_id=order.payment_id, bps=carrier.commission_bps)
    if destination == "wallet":
        get_wallet(order.user_id, lock=True)  # the wallet's lock (and row) before its balance moves
    target = {"wallet": lambda: wallet_account(order.user_id), "mpesa": lambda: payouts_pending(carrier.id),
              "cash": lambda: cash_drawer(paid_by_agent)}[destination]()
    posted = post("refund", ref, [
        Leg(carrier_payable(carrier.id), -(amount - fee_back), order.currency),
        Leg(PLATFORM_FEES, -fee_back, order.currency),
        Leg(target, amount, order.currency),
    ], carrier_id=carrier.id, order_id=order.id, memo=reason, now=now)
    payment_id = order.payment_id
    refund = Refund(
        ref=ref, order_id=order.id, payment_id=payment_id, user_id=order.user_id, amount=amount,
        currency=order.currency, destination=destination, reason=reason[:200],
        ledger_transaction_id=posted.transaction.id,
    )
    if now is not None:
        refund.created_at = now
    REFUND.create(refund, "pending_payout" if destination == "mpesa" else "completed", actor=actor,
                  reason=reason, now=now)
    if payment_id and available - amount == 0:
        payment = lock_payment(payment_id)
        if payment.status == "succeeded":
            transition(payment, "refunded", reason=reason, now=now, actor=actor)
    if notify:
        _notify(order, refund, carrier)
    return refund


def _notify(order, refund: Refund, carrier: Carrier) -> None:
    user = db.session.get(User, order.user_id)
    if not user or not user.phone:
        return
    amount = Amount(refund.amount, refund.currency)
    if refund.destination == "wallet":
        text = t("refund_to_wallet", user.language, amount=amount, code=order.code)
    elif refund.destination == "cash":
        text = t("refund_in_cash", user.language, amount=amount, code=order.code)
    else:  # a pending M-Pesa payout: say it is not instant
        text = t("refund_to_mpesa", user.language, amount=amount, code=order.code, carrier=carrier.name[:30])
    queue_sms(user.phone, text, kind="refund", user_id=user.id)


def pay_out_wallet(user, phone: str, *, now=None) -> Refund | None:
    """Turn ``user``'s whole wallet balance into a pending M-Pesa payout to ``phone``.

    Why: a deleted account can no longer spend its wallet, and the money is the
    person's. It moves (balanced) from ``wallet:<user>`` to ``payouts_pending:platform``,
    and a ``Refund`` (``pending_payout``, no order) records what the platform's finance
    team must send, and where: ``payout_phone`` survives the account's erasure. Never
    commits; once per account (``ref``). None when there is nothing to pay.
    """
    wallet = get_wallet(user.id, lock=True, create=False)
    if wallet is None or wallet.balance <= 0:
        return None
    ref = f"wallet-payout:{user.id}"
    amount, currency = wallet.balance, wallet.currency
    posted = post("wallet_payout", ref, [
        Leg(wallet_account(user.id), -amount, currency),
        Leg(PLATFORM_PAYOUTS_PENDING, amount, currency),
    ], memo="account deleted: wallet balance owed to M-Pesa", now=now)
    refund = REFUND.create(Refund(
        ref=ref, order_id=None, user_id=user.id, amount=amount, currency=currency, destination="mpesa",
        reason="Account deleted: wallet balance paid out to M-Pesa",
        ledger_transaction_id=posted.transaction.id, payout_phone=phone,
    ), "pending_payout", actor=f"user:{user.id}", reason="account deleted", now=now)
    log.info("wallet of user %s (%s %s) queued as a pending M-Pesa payout", user.id, amount, currency)
    return refund


def keep_payout_numbers(user_id: int, fallback_phone: str | None) -> int:
    """Before an account is erased: each of its M-Pesa refunds still to be paid keeps the
    number it goes to (the payer's, else the account's), since the payments lose theirs."""
    pending = db.session.scalars(
        select(Refund).where(Refund.user_id == user_id, Refund.status == "pending_payout",
                             Refund.destination == "mpesa", Refund.payout_phone.is_(None))
    ).all()
    for refund in pending:
        payer = db.session.get(Payment, refund.payment_id) if refund.payment_id else None
        refund.payout_phone = (payer.phone if payer else None) or fallback_phone
    return len(pending)
