"""The scheduled pull: Paybill payments whose confirmation never came, found and applied.

Daraja sometimes never calls the C2B confirmation URL. For each Paybill registered for Pull
Transactions, this sweep (``app.jobs.periodic``, every 5 sweep intervals: 5 minutes by
default) asks Daraja for the C2B payments since where its last complete pull ended (less
``PULL_OVERLAP_MINUTES`` for late entries, never more than Daraja's 48 hours), page by page.
A payment whose receipt is not here is handed to the Paybill confirmation use case, exactly
as the confirmation would have been (``app.sales.confirming.paybill_confirmation``: to its
booking, or the payer's wallet, or suspense), each in its own unit of work. The use case is idempotent on the TransID, so a payment seen
twice, or confirmed by the callback meanwhile, changes nothing.

A payment that names a booking whose STK prompt is still in flight for the same amount is
left to the STK poller: applying it here too would pay the booking twice.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, select

from app.booking.models import Order
from app.core.phone import mask_phone
from app.database import utcnow
from app.extensions import db, unit_of_work
from app.payments.models import Payment
from app.payments.providers.daraja import C2BNotification, DarajaError
from app.payments.providers.mpesa_stk import CONNECT_TIMEOUT_SECONDS, daraja_configured
from app.reconciliation.daraja import PullTransactionsClient, PulledTransaction
from app.reconciliation.daraja.http import TIMEOUT
from app.reconciliation.models import MpesaShortcode
from app.sales import confirming

log = logging.getLogger(__name__)

DARAJA_WINDOW = timedelta(hours=48)  # how far back Pull Transactions answers
MAX_PAGES = 50  # a bound on one run; what is left is pulled on the next
_client_lock = threading.Lock()


def pull_client() -> PullTransactionsClient:
    """The app's one Pull Transactions client (built on first use from the ``MPESA_*`` settings)."""
    app = current_app._get_current_object()
    with _client_lock:
        client = app.extensions.get("daraja_pull_client")
        if client is None:
            client = PullTransactionsClient.from_settings(app.config, timeout=(CONNECT_TIMEOUT_SECONDS, TIMEOUT[1]))
            app.extensions["daraja_pull_client"] = client
    return client


def pull_transactions(now: datetime | None = None) -> dict:
    """Sweep: pull every registered Paybill; returns what each run did, per shortcode."""
    if not daraja_configured(current_app.config):
        return {}
    now = now or utcnow()
    ids = list(db.session.scalars(select(MpesaShortcode.id).where(
        MpesaShortcode.pull_transactions.is_(True), MpesaShortcode.kind == "paybill").order_by(MpesaShortcode.id)))
    db.session.rollback()  # nothing is held while Daraja is asked
    return {shortcode_id: pull_shortcode(shortcode_id, now) for shortcode_id in ids}


def pull_shortcode(shortcode_id: int, now: datetime) -> dict:
    """Pull one Paybill's payments up to ``now`` and apply the ones missing here."""
    row = db.session.get(MpesaShortcode, shortcode_id)
    shortcode, since = row.shortcode, row.pulled_until
    db.session.rollback()
    overlap = timedelta(minutes=float(current_app.config.get("PULL_OVERLAP_MINUTES") or 30))
    start = max(now - DARAJA_WINDOW, (since - overlap) if since else now - DARAJA_WINDOW)
    tally = {"applied": 0, "known": 0, "left_to_stk_poller": 0, "not_c2b": 0, "unreadable": 0}
    offset = 0
    try:
        for _ in range(MAX_PAGES):
            records, unreadable = pull_client().query_page(shortcode, start, now, offset)
            for record, why in unreadable:
                log.warning("pull %s: unreadable record skipped (%s): %s", shortcode, why,
                            str(record.get("transactionId") if isinstance(record, dict) else "?")[:20])
            tally["unreadable"] += len(unreadable)
            if not records and not unreadable:
                break
            for record in records:
                tally[_apply(record, shortcode)] += 1
            offset += len(records) + len(unreadable)
        else:
            log.warning("pull %s: more than %d pages; the rest on the next run", shortcode, MAX_PAGES)
            return tally
    except DarajaError as exc:  # unreachable, refused: nothing was applied wrongly; next run asks again
        log.warning("pull %s stopped at offset %d: %s", shortcode, offset, exc)
        return {**tally, "error": type(exc).__name__}
    unit_of_work(lambda: _pulled_until(shortcode_id, now))  # the next run starts here
    return tally


def _pulled_until(shortcode_id: int, now: datetime) -> None:
    db.session.get(MpesaShortcode, shortcode_id).pulled_until = now


def _apply(record: PulledTransaction, shortcode: str) -> str:
    """One pulled payment, as its own unit of work: applied, known already, or left alone.

    A race with the confirmation callback (it recorded the TransID a moment ago) runs the
    unit again, whole, and finds the payment known."""
    if not record.transaction_type.startswith("c2b"):
        return "not_c2b"
    return unit_of_work(lambda: _apply_once(record, shortcode))


def _apply_once(record: PulledTransaction, shortcode: str) -> str:
    if db.session.scalar(select(exists().where(Payment.provider == "mpesa", Payment.receipt == record.trans_id))):
        return "known"
    prompt_in_flight = exists().where(
        Payment.order_id == Order.id, Payment.method == "mpesa_stk", Payment.status.in_(("initiated", "pending")),
        Payment.amount == record.amount_minor)
    if db.session.scalar(select(exists().where(Order.code == record.bill_ref.strip().upper(), prompt_in_flight))):
        return "left_to_stk_poller"
    notification = C2BNotification(
        trans_id=record.trans_id, trans_time=record.trans_time, amount_minor=record.amount_minor, shortcode=shortcode,
        bill_ref=record.bill_ref, msisdn=record.msisdn, first_name=record.sender,
        transaction_type=record.transaction_type)
    confirming.paybill_confirmation(notification, dict(record.raw))
    log.info("pull %s: %s applied as a late confirmation (payer %s)", shortcode, record.trans_id,
             mask_phone(f"+{record.msisdn}" if record.msisdn.isdigit() else None))
    return "applied"
