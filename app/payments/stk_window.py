"""STK pushes whose outcome is unknown here: kept open, found by their callback, failed only
when their window has closed.

A push can lose its CheckoutRequestID two ways: Daraja's answer came after our read timeout
(it has the request and may prompt the phone), or the worker died during the push (the
payment stays ``initiated``; the ``stuck-stk`` sweep, ``app.payments.jobs``, brings it
here). Calling either "failed" loses money: the passenger pays and the callback names a
push we do not know. So an *unknown* push is ``pending`` with no ``provider_ref`` (no state
of its own: ``pending`` already means "waiting for the operator"), the passenger is told to
wait for the prompt, and:

- its callback settles it. Daraja's STK callback carries no AccountReference, so the push's
  CallBackURL names its payment (``?push=<id>``, ``app.payments.providers.mpesa_stk``): that
  payment is the one, at any time (a receipt after the window is a late payment, as for any
  push), and settlement checks its amount and payer like any callback's (a mismatch waits in
  ``review_suspense``). A callback without that name (a push made before it existed) is
  matched by payer (a full number), amount and the window, and only when exactly one open
  unknown push fits; otherwise it is parked for a person, as before;
- the STK poller (``poll_pending_stk``) fails it once ``STK_UNKNOWN_WINDOW_SECONDS`` have
  passed since it started, with an SMS (``stk_fail_unconfirmed``); there is no CheckoutRequestID
  to query Daraja with.

``in_flight_clause`` keeps a second request from prompting the phone again while a push may
still come, and stops a stuck one from blocking a new attempt for ever.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select

from app.core.phone import mask_phone
from app.database import utcnow
from app.extensions import db
from app.payments.messages import say
from app.payments.models import Payment
from app.payments.providers.daraja import StkCallback
from app.payments.providers.mpesa_stk import PROMPT_SLOW
from app.payments.settlement import Settled, settle_failure
from app.payments.transitions import lock_payment, transition

log = logging.getLogger(__name__)

UNCONFIRMED = "stk_fail_unconfirmed"  # catalogue key: the window closed without an answer
BATCH = 200
_MAX_ID = 2**31 - 1  # a payment id the database can hold


def unknown_window() -> timedelta:
    """How long an unknown push waits for its callback after it started."""
    return timedelta(seconds=float(current_app.config.get("STK_UNKNOWN_WINDOW_SECONDS") or 300))


def stuck_after() -> timedelta:
    """A push still ``initiated`` this long after it started has lost its worker."""
    return timedelta(seconds=float(current_app.config.get("STK_STUCK_AFTER_SECONDS") or 120))


def window_closes_at(payment: Payment) -> datetime:
    return payment.created_at + unknown_window()


def _is_push():
    return and_(Payment.provider == "mpesa", Payment.method == "mpesa_stk")


def in_flight_clause(now: datetime):
    """Payments a new attempt should return instead of prompting the phone again.

    ``initiated`` only while its worker may still be pushing (younger than ``stuck_after``);
    ``pending`` while its outcome may still come: with a reference (the poller bounds it), or
    an unknown push inside its window (the passenger was told to wait for the prompt).
    """
    return or_(
        and_(Payment.status == "initiated", Payment.created_at > now - stuck_after()),
        and_(Payment.status == "pending",
             or_(Payment.method != "mpesa_stk", Payment.provider_ref.is_not(None),
                 Payment.created_at > now - unknown_window())),
    )


def _push_id(raw) -> int | None:
    text = str(raw or "").strip()
    if not text.isdigit() or not 0 < int(text) <= _MAX_ID:
        return None
    return int(text)


def claim_for_callback(cb: StkCallback, push_id=None, now: datetime | None = None) -> Payment | None:
    """The push an STK callback answers when its CheckoutRequestID is not known here, locked
    and given that id (so replays find it directly); None when none fits for sure.

    ``push_id``: the ``push`` parameter of the callback URL, as received (checked here).
    Never commits.
    """
    now = now or utcnow()
    candidate = _push_id(push_id)
    if candidate is not None:
        found = db.session.scalar(select(Payment.id).where(
            Payment.id == candidate, _is_push(), Payment.provider_ref.is_(None)))
    else:
        found = _match_by_window(cb, now)
    if found is None:
        return None
    payment = lock_payment(found)
    if payment.provider_ref not in (None, cb.checkout_request_id):
        return None  # another callback claimed it meanwhile
    payment.provider_ref = cb.checkout_request_id
    db.session.flush()  # a racing duplicate meets the (provider, provider_ref) constraint here
    log.info("STK callback %s matched payment %s (%s), payer %s", cb.checkout_request_id, payment.id,
             "named by its URL" if candidate else "by payer, amount and window", mask_phone(cb.phone_e164))
    return payment


def _match_by_window(cb: StkCallback, now: datetime) -> int | None:
    """The one open unknown push with this payer and amount that started within the window."""
    if not cb.succeeded or not cb.phone_e164 or cb.amount_minor is None:
        return None  # nothing to match on (a failure carries neither payer nor amount)
    ids = db.session.scalars(select(Payment.id).where(
        _is_push(), Payment.provider_ref.is_(None), Payment.status.in_(("initiated", "pending")),
        Payment.phone == cb.phone_e164, Payment.amount == cb.amount_minor,
        Payment.created_at >= now - unknown_window(), Payment.created_at <= now,
    ).limit(2)).all()
    return ids[0] if len(ids) == 1 else None  # several alike: a person decides, nobody guesses


def close_window(payment: Payment, now: datetime) -> str:
    """An unknown push the poller took up: failed once its window has closed, else due again then."""
    closes = window_closes_at(payment)
    if now < closes:
        payment.next_poll_at = closes
        return "pending"
    _fail(payment, now)
    return "failed"


def _fail(payment: Payment, now: datetime) -> Settled:
    minutes = int((now - payment.created_at).total_seconds() // 60)
    return settle_failure(payment.id, code="no_answer", reason=f"no answer from M-Pesa {minutes} min after the push",
                          message=UNCONFIRMED, source="stk_window", now=now, actor="system:stk-window")


def stuck_pushes(now: datetime) -> list[int]:
    """Ids of pushes still ``initiated`` past the grace, oldest first."""
    return list(db.session.scalars(select(Payment.id).where(
        _is_push(), Payment.status == "initiated", Payment.created_at <= now - stuck_after(),
    ).order_by(Payment.created_at, Payment.id).limit(BATCH)))


def resolve_stuck(payment_id: int, now: datetime) -> str | None:
    """A push its worker never finished: polled when it has a reference, else an unknown push
    (failed at once when its window has already closed). None: not stuck after all."""
    payment = lock_payment(payment_id)
    if payment.status != "initiated" or payment.created_at > now - stuck_after():
        return None
    if payment.provider_ref is None and now >= window_closes_at(payment):
        _fail(payment, now)
        return "failed"
    transition(payment, "pending", reason="its worker stopped during the push; outcome unknown", now=now,
               actor="system:stk-sweep")
    if payment.provider_ref is not None:
        payment.next_poll_at = now  # the STK poller asks Daraja how it ended
        return "polling"
    payment.message = say(payment, PROMPT_SLOW)
    payment.next_poll_at = window_closes_at(payment)
    return "waiting"
