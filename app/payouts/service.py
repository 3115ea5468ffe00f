"""Creating payouts, settling them, and what a person does with one.

A payout is created ``pending`` for money already moved into a ``payouts_pending`` ledger
account (a refund to M-Pesa, a withdrawal, a deleted account's wallet, a double payment to
reverse). With an API initiator configured, a job sends it (``app.payouts.sending``);
without one it waits for a person, who pays it by hand and marks it paid with the
reference. Every change of status goes through ``PAYOUT`` (actor and history), every
movement of money is one balanced ledger transaction, and nothing here commits: the use
case or the callback adapter that called does.

Who may act on a payout: a platform admin on any; a carrier admin on its carrier's (the
carrier's refunds); anyone else, or another carrier's admin, gets 404.

Where the money comes from when a person pays by hand: a platform admin pays from the
platform's B2C account (``provider_clearing:mpesa_b2c``, as Daraja would); a carrier admin
pays from the carrier's own M-Pesa, so the platform owes the carrier that much back
(``carrier_payable:<carrier>``).
"""
from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from app.auth.models import User
from app.database import utcnow
from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db
from app.jobs import MONEY_QUEUE, enqueue_after_commit, job_id
from app.ledger.models import LedgerEntry
from app.ledger.service import (
    B2C_CLEARING,
    PLATFORM_FEES,
    Leg,
    carrier_payable,
    post,
    wallet_account,
)
from app.messaging import Amount, t
from app.messaging.service import queue_sms
from app.payments.models import Payment, Refund
from app.payments.providers.daraja import initiator_configured
from app.payments.states import REFUND
from app.payouts.models import Payout
from app.payouts.states import PAYOUT

log = logging.getLogger(__name__)

SEND_JOB = "app.payouts.sending:send_payout"
PAYOUTS_PENDING_PREFIX = "payouts_pending:"


def initiator_ready() -> bool:
    """Payouts go out through Daraja (else they wait for a person)."""
    return initiator_configured(current_app.config)


def schedule_send(payout: Payout) -> None:
    """Send ``payout`` after commit (one job per attempt: a replay queues nothing new)."""
    enqueue_after_commit(SEND_JOB, payout.id, job_id=job_id("payout", payout.id, "send", payout.attempt + 1),
                         queue=MONEY_QUEUE)


def create_payout(kind: str, ref: str, *, amount: int, currency: str, account: str, phone: str | None,
                  actor: str, reason: str, user_id: int | None = None, carrier_id: int | None = None,
                  refund_id: int | None = None, payment_id: int | None = None, fee: int = 0,
                  now: datetime | None = None) -> Payout:
    """A new ``pending`` payout of money already in ``account`` (once per ``ref``)."""
    existing = db.session.scalar(select(Payout).where(Payout.ref == ref))
    if existing is not None:
        return existing
    cents = amount % 100
    if cents and kind != "reversal":
        # M-Pesa pays whole shillings: the platform rounds up, in the passenger's favour.
        # The platform's cost, not the carrier's business: not tagged with the carrier (its reports).
        post("payout_rounding", ref, [Leg(PLATFORM_FEES, cents - 100, currency), Leg(account, 100 - cents, currency)],
             memo="rounded up to whole shillings for M-Pesa", now=now)
        amount += 100 - cents
    payout = PAYOUT.create(Payout(
        ref=ref, kind=kind, amount=amount, currency=currency, account=account, phone=phone, user_id=user_id,
        carrier_id=carrier_id, refund_id=refund_id, payment_id=payment_id, fee=fee,
    ), "pending", actor=actor, reason=reason, now=now)
    if initiator_ready() and (phone or kind == "reversal"):
        schedule_send(payout)
    log.info("payout %s (%s, %s %s) created%s", payout.id, kind, amount, currency,
             "" if initiator_ready() else ": no API initiator, a person pays it")
    return payout


def _owed_account(refund: Refund) -> str | None:
    """The ``payouts_pending:`` account the refund's ledger transaction moved the money to."""
    if refund.ledger_transaction_id is None:
        return None
    return db.session.scalar(select(LedgerEntry.account).where(
        LedgerEntry.transaction_id == refund.ledger_transaction_id, LedgerEntry.amount > 0,
        LedgerEntry.account.startswith(PAYOUTS_PENDING_PREFIX)))


def _carrier_of(account: str) -> int | None:
    owner = account[len(PAYOUTS_PENDING_PREFIX):]
    return int(owner) if owner.isdigit() else None


