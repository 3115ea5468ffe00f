"""Jobs of the payments area: settling STK pushes whose callback never came.

Daraja sometimes never calls back. ``poll_pending_stk`` asks Daraja (STK query) about
every push pending for more than ``STK_POLL_AFTER_SECONDS`` and settles it through the
same settlement functions as the callback, each in its own transaction (one Daraja error
does not stop the others). "Still being processed" leaves the payment pending. The lead
schedules it (``app.jobs.periodic.SWEEPS``).
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

from app.database import utcnow
from app.extensions import db
from app.payments.messages import stk_failure_message
from app.payments.models import Payment
from app.payments.providers.daraja_client import DarajaError
from app.payments.providers.mpesa_stk import daraja_configured, get_client
from app.payments.service import pending_stk_payments
from app.payments.settlement import settle_failure, settle_success

log = logging.getLogger(__name__)


def poll_pending_stk(now=None) -> dict:
    """Settle stale pending STK pushes by STK query; returns counts per result."""
    counts = {"succeeded": 0, "failed": 0, "pending": 0, "errors": 0}
    if not daraja_configured(current_app.config):
        return counts
    now = now or utcnow()
    after = timedelta(seconds=int(current_app.config.get("STK_POLL_AFTER_SECONDS", 120)))
    client = get_client()
    for payment_id in pending_stk_payments(after, now):
        payment = db.session.get(Payment, payment_id)
        try:
            answer = client.stk_query(payment.provider_ref)
        except DarajaError as exc:
            log.warning("STK query for payment %s failed: %s", payment_id, exc)
            counts["errors"] += 1
            continue
        if answer.pending:
            counts["pending"] += 1
            continue
        if answer.succeeded:
            # The query carries no receipt or payer; the amount is the one we pushed.
            settle_success(payment_id, amount=payment.amount, currency=payment.currency,
                           source="stk_query", raw=dict(answer.raw), now=now)
            counts["succeeded"] += 1
        else:
            settle_failure(payment_id, code=str(answer.result_code), reason=answer.result_desc or "failed",
                           message=stk_failure_message(answer.result_code), source="stk_query", now=now)
            counts["failed"] += 1
        db.session.commit()
    return counts
