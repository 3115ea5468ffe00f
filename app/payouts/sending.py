"""Sending payouts through Daraja, and finding out what happened when no result came.

The rule that keeps a refund from being paid twice: a payout is sent under a key, its
B2C ``OriginatorConversationID`` (``<prefix>-payout-<id>-<attempt>``), and Daraja refuses a
second request with a key it already has. So:

1. ``send_payout`` claims the payout (``pending | failed → sent``, the next attempt's key),
   commits, then posts. A refusal of a *first* request (Daraja did not take it) fails the
   payout; no answer, a gateway error or a crash leaves it ``sent``: the outcome is unknown.
2. A ``sent`` payout with no result ``PAYOUT_CHECK_AFTER_SECONDS`` after it left is asked
   about (``check_payout``: Transaction Status by its key; the answer comes to
   ``/status/result``, ``app.payouts.results``). Completed: paid. Failed: failed. Unknown to
   M-Pesa: sent again, with the *same* key (``resend_payout``): if Daraja did have it after
   all, the resend is refused and nothing is paid twice.
3. Only a payout that Daraja says failed is ever sent under a new key (a retry, by a person).

Reversals carry no key of ours; a second reversal of one receipt is answered "already
reversed" (R000001), so a reversal whose result does not come is simply requested again.

Each step is its own unit of work (``app.extensions.unit_of_work``), on purpose: these are
job entry points, and no transaction is open while Daraja answers (the request leaves after
the claim commits; its answer is recorded in a unit of work of its own).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app

from app.core.callback_urls import callback_url
from app.database import utcnow
from app.extensions import db, unit_of_work
from app.jobs import MONEY_QUEUE, enqueue_after_commit, job_id
from app.payments.models import Payment
from app.payments.providers.daraja import DarajaError, DarajaUnavailable
from app.payments.providers.mpesa_stk import get_client
from app.payouts.models import Payout, StatusCheck
from app.payouts.service import initiator_ready, return_to_wallet, settle_failed
from app.payouts.states import PAYOUT

log = logging.getLogger(__name__)

B2C_RESULT, B2C_TIMEOUT = "/channels/mobile-money/b2c/result", "/channels/mobile-money/b2c/timeout"
REVERSAL_RESULT, REVERSAL_TIMEOUT = "/channels/mobile-money/reversal/result", "/channels/mobile-money/reversal/timeout"
STATUS_RESULT, STATUS_TIMEOUT = "/channels/mobile-money/status/result", "/channels/mobile-money/status/timeout"
ACTOR = "system:payouts"
MAX_SENDS = 3  # requests under one key: the first, and resends after "unknown to M-Pesa"


def originator_key(payout: Payout) -> str:
    """The B2C idempotency key of the payout's current attempt (unique, RQ- and Daraja-safe)."""
    prefix = current_app.config.get("PAYOUT_KEY_PREFIX") or "safiri"
    return f"{prefix}-payout-{payout.id}-{payout.attempt}"


def check_delay(checks: int) -> timedelta:
    """How long after a request (or the last status check) the next check is due: the first
    after ``PAYOUT_CHECK_AFTER_SECONDS``, then doubling, capped."""
    first = float(current_app.config.get("PAYOUT_CHECK_AFTER_SECONDS") or 90)
    cap = float(current_app.config.get("PAYOUT_CHECK_MAX_DELAY_SECONDS") or 1800)
    return timedelta(seconds=min(cap, first * 2 ** max(0, checks)))


def _remarks(payout: Payout) -> str:
    return {"refund": "Safiri refund", "withdrawal": "Safiri wallet withdrawal", "closure": "Safiri wallet balance",
            "reversal": "Double payment"}[payout.kind] + f" {payout.id}"


def send_payout(payout_id: int) -> str:
    """Claim a pending or failed payout for its next attempt, then send it (job entry point)."""
    now = utcnow()
    refused = unit_of_work(lambda: _claim(payout_id, now))
    return refused or _post(payout_id)