def payout_for_refund(refund: Refund, *, actor: str = "system:payouts", now: datetime | None = None) -> Payout | None:
    """The payout of a refund owed to M-Pesa (created once; None if nothing is owed).

    A refund to the passenger's M-Pesa (``destination='mpesa'``) is paid by B2C to the
    number it records (the payer's, else the account's); a deleted account's wallet
    (``wallet-payout:``) likewise; a double payment to reverse (``destination='reversal'``)
    by reversing its receipt.
    """
    if refund.status != "pending_payout":
        return None
    account = _owed_account(refund)
    if account is None:
        log.error("refund %s is owed but its ledger transaction names no payouts_pending account", refund.id)
        return None
    payment = db.session.get(Payment, refund.payment_id) if refund.payment_id else None
    user = db.session.get(User, refund.user_id) if refund.user_id else None
    if refund.destination == "reversal":
        kind = "reversal"
    else:
        kind = "closure" if refund.ref.startswith("wallet-payout:") else "refund"
    phone = refund.payout_phone or (payment.phone if payment else None) or (user.phone if user else None)
    payout = create_payout(
        kind, f"refund:{refund.id}", amount=refund.amount, currency=refund.currency, account=account,
        phone=None if kind == "reversal" else phone, actor=actor, reason=refund.reason, user_id=refund.user_id,
        carrier_id=_carrier_of(account), refund_id=refund.id, payment_id=refund.payment_id, now=now,
    )
    refund.payout_phone = None  # the number lives in one place: the payout that pays it
    return payout


def hand_numbers_to_payouts(user_id: int, *, actor: str) -> int:
    """Before an account is erased: each of its refunds still owed to M-Pesa gets its payout
    (if it has none yet), and the payout alone keeps the number it goes to. Never commits."""
    owed = db.session.scalars(select(Refund).where(
        Refund.user_id == user_id, Refund.status == "pending_payout", Refund.destination == "mpesa")).all()
    for refund in owed:
        payout = db.session.scalar(select(Payout).where(Payout.refund_id == refund.id)) or \
            payout_for_refund(refund, actor=actor)
        if payout is not None:
            refund.payout_phone = None
    return len(owed)


# ---- settling


def settle_paid(payout: Payout, *, receipt: str | None, method: str, actor: str, reason: str,
                paid_from: str = B2C_CLEARING, now: datetime | None = None) -> bool:
    """The money left: ``→ paid``, the ledger moved, the refund completed, the passenger told.

    ``payout`` is locked by the caller. False (nothing changed) when it was already paid.
    """
    if payout.status == "paid":
        return False
    now = now or utcnow()
    PAYOUT.transition(payout, "paid", actor=actor, reason=reason, now=now, locked=True)
    payout.method, payout.paid_at, payout.next_check_at = method, now, None
    if receipt:
        payout.receipt = receipt[:40]
    post("payout", f"payout:{payout.id}", [
        Leg(payout.account, -payout.amount, payout.currency),
        Leg(paid_from, payout.amount, payout.currency),
    ], carrier_id=payout.carrier_id, payment_id=payout.payment_id, memo=f"{payout.kind} paid ({method})", now=now)
    _complete_refund(payout, actor, now)
    _tell(payout, "payout_paid", reference=payout.receipt or "-")
    if payout.kind == "closure":
        _forget_number(payout)
    log.info("payout %s paid (%s)", payout.id, method)
    return True


def _forget_number(payout: Payout) -> None:
    """A deleted account's number was kept only to pay it: once paid, it goes."""
    payout.phone = None


def settle_failed(payout: Payout, *, code: str | None, desc: str, actor: str, now: datetime | None = None) -> bool:
    """Daraja says the money did not leave: ``sent → failed``; the money stays owed."""
    if payout.status != "sent":
        return False
    PAYOUT.transition(payout, "failed", actor=actor, reason=f"{code or '-'}: {desc}", now=now, locked=True)
    payout.result_code, payout.result_desc, payout.next_check_at = (code or "")[:20] or None, desc[:200], None
    log.warning("payout %s failed (%s)", payout.id, code)
    return True


def return_to_wallet(payout: Payout, *, actor: str, reason: str, now: datetime | None = None) -> None:
    """Give the money back to the passenger's wallet instead (and a withdrawal's fee with it)."""
    if payout.kind == "closure" or payout.user_id is None:
        raise Conflict("This payout belongs to no wallet it could go back to.", slug="payout-no-wallet")
    now = now or utcnow()
    PAYOUT.transition(payout, "returned", actor=actor, reason=reason, now=now, locked=True)
    legs = [Leg(payout.account, -payout.amount, payout.currency),
            Leg(wallet_account(payout.user_id), payout.amount + payout.fee, payout.currency)]
    if payout.fee:
        legs.append(Leg(PLATFORM_FEES, -payout.fee, payout.currency))
    post("payout_returned", f"payout:{payout.id}", legs, carrier_id=payout.carrier_id, payment_id=payout.payment_id,
         memo=reason, now=now)
    payout.next_check_at = None
    _complete_refund(payout, actor, now)
    _tell(payout, "payout_returned")


