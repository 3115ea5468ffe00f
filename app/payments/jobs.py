"""Jobs of the payments area: settling STK pushes whose callback never came, and pushes
whose worker died before it knew how the push went.

Daraja sometimes never calls back. ``poll_pending_stk`` asks Daraja (STK query) about each
pending push when it is due and settles it as the callback would, each in its own
transaction (one Daraja error does not stop the others). A success is confirmed by the
use case the sweep hands in (``confirm``: ``app.sales.confirming.confirm_payment``, which
has booking apply an order payment; payments does not import booking); the sweep itself
is ``app.sales.confirming.poll_pending_stk`` (``app.jobs.periodic``).

The schedule lives on the row (``next_poll_at``, ``poll_count``), so the poller takes the
pushes that are *due*, earliest first: a push that stays pending moves to the back of the
queue instead of starving newer ones. With the defaults a push is queried 2 minutes after
it started, then 4, 8 and (capped) every 10 minutes after the previous query
(``STK_POLL_AFTER_SECONDS``, doubling, ``STK_POLL_MAX_DELAY_SECONDS``). Still pending
``STK_EXPIRE_AFTER_SECONDS`` (30 min) after it started, or answered "request expired"
(1019), it becomes ``expired``. When Daraja cannot be asked at all (errors), the poller keeps
trying, with the same capped backoff, up to twice that bound, then expires it anyway: the
bound holds even when Daraja is down. An expired payment keeps its place in the ledger of
events: a success that arrives later is still settled as a late payment (ticket if the
seats are still free, else the wallet), see ``app.payments.settlement``.

A push with no CheckoutRequestID (its answer never came back) cannot be queried: the poller
fails it once its window has closed (``app.payments.stk_window``). ``resolve_stuck_pushes``
(the ``stuck-stk`` sweep) takes the pushes a killed worker left ``initiated`` and hands them
to the poller the same way.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.database import utcnow
from app.extensions import db, unit_of_work
from app.payments.messages import stk_failure_key
from app.payments.models import Payment
from app.payments.providers.daraja import DarajaError
from app.payments.providers.mpesa_stk import daraja_configured, get_client
from app.payments.settlement import settle_expired, settle_failure
from app.payments.stk_window import close_window, resolve_stuck, stuck_pushes
from app.payments.transitions import lock_payment

log = logging.getLogger(__name__)

BATCH = 200  # pushes per sweep; the rest wait for the next sweep, earliest due first
EXPIRED_CODES = {"1019"}  # Daraja: "Transaction has expired"


def _seconds(name: str, default: float) -> timedelta:
    return timedelta(seconds=float(current_app.config.get(name) or default))


def first_poll_at(now: datetime) -> datetime:
    """When a push that was just accepted is first queried."""
    return now + _seconds("STK_POLL_AFTER_SECONDS", 120)


def expires_at(payment: Payment) -> datetime:
    """Still pending at this time (Daraja answering "processing"): the push is expired."""
    return payment.created_at + _seconds("STK_EXPIRE_AFTER_SECONDS", 1800)


def gives_up_at(payment: Payment) -> datetime:
    """Daraja never answering at all: expired at this time anyway."""
    return payment.created_at + 2 * _seconds("STK_EXPIRE_AFTER_SECONDS", 1800)


def next_poll_after(payment: Payment, now: datetime) -> datetime:
    """The next query after the ``payment.poll_count``-th: doubling, capped, never past the bound."""
    first = _seconds("STK_POLL_AFTER_SECONDS", 120)
    cap = _seconds("STK_POLL_MAX_DELAY_SECONDS", 600)
    delay = min(first * (2 ** min(max(payment.poll_count, 0), 20)), cap)
    bound = expires_at(payment) if now < expires_at(payment) else gives_up_at(payment)
    return max(min(now + delay, bound), now)


def due_stk_payments(now: datetime, limit: int | None = None) -> list[int]:
    """Ids of pending STK pushes whose next query is due, earliest due first."""
    return list(db.session.scalars(
        select(Payment.id).where(
            Payment.status == "pending", Payment.next_poll_at <= now,
            Payment.provider == "mpesa", Payment.method == "mpesa_stk",
        ).order_by(Payment.next_poll_at, Payment.id).limit(limit or BATCH)
    ))


def _claim(payment_id: int, now: datetime) -> Payment | None:
    """Lock the push, re-check it is due, book this query and the next one (its own unit of work).

    Committing before Daraja is asked keeps no transaction open during the HTTP call, and
    a second poller running at the same time finds the push no longer due.
    """
    payment = lock_payment(payment_id)
    if payment.status != "pending" or payment.next_poll_at is None or payment.next_poll_at > now:
        return None
    payment.poll_count += 1
    payment.next_poll_at = next_poll_after(payment, now)
    return payment


def poll_pending_stk(now=None, *, confirm) -> dict:
    """Query the due pending STK pushes and settle what Daraja answers; counts per result.

    ``confirm(payment_id, amount=..., currency=..., source=..., raw=..., now=...)`` settles a
    success (the use case's ``confirm_payment``). Each push is settled in its own unit of work.
    """
    counts = {"succeeded": 0, "failed": 0, "pending": 0, "expired": 0, "errors": 0}
    now = now or utcnow()
    configured = daraja_configured(current_app.config)
    ids = due_stk_payments(now)
    db.session.rollback()  # end the read; each push gets its own transactions
    for payment_id in ids:
        payment = unit_of_work(lambda: _claim(payment_id, now))
        if payment is None:
            continue
        try:
            if payment.provider_ref is None:  # an unknown push: nothing to ask Daraja about
                outcome = unit_of_work(lambda: close_window(payment, now))
            elif configured:
                outcome = _poll_one(payment, now, confirm)
            else:
                outcome = unit_of_work(lambda: _expire_if_overdue(payment, now, error=True))
        except Exception:  # this push is retried at its next_poll_at (booked by _claim); the others go on
            log.exception("settling STK payment %s from its query failed", payment_id)
            outcome = "errors"
        counts[outcome] += 1
    return counts


def _expire_if_overdue(payment: Payment, now: datetime, *, error: bool) -> str:
    limit = gives_up_at(payment) if error else expires_at(payment)
    if now < limit:
        return "errors" if error else "pending"
    reason = "no answer from M-Pesa" if error else "still unanswered"
    settle_expired(payment.id, reason=f"{reason} {int((now - payment.created_at).total_seconds() // 60)} min "
                                      "after the push", source="stk_query", now=now, actor="system:stk-poll")
    return "expired"


def _poll_one(payment: Payment, now: datetime, confirm) -> str:
    """Ask Daraja about one push (no transaction open meanwhile), then settle its answer."""
    try:
        answer = get_client().stk_query(payment.provider_ref)
    except (DarajaError, ValueError) as exc:
        log.warning("STK query for payment %s failed: %s", payment.id, exc)
        return unit_of_work(lambda: _expire_if_overdue(payment, now, error=True))
    return unit_of_work(lambda: _settle_answer(payment, answer, now, confirm))


def _settle_answer(payment: Payment, answer, now: datetime, confirm) -> str:
    if answer.pending:
        return _expire_if_overdue(payment, now, error=False)
    code = str(answer.result_code)
    if answer.succeeded:
        # The query carries no receipt or payer; the amount is the one we pushed.
        confirm(payment.id, amount=payment.amount, currency=payment.currency,
                source="stk_query", raw=dict(answer.raw), now=now)
        return "succeeded"
    if code in EXPIRED_CODES:
        settle_expired(payment.id, reason=answer.result_desc or "request expired", code=code,
                       source="stk_query", now=now)
        return "expired"
    settle_failure(payment.id, code=code, reason=answer.result_desc or "failed",
                   message=stk_failure_key(answer.result_code), source="stk_query", now=now)
    return "failed"


def resolve_stuck_pushes(now=None) -> dict:
    """Sweep: pushes left ``initiated`` by a worker killed during the push; counts per result.

    Each is polled (it has a CheckoutRequestID), waits for its callback as an unknown push,
    or is failed when its window has already closed (``app.payments.stk_window``); each in
    its own transaction, so one that cannot be resolved does not stop the others.
    """
    counts = {"waiting": 0, "polling": 0, "failed": 0, "errors": 0}
    now = now or utcnow()
    ids = stuck_pushes(now)
    db.session.rollback()  # end the read; each push gets its own transaction
    for payment_id in ids:
        try:
            outcome = unit_of_work(lambda: resolve_stuck(payment_id, now))
        except Exception:  # left initiated: the next sweep tries again
            log.exception("resolving stuck STK payment %s failed", payment_id)
            outcome = "errors"
        if outcome:
            counts[outcome] += 1
    return counts
