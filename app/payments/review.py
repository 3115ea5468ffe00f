"""Parking what cannot be acted on, so a person can resolve it and nothing is lost.

Operator callbacks for unknown payments, amounts that do not match, Paybill payments to
an unknown account: each is stored whole (raw body, reason, provider ids) and logged with
the phone masked. Money that arrived sits in the ``review_suspense`` ledger account until
someone moves it. A replayed callback finds its row by ``dedupe_key`` and adds nothing.
"""
from __future__ import annotations

import hashlib
import json
import logging

from sqlalchemy import select

from app.core.phone import mask_phone
from app.extensions import db
from app.payments.models import ParkedCallback

log = logging.getLogger(__name__)


def _fit(column: str, value: str | None) -> str | None:
    length = ParkedCallback.__table__.c[column].type.length
    return value[:length] if value is not None else None


def park(
    source: str,
    reason: str,
    body,
    *,
    provider_ref: str | None = None,
    receipt: str | None = None,
    payment_id: int | None = None,
    amount: int | None = None,
    phone: str | None = None,
) -> ParkedCallback:
    """Store a callback for review (once per source/reason/provider id); never commits."""
    key = f"{source}:{reason}:{receipt or provider_ref or payment_id or ''}"
    if not (receipt or provider_ref or payment_id):
        # No provider id to dedupe on: the body itself is the identity.
        raw = body if isinstance(body, str) else json.dumps(body, sort_keys=True, default=str)
        key = f"{source}:{reason}:sha256:{hashlib.sha256(raw.encode()).hexdigest()}"
    existing = db.session.scalar(select(ParkedCallback).where(ParkedCallback.dedupe_key == key[:200]))
    if existing is not None:
        return existing
    text = body if isinstance(body, str) else json.dumps(body, default=str)
    # An operator's id can be longer than any id it really issues (a forged or garbled
    # callback): parking must still work, so every text is cut to its column.
    parked = ParkedCallback(
        dedupe_key=key[:200], source=_fit("source", source), reason=_fit("reason", reason),
        provider_ref=_fit("provider_ref", provider_ref), receipt=_fit("receipt", receipt),
        payment_id=payment_id, amount=amount, body=text[:20000],
    )
    db.session.add(parked)
    db.session.flush()
    log.warning(
        "parked %s callback (%s) ref=%s receipt=%s payer=%s",
        source, reason, provider_ref, receipt, mask_phone(phone),
    )
    return parked