def _complete_refund(payout: Payout, actor: str, now) -> None:
    if payout.refund_id is None:
        return
    refund = REFUND.lock(payout.refund_id)
    if refund is not None and refund.status == "pending_payout":
        REFUND.transition(refund, "completed", actor=actor, reason=f"payout {payout.id} {payout.status}", now=now,
                          locked=True)


def _tell(payout: Payout, key: str, **values) -> None:
    """An SMS to the passenger about their money (not for a deleted account, which has none)."""
    user = db.session.get(User, payout.user_id) if payout.user_id else None
    if user is None or not user.phone or payout.kind == "closure":
        return
    queue_sms(user.phone, t(key, user.language, amount=Amount(payout.amount, payout.currency), **values),
              kind="payout", user_id=user.id)


# ---- a person's actions


def visible_payout(user: User, payout_id: int, carrier_id: int | None = None, *, lock: bool = False) -> Payout:
    """The payout, if ``user`` may see it (404 otherwise, as for anything of another carrier)."""
    payout = PAYOUT.lock(payout_id) if lock else db.session.get(Payout, payout_id)
    if payout is None or (carrier_id is not None and payout.carrier_id != carrier_id):
        raise NotFound("No such payout.")
    if user.role == "platform_admin":
        return payout
    if user.role == "carrier_admin" and payout.carrier_id is not None and payout.carrier_id == user.carrier_id:
        return payout
    raise NotFound("No such payout.")


def payouts_query(user: User, *, carrier_id: int | None = None, status: str | None = None):
    """The payouts ``user`` may list (a carrier's, or every one for a platform admin), newest first."""
    query = select(Payout).order_by(Payout.id.desc())
    if user.role != "platform_admin":
        query = query.where(Payout.carrier_id == user.carrier_id)
    if carrier_id is not None:
        query = query.where(Payout.carrier_id == carrier_id)
    if status:
        query = query.where(Payout.status == status)
    return query


def mark_paid(user: User, payout_id: int, reference: str, *, carrier_id: int | None = None) -> Payout:
    """A person paid it by hand; ``reference`` is the M-Pesa receipt (or bank reference) they got.

    409 ``payout-state`` when it is already paid or given back.
    """
    reference = " ".join((reference or "").split())
    if not 4 <= len(reference) <= 40:
        raise Unprocessable("Give the payment's reference (4 to 40 characters).", slug="invalid-reference",
                            errors={"reference": ["4 to 40 characters."]})
    payout = visible_payout(user, payout_id, carrier_id, lock=True)
    if payout.status not in PAYOUT.sources("paid"):
        raise PAYOUT.refusal(payout.status, "paid")
    paid_from = B2C_CLEARING if user.role == "platform_admin" else carrier_payable(payout.carrier_id)
    settle_paid(payout, receipt=reference, method="manual", actor=f"user:{user.id}",
                reason=f"paid by hand, reference {reference}", paid_from=paid_from)
    return payout


def retry(user: User, payout_id: int, *, carrier_id: int | None = None) -> Payout:
    """Send a failed payout again (a new attempt, with its own key). 409 when it is not failed
    or no API initiator is configured (then a person pays it and marks it paid)."""
    payout = visible_payout(user, payout_id, carrier_id, lock=True)
    if payout.status != "failed":
        raise Conflict(f"Only a failed payout is sent again; this one is {payout.status}.", slug="payout-state")
    if not initiator_ready() or (payout.kind != "reversal" and not payout.phone):
        raise Conflict("Payouts cannot be sent to M-Pesa from here: pay it by hand and mark it paid.",
                       slug="payouts-manual")
    schedule_send(payout)
    return payout


def give_back(user: User, payout_id: int, reason: str, *, carrier_id: int | None = None) -> Payout:
    """A person gives a pending or failed payout back to the passenger's wallet."""
    payout = visible_payout(user, payout_id, carrier_id, lock=True)
    if payout.status not in PAYOUT.sources("returned"):
        raise PAYOUT.refusal(payout.status, "returned")
    return_to_wallet(payout, actor=f"user:{user.id}", reason=reason or "given back to the wallet")
    return payout