def _claim(payout_id: int, now: datetime) -> str | None:
    """The payout moved to ``sent`` under its next key (None), or why there is nothing to send."""
    payout = PAYOUT.lock(payout_id)
    if payout is None or payout.status not in ("pending", "failed") or not initiator_ready():
        return "nothing to send"
    if payout.kind != "reversal" and not payout.phone:
        return "no number: a person pays it"
    payout.attempt += 1
    payout.sends, payout.checks = 0, 0
    payout.originator_id = originator_key(payout)
    payout.method = "reversal" if payout.kind == "reversal" else "b2c"
    payout.conversation_id = payout.result_code = payout.result_desc = None
    PAYOUT.transition(payout, "sent", actor=ACTOR, reason=f"attempt {payout.attempt}", now=now, locked=True)
    payout.sent_at = now
    return None


def resend_payout(payout_id: int) -> str:
    """Post a ``sent`` payout again under the same key (M-Pesa did not know it; job entry point)."""
    payout = PAYOUT.lock(payout_id)
    resendable = payout is not None and payout.status == "sent" and payout.sends < MAX_SENDS
    db.session.rollback()  # a look only: ``_post`` locks it again
    return _post(payout_id) if resendable else "nothing to resend"


def _leaving(payout_id: int):
    """Record that a request is leaving; what the call needs, read before the commit."""
    payout = PAYOUT.lock(payout_id)
    key, attempt = payout.originator_id, payout.attempt
    payout.sends += 1
    first = payout.sends == 1
    payout.next_check_at = utcnow() + check_delay(0)
    return key, attempt, first, _request(payout)


def _post(payout_id: int) -> str:
    """Record that a request is leaving, post it, record Daraja's answer (three short steps,
    the first and the last each a unit of work)."""
    # Committed before the call: a crash from here on leaves a sent payout the status check settles.
    key, attempt, first, request = unit_of_work(lambda: _leaving(payout_id))
    try:
        accepted = request()  # no transaction is open while Daraja answers
    except ValueError as exc:  # Daraja would refuse it (an amount in cents, a foreign number)
        return _refused(payout_id, attempt, first, "invalid", str(exc))
    except DarajaUnavailable as exc:  # never left, or maybe did (DarajaNoAnswer): ask later
        log.warning("payout %s (%s): no answer from Daraja (%s); its status will be asked", payout_id, key, exc)
        return "unknown"
    except DarajaError as exc:
        if exc.status is not None and exc.status >= 500:
            log.warning("payout %s (%s): Daraja error %s; its status will be asked", payout_id, key, exc.status)
            return "unknown"
        return _refused(payout_id, attempt, first, exc.code or str(exc.status or ""), exc.message)
    unit_of_work(lambda: _accepted(payout_id, attempt, accepted.conversation_id))
    return "sent"


def _accepted(payout_id: int, attempt: int, conversation_id: str) -> None:
    payout = PAYOUT.lock(payout_id)
    if payout.status == "sent" and payout.attempt == attempt and not payout.conversation_id:
        payout.conversation_id = conversation_id[:64]


def _request(payout: Payout):
    """The Daraja call of this payout's current attempt, ready to make (a function of nothing)."""
    client, remarks = get_client(), _remarks(payout)
    if payout.kind == "reversal":
        receipt = db.session.get(Payment, payout.payment_id).receipt or ""
        amount, result, timeout = (payout.amount, callback_url(REVERSAL_RESULT, payout=payout.id),
                                   callback_url(REVERSAL_TIMEOUT, payout=payout.id))
        return lambda: client.reverse(receipt, amount, remarks=remarks, result_url=result, timeout_url=timeout)
    key, phone, amount, occasion = payout.originator_id, payout.phone, payout.amount, payout.kind
    result, timeout = callback_url(B2C_RESULT), callback_url(B2C_TIMEOUT)
    return lambda: client.b2c_payment(key, phone, amount, remarks=remarks, occasion=occasion, result_url=result,
                                      timeout_url=timeout)


def _refused(payout_id: int, attempt: int, first: bool, code: str, desc: str) -> str:
    """Daraja refused the request. The first request under a key: it did not take it, so the
    payout failed (a reversal it will not do goes back to the wallet). A resend: Daraja may
    be refusing a key it already has, so nothing is decided; the status check goes on."""
    return unit_of_work(lambda: _refuse(payout_id, attempt, first, code, desc))


