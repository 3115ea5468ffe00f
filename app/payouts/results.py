"""What Daraja's answers do: B2C and reversal results, their timeouts, status-check results.

Called by the M-Pesa channel (``channels/mpesa/payouts.py``) with a parsed result; none of
them commits (the channel does, once). Each is idempotent on Daraja's ids: a replay finds
the payout already paid or failed (or the status check already answered) and changes
nothing. What cannot be acted on is parked for a person (``app.payments.review``), never
lost: a result for a payout we do not know, a success for a payout already paid by hand
(money may have left twice), an amount that is not the payout's.

A timeout (``QueueTimeOutURL``) does not say the money did not leave: the payout stays
``sent`` and its status is asked at once (``next_check_at`` now).
"""
from __future__ import annotations

import logging
import re

from sqlalchemy import select

from app.core.phone import mask_phone
from app.database import utcnow
from app.extensions import db
from app.ledger.service import provider_clearing
from app.payments.providers.daraja import InitiatorResult
from app.payments.review import park
from app.payouts.models import Payout, StatusCheck
from app.payouts.sending import MAX_SENDS, schedule_resend
from app.payouts.service import return_to_wallet, settle_failed, settle_paid
from app.payouts.states import PAYOUT

log = logging.getLogger(__name__)

ALREADY_REVERSED = "R000001"
#: Transaction Status answers that say the money did not move.
FAILED_STATUSES = {"failed", "declined", "cancelled", "canceled", "expired"}
_STALE_KEY = re.compile(r"-payout-(\d+)-(\d+)$")
_MSISDN = re.compile(r"^\s*(\d{9,15})\b")


def _locked(payout_id: int | None) -> Payout | None:
    return PAYOUT.lock(payout_id) if payout_id is not None else None


def _by(column, value: str | None) -> Payout | None:
    if not value:
        return None
    return _locked(db.session.scalar(select(Payout.id).where(column == value[:64])))


def _park(source: str, reason: str, result: InitiatorResult, raw, payout: Payout | None = None) -> str:
    park(source, reason, raw, provider_ref=result.originator_conversation_id or result.conversation_id or None,
         receipt=result.transaction_id or None, payment_id=payout.payment_id if payout else None,
         amount=result.amount_minor)
    return reason


def _amount_differs(payout: Payout, result: InitiatorResult) -> bool:
    return result.amount_minor is not None and result.amount_minor != payout.amount


# ---- B2C


def b2c_result(result: InitiatorResult, raw) -> str:
    """The outcome of a B2C request, found by our key (``OriginatorConversationID``)."""
    payout = _by(Payout.originator_id, result.originator_conversation_id)
    if payout is None:
        stale = _STALE_KEY.search(result.originator_conversation_id or "")
        return _park("b2c_result", "earlier_attempt" if stale else "unknown_payout", result, raw)
    if result.succeeded:
        if payout.status == "paid":
            if payout.method == "manual":  # paid by hand, and by B2C too: a person must recover it
                return _park("b2c_result", "paid_twice", result, raw, payout)
            return "replay"
        if payout.status not in ("sent", "failed"):
            return _park("b2c_result", f"success_when_{payout.status}", result, raw, payout)
        if _amount_differs(payout, result):
            return _park("b2c_result", "amount_mismatch", result, raw, payout)
        settle_paid(payout, receipt=result.receipt, method="b2c", actor="provider:mpesa", reason="B2C result",
                    now=utcnow())
        return "paid"
    if payout.status == "sent":
        settle_failed(payout, code=result.result_code, desc=result.result_desc or "failed", actor="provider:mpesa")
        return "failed"
    if payout.status == "paid":
        return _park("b2c_result", "failure_after_paid", result, raw, payout)
    return "replay"


def b2c_timeout(result: InitiatorResult, raw) -> str:
    """Daraja's queue timed the request out: unknown, so its status is asked now."""
    return _ask_now(_by(Payout.originator_id, result.originator_conversation_id), "b2c_timeout", result, raw)


def _ask_now(payout: Payout | None, source: str, result: InitiatorResult, raw) -> str:
    if payout is None:
        return _park(source, "unknown_payout", result, raw)
    if payout.status == "sent":
        payout.next_check_at = utcnow()
        return "check now"
    return "replay"


# ---- reversal


def _reversal(payout_id: str | None, result: InitiatorResult) -> Payout | None:
    payout = _locked(int(payout_id)) if payout_id and payout_id.isdigit() and len(payout_id) < 10 else None
    if payout is None:
        payout = _by(Payout.conversation_id, result.conversation_id)
    return payout if payout is not None and payout.kind == "reversal" else None


