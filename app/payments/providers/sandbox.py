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

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.jobs import enqueue_after_commit, job_id
from app.payments.airtime import plan_airtime, settle_charge
from app.payments.messages import stk_failure_key
from app.payments.models import AirtimeCharge, Payment
from app.payments.providers.base import StartResult
from app.payments.settlement import settle_failure, settle_success
from app.production import is_production

FAIL_SUFFIX = "0000"
PARTIAL_SUFFIX = "0099"


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
        enqueue_after_commit("app.payments.providers.sandbox:confirm", payment.id, job_id=job_id("sandbox", payment.id))
        if payment.method == "airtime":
            charges = tuple((seq, point.keyword, point.amount, f"{ref}-{seq}", None)
                            for seq, point in enumerate(plan_airtime(payment.amount, payment.currency), 1))
            return StartResult(accepted=True, provider_ref=ref, charges=charges,
                               message="airtime_started_sandbox")
        message = "mpesa_prompt_sandbox"  # catalogue key, like every provider's message
        return StartResult(accepted=True, provider_ref=ref, message=message)


def confirm(payment_id: int) -> None:
    """Job: settle a sandbox payment as the operator would, then commit."""
    _refuse_in_production()
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.provider != SandboxProvider.name:
        return
    if payment.method == "airtime":
        _confirm_airtime(payment)
    elif (payment.phone or "").endswith(FAIL_SUFFIX):
        settle_failure(payment_id, code="1032", reason="Request cancelled by user",
                       message=stk_failure_key(1032), source="sandbox")
    else:
        settle_success(payment_id, amount=payment.amount, currency=payment.currency,
                       receipt=f"SBX{payment.id:07d}", payer_phone=payment.phone, source="sandbox")
    db.session.commit()


def _confirm_airtime(payment) -> None:
    """One delivery report per premium message, through the same path as the gateway's."""
    charges = db.session.scalars(
        select(AirtimeCharge).where(AirtimeCharge.payment_id == payment.id, AirtimeCharge.status == "pending")
        .order_by(AirtimeCharge.seq)
    ).all()
    phone = payment.phone or ""
    refs = [(c.provider_ref, c.seq) for c in charges]
    last = max((seq for _, seq in refs), default=0)
    for ref, seq in refs:
        fails = phone.endswith(FAIL_SUFFIX) or (phone.endswith(PARTIAL_SUFFIX) and seq == last)
        settle_charge(ref, "Failed" if fails else "Success", "InsufficientCredit" if fails else None,
                      source="sandbox")
