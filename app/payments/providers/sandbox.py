"""The sandbox provider: what runs when no operator is configured (``make run``, demos, tests).

It "confirms by itself shortly after": a job queued after commit settles the payment as a
success through the same settlement function as a real callback (inline mode runs it right
after the commit; with Redis, the worker does). It fails on demand: a payer phone ending
in ``0000`` fails like a cancelled M-Pesa prompt (1032), or for airtime like an empty
airtime balance (InsufficientCredit). Airtime is simulated as the operator does it: one
charge per premium price point, each settled on its own (``app.payments.airtime``); a
payer phone ending in ``0099`` has its last charge fail, so a total made of several
messages fails part-way and the charged part goes to the wallet. It is never used when operator credentials are set,
and never in production: it refuses to start or settle anything there, whoever picks it.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.jobs import enqueue_after_commit, job_id
from app.payments.airtime import plan_airtime
from app.payments.messages import stk_failure_key
from app.payments.models import AirtimeCharge, Payment
from app.payments.providers.base import StartResult
from app.production import is_production

FAIL_SUFFIX = "0000"
PARTIAL_SUFFIX = "0099"
# The sandbox's "operator answering": a use case (it settles orders through booking, which
# payments does not import), queued by job name after the payment row commits.
CONFIRM_JOB = "app.sales.confirming:confirm_sandbox_payment"


class SandboxForbidden(RuntimeError):
    """The sandbox provider was reached in production: a bug, never a payment."""


def _refuse_in_production() -> None:
    if is_production(current_app.config):
        raise SandboxForbidden("the sandbox payment provider does not exist in production")


class SandboxProvider:
    name = "sandbox"

    def __init__(self) -> None:
        _refuse_in_production()  # choosing it is already the bug

    def start(self, payment, *, account_reference: str, description: str, link_id: str | None = None) -> StartResult:
        _refuse_in_production()
        ref = f"SBX-{uuid.uuid4().hex[:16]}"
        enqueue_after_commit(CONFIRM_JOB, payment.id, job_id=job_id("sandbox", payment.id))
        if payment.method == "airtime":
            charges = tuple((seq, point.keyword, point.amount, f"{ref}-{seq}", None)
                            for seq, point in enumerate(plan_airtime(payment.amount, payment.currency), 1))
            return StartResult(accepted=True, provider_ref=ref, charges=charges,
                               message="airtime_started_sandbox")
        message = "mpesa_prompt_sandbox"  # catalogue key, like every provider's message
        return StartResult(accepted=True, provider_ref=ref, message=message)


@dataclass(frozen=True)
class SandboxAnswer:
    """What the sandbox, playing the operator, says about one payment."""

    payment: Payment | None  # None: not a sandbox payment, nothing to say
    receipt: str | None = None  # set: the money moved
    failure: dict | None = None  # set: ``settle_failure`` arguments (a cancelled prompt)
    reports: tuple = ()  # airtime: one delivery report per premium message (message_id, status, reason)


def answer(payment_id: int) -> SandboxAnswer:
    """How the operator would answer ``payment_id``: a success, a failure (payer phone ending
    in ``0000``), or for airtime one delivery report per message. Changes nothing."""
    _refuse_in_production()
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.provider != SandboxProvider.name:
        return SandboxAnswer(None)
    if payment.method == "airtime":
        return SandboxAnswer(payment, reports=_airtime_reports(payment))
    if (payment.phone or "").endswith(FAIL_SUFFIX):
        return SandboxAnswer(payment, failure=dict(code="1032", reason="Request cancelled by user",
                                                   message=stk_failure_key(1032)))
    return SandboxAnswer(payment, receipt=f"SBX{payment.id:07d}")


def _airtime_reports(payment) -> tuple:
    """One delivery report per premium message, as the gateway would send them."""
    charges = db.session.scalars(
        select(AirtimeCharge).where(AirtimeCharge.payment_id == payment.id, AirtimeCharge.status == "pending")
        .order_by(AirtimeCharge.seq)
    ).all()
    phone = payment.phone or ""
    last = max((c.seq for c in charges), default=0)
    reports = []
    for charge in charges:
        fails = phone.endswith(FAIL_SUFFIX) or (phone.endswith(PARTIAL_SUFFIX) and charge.seq == last)
        reports.append((charge.provider_ref, "Failed" if fails else "Success", "InsufficientCredit" if fails else None))
    return tuple(reports)