def reversal_result(result: InitiatorResult, raw, payout_id: str | None = None) -> str:
    """The outcome of a reversal; ``payout_id`` is the ``payout`` our ResultURL named.

    Reversed, or "already reversed" (R000001: an earlier request of ours did it): paid, the
    money leaving the Paybill that received it. Any other refusal: the money goes to the
    payer's wallet instead, as it would have without reversals.
    """
    payout = _reversal(payout_id, result)
    if payout is None:
        return _park("reversal_result", "unknown_payout", result, raw)
    if result.succeeded or result.result_code == ALREADY_REVERSED:
        if payout.status in ("paid", "returned"):
            return "replay"
        if result.succeeded and _amount_differs(payout, result):
            return _park("reversal_result", "amount_mismatch", result, raw, payout)
        settle_paid(payout, receipt=result.transaction_id, method="reversal", actor="provider:mpesa",
                    reason="reversed" if result.succeeded else "already reversed", paid_from=provider_clearing("mpesa"),
                    now=utcnow())
        return "paid"
    if payout.status == "sent":
        settle_failed(payout, code=result.result_code, desc=result.result_desc or "refused", actor="provider:mpesa")
        return_to_wallet(payout, actor="provider:mpesa", reason=f"reversal refused: {result.result_desc}"[:200])
        return "returned"
    return "replay"


def reversal_timeout(result: InitiatorResult, raw, payout_id: str | None = None) -> str:
    return _ask_now(_reversal(payout_id, result), "reversal_timeout", result, raw)


# ---- transaction status


def _check(check_id: str | None, result: InitiatorResult) -> StatusCheck | None:
    check = None
    if check_id and check_id.isdigit() and len(check_id) < 10:
        check = db.session.get(StatusCheck, int(check_id), with_for_update=True, populate_existing=True)
    if check is None and result.conversation_id:
        check = db.session.scalar(select(StatusCheck).where(StatusCheck.conversation_id == result.conversation_id[:64])
                                  .with_for_update().execution_options(populate_existing=True))
    return check


def _payer(result: InitiatorResult) -> str | None:
    """``254722333444 - PETER OTIENO`` → ``+2547****3444``: who paid, masked; no name kept."""
    found = _MSISDN.match(str(result.parameters.get("DebitPartyName") or ""))
    return mask_phone(f"+{found.group(1)}") if found else None


def status_result(result: InitiatorResult, raw, check_id: str | None = None) -> str:
    """Record a status answer; for a payout's check, settle the payout by it."""
    check = _check(check_id, result)
    if check is None:
        return _park("status_result", "unknown_check", result, raw)
    if check.answered_at is not None:
        return "replay"
    check.answered_at = utcnow()
    check.result_code, check.result_desc = result.result_code[:20], (result.result_desc or "")[:200]
    check.transaction_status = (result.transaction_status or "")[:40] or None
    check.found_receipt = (result.receipt or "")[:40] or None
    check.amount, check.payer, check.completed_at = result.amount_minor, _payer(result), result.completed_at
    check.reason_type = str(result.parameters.get("ReasonType") or "")[:60] or None
    if check.purpose != "payout" or check.payout_id is None:
        return "answered"
    return _settle_by_status(_locked(check.payout_id), result, raw)


def _settle_by_status(payout: Payout, result: InitiatorResult, raw) -> str:
    if payout is None or payout.status != "sent":
        return "answered"
    status = (result.transaction_status or "").strip().lower()
    if result.succeeded and status == "completed":
        if _amount_differs(payout, result):
            return _park("status_result", "amount_mismatch", result, raw, payout)
        settle_paid(payout, receipt=result.receipt, method="b2c", actor="provider:mpesa",
                    reason="confirmed by transaction status", now=utcnow())
        return "paid"
    if result.succeeded and status in FAILED_STATUSES:
        settle_failed(payout, code=result.result_code, desc=f"transaction status: {result.transaction_status}",
                      actor="provider:mpesa")
        return "failed"
    if not result.succeeded and payout.sends < MAX_SENDS:
        # M-Pesa does not know the request: send it again under the same key (if Daraja had
        # it after all, it refuses the duplicate and nothing is paid twice).
        schedule_resend(payout)
        return "resend"
    return "answered"


def status_timeout(result: InitiatorResult, raw, check_id: str | None = None) -> str:
    """The status request itself timed out: noted; the payout's next check asks again."""
    check = _check(check_id, result)
    if check is None:
        return _park("status_timeout", "unknown_check", result, raw)
    if check.answered_at is None and not check.refused:
        check.refused = "timed out in Daraja's queue"
    return "noted"