def _refuse(payout_id: int, attempt: int, first: bool, code: str, desc: str) -> str:
    payout = PAYOUT.lock(payout_id)
    if payout.status != "sent" or payout.attempt != attempt:
        return "moved on"
    if not first:
        log.info("payout %s: resend refused (%s); waiting for its status", payout_id, code)
        return "resend refused"
    settle_failed(payout, code=code, desc=desc, actor="provider:mpesa")
    if payout.kind == "reversal":
        return_to_wallet(payout, actor="provider:mpesa", reason=f"reversal refused: {desc}")
    return "refused"


def check_payout(payout_id: int, now: datetime | None = None) -> str:
    """A sent payout whose result is overdue: ask Daraja how it went (job entry point)."""
    now = now or utcnow()
    step, check_id, originator_id = unit_of_work(lambda: _next_check(payout_id, now))
    if step == "post":
        return _post(payout_id)
    if step == "ask":
        return ask(check_id, originator_id=originator_id, b2c=True)
    if step == "needs a person":
        log.error("payout %s: no outcome after %s status checks; a person must look at it", payout_id,
                  current_app.config.get("PAYOUT_MAX_CHECKS") or 8)
    return step


def _next_check(payout_id: int, now: datetime) -> tuple[str, int | None, str | None]:
    """Count the check and say what comes next: ``post`` (a reversal requested again), ``ask``
    (the status check written: its id and key), or the outcome (nothing to ask)."""
    payout = PAYOUT.lock(payout_id)
    if (payout is None or payout.status != "sent" or payout.next_check_at is None or payout.next_check_at > now
            or not initiator_ready()):
        return "not due", None, None
    max_checks = int(current_app.config.get("PAYOUT_MAX_CHECKS") or 8)
    if payout.checks >= max_checks:
        payout.next_check_at = None  # a person takes it from here (listed as needing attention)
        return "needs a person", None, None
    payout.checks += 1
    payout.next_check_at = now + check_delay(payout.checks)
    if payout.kind == "reversal":  # no key to ask about: request it again (R000001 if done)
        return ("post" if payout.sends < MAX_SENDS else "waiting"), None, None
    check = StatusCheck(purpose="payout", payout_id=payout.id, carrier_id=payout.carrier_id,
                        originator_id=payout.originator_id, requested_by=ACTOR, created_at=now)
    db.session.add(check)
    db.session.flush()
    return "ask", check.id, payout.originator_id


def ask(check_id: int, *, receipt: str | None = None, originator_id: str | None = None, b2c: bool = False) -> str:
    """Send one Transaction Status request; its answer comes to ``/status/result?check=<id>``."""
    try:
        accepted = get_client().transaction_status(
            receipt=receipt, originator_id=originator_id, b2c=b2c, remarks=f"Safiri status check {check_id}",
            result_url=callback_url(STATUS_RESULT, check=check_id),
            timeout_url=callback_url(STATUS_TIMEOUT, check=check_id))
    except (DarajaError, ValueError) as exc:
        reason = str(exc)[:200]
        unit_of_work(lambda: _record_check(check_id, refused=reason))
        log.warning("status check %s not taken by Daraja: %s", check_id, exc)
        return "refused"
    unit_of_work(lambda: _record_check(check_id, conversation_id=accepted.conversation_id[:64]))
    return "asked"


def _record_check(check_id: int, **answer) -> None:
    """Daraja's answer to a status request, on its check (its own unit of work, after the call)."""
    check = db.session.get(StatusCheck, check_id)
    for field, value in answer.items():
        setattr(check, field, value)


def schedule_resend(payout: Payout) -> None:
    """After commit, post the payout again under its key (M-Pesa said it does not know it)."""
    enqueue_after_commit("app.payouts.sending:resend_payout", payout.id,
                         job_id=job_id("payout", payout.id, "resend", payout.attempt, payout.sends + 1),
                         queue=MONEY_QUEUE)
