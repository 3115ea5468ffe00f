"""Queueing and sending SMS.

Backends implement ``send(recipients, text) -> list[RecipientStatus]``; the outbox
backend (development default) accepts everything and leaves the message readable at
``/dev/outbox``. The Africa's Talking backend lives in ``channels.sms`` and is chosen
when ``AT_USERNAME``/``AT_API_KEY`` are set.

Once a message is out (or given up), what it must not keep goes (``_forget_after_send``):
a sign-in code is masked, except in the development outbox where the developer reads it;
the last SMS of a deleted account forgets its number.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from app.core.phone import mask_phone
from app.database import utcnow
from app.extensions import db, unit_of_work
from app.jobs import PendingJob, RetryLater, job_id
from app.messaging.at_gateway import AfricasTalkingSms
from app.messaging.models import OutboundMessage
from app.messaging.states import SMS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecipientStatus:
    number: str
    status: str
    status_code: int | None = None
    message_id: str | None = None
    cost: str | None = None
    accepted: bool = True
    retryable: bool = False


class OutboxBackend:
    """Development backend: the outbox table is the phone's inbox."""

    name = "outbox"

    def send(self, recipients: list[str], text: str) -> list[RecipientStatus]:
        return [RecipientStatus(number=r, status="Stored", accepted=True) for r in recipients]


def get_backend():
    """The configured SMS backend (cached per app)."""
    app = current_app._get_current_object()
    backend = app.extensions.get("sms_backend")
    if backend is None:
        backend = _build_backend(app.config)
        app.extensions["sms_backend"] = backend
    return backend


def _build_backend(config):
    if config.get("AT_USERNAME") and config.get("AT_API_KEY"):
        return AfricasTalkingSms(
            username=config["AT_USERNAME"],
            api_key=config["AT_API_KEY"],
            sender_id=config.get("AT_SENDER_ID"),
            short_code=config.get("AT_SHORT_CODE"),
            base_url=config.get("AT_BASE_URL"),
        )
    return OutboxBackend()


def queue_sms(to_phone: str, text: str, kind: str, user_id: int | None = None) -> OutboundMessage:
    """Record an SMS in the caller's transaction; it is sent after commit.

    Not flushed here: the rows a transaction queues (a purchase's tickets and receipt) go in
    one multi-row INSERT with its next flush. Its send job is booked now, in order with the
    transaction's other jobs, and named once the row has its id, just before the COMMIT
    (``_name_send_jobs``).
    """
    message = OutboundMessage(to_phone=to_phone, text=text, kind=kind, user_id=user_id)
    session = db.session()
    session.add(message)
    job = PendingJob(DELIVER, ())
    session.info.setdefault("pending_jobs", []).append(job)
    session.info.setdefault(QUEUED_SMS, []).append((message, job))
    return message


DELIVER = "app.messaging.service:deliver"
QUEUED_SMS = "outbound.queued"


@event.listens_for(Session, "before_commit")
def _name_send_jobs(session):
    """Each queued SMS's job gets its row's id (a row rolled back with a SAVEPOINT: no job)."""
    if session.in_nested_transaction():
        return
    queued = session.info.pop(QUEUED_SMS, None)
    if not queued:
        return
    session.flush()
    jobs = session.info.get("pending_jobs", [])
    for message, job in queued:
        if message.id is not None and message in session:
            job.args, job.job_id = (message.id,), job_id("sms", message.id)
        elif any(j is job for j in jobs):
            jobs.remove(job)


@event.listens_for(Session, "after_soft_rollback")
def _forget_queued(session, previous_transaction):
    if previous_transaction.parent is None:
        session.info.pop(QUEUED_SMS, None)


# Kinds whose text is a secret for its recipient alone: once the gateway has it (or it is
# given up), only a masked text stays ("Safiri code: ******. Valid 5 min...").
SECRET_KINDS = ("otp",)
# Kinds whose recipient must be forgotten once they are out: the last SMS of a deleted
# account (see app.accounts.service.delete_account).
FORGET_RECIPIENT_KINDS = ("account_deleted",)
_CODE = re.compile(r"\d{4,}")


def mask_secret(text: str) -> str:
    """``text`` with every run of 4+ digits (a sign-in code) replaced by asterisks."""
    return _CODE.sub(lambda m: "*" * len(m.group()), text)


def _keeps_codes_readable(message: OutboundMessage) -> bool:
    """Development: the outbox *is* the phone's inbox (``/dev/outbox``), and a developer
    signs in with the code read there, so it stays readable (until the code expires,
    minutes later). Never in production, whatever backend is configured."""
    return message.backend == OutboxBackend.name and current_app.config.get("APP_ENV") != "production"


def _forget_after_send(message: OutboundMessage) -> None:
    """What a message must not keep once it is out (sent) or given up (failed, rejected)."""
    if message.kind in SECRET_KINDS and not _keeps_codes_readable(message):
        message.text = mask_secret(message.text)
    if message.kind in FORGET_RECIPIENT_KINDS:
        message.to_phone = None


def erase_recipient(user_id: int, phone: str | None) -> None:
    """An account is being erased: no SMS keeps its number, and none still waiting goes out.

    Messages not sent yet (``queued``) are given up (``failed``, "recipient erased"), so
    the stuck-message sweep does not pick them up forever; sent ones stay as the record
    of what was said, to nobody. Never commits.
    """
    mine = or_(OutboundMessage.user_id == user_id, OutboundMessage.to_phone == phone) if phone \
        else OutboundMessage.user_id == user_id
    SMS.bulk(mine, to="failed", actor=f"user:{user_id}", reason="recipient erased", sources=("queued",),
             values={"failure_reason": "recipient erased"})
    db.session.execute(update(OutboundMessage).where(mine).values(to_phone=None))


class SmsRetryLater(RetryLater):
    """The gateway could not take the message now but may later: the job queue retries."""


MAX_ATTEMPTS = 6  # the first try plus RQ's retries (app.jobs.RETRY_INTERVALS)


def _result_for(results, number: str):
    """This message's recipient in the gateway's answer (a multi-recipient answer lists all)."""
    for result in results or []:
        if result.number == number:
            return result
    return results[0] if results else None


def deliver(message_id: int) -> None:
    """Send one queued message, after any earlier one to the same number; never twice.

    Messages to one number leave in the order they were written: jobs can run out of
    order (two workers, a retry, a sweep), so before sending this message the job sends
    every earlier message to that number still waiting for its first attempt, oldest
    first (each under its own row lock, so a job sending one of them meanwhile is waited
    for, not doubled). An earlier message already being retried (the gateway refused it
    once) keeps its own schedule and does not hold the later ones back.
    """
    mine = select(OutboundMessage.to_phone).where(OutboundMessage.id == message_id).scalar_subquery()
    due = db.session.scalars(
        select(OutboundMessage.id).where(
            OutboundMessage.to_phone == mine, OutboundMessage.status == "queued",
            (OutboundMessage.id == message_id)
            | ((OutboundMessage.id < message_id) & (OutboundMessage.attempts == 0)),
        ).order_by(OutboundMessage.id)
    ).all()
    db.session.rollback()  # end the read: each send is its own transaction
    if message_id not in due:
        return  # sent (or given up) meanwhile
    for earlier_id in due[:-1]:
        try:
            _send(earlier_id)
        except SmsRetryLater:
            pass  # recorded on its row; its own job retries it
    _send(message_id)


def _send(message_id: int) -> None:
    """Send one queued message; never twice.

    The row is locked for the whole send and only a ``queued`` message is sent, so a
    second job (a retry after success, a sweep) finds it ``sent`` and stops. A retryable
    failure (gateway down, a retryable per-recipient status such as InsufficientBalance)
    is recorded and then raised, so that RQ tries again with backoff; after
    ``MAX_ATTEMPTS`` the message is ``failed``. A final refusal (blacklisted, invalid
    number) is ``rejected`` at once. Per-recipient status codes are kept on the row.

    Each send is its own unit of work, the gateway's answer recorded in it, and run once
    (``attempts=1``): running it again after the gateway took the message could send it
    twice. A retryable failure is committed first, then raised.
    """
    retry = unit_of_work(lambda: _send_locked(message_id), attempts=1)
    if retry is not None:
        raise retry


def _send_locked(message_id: int) -> SmsRetryLater | None:
    """Lock, send, record; the retry to raise once the attempt is committed, else None."""
    message = db.session.get(OutboundMessage, message_id, with_for_update=True, populate_existing=True)
    if message is None or message.status != "queued" or not message.to_phone:
        return None
    backend = get_backend()
    message.attempts += 1
    message.backend = backend.name
    try:
        results = backend.send([message.to_phone], message.text)
    except Exception as exc:
        retryable = getattr(exc, "retryable", True)
        message.failure_reason = str(exc)[:80]
        return _fail_or_retry(message, retryable)
    result = _result_for(results, message.to_phone)
    if result is None or not result.accepted:
        message.failure_reason = (result.status if result else "NoResult")[:80]
        message.status_code = result.status_code if result else None
        return _fail_or_retry(message, bool(result and result.retryable), final_status="rejected")
    SMS.transition(message, "sent", actor=f"provider:{backend.name}", locked=True)
    message.sent_at = utcnow()
    message.provider_message_id = result.message_id
    message.status_code = result.status_code
    message.failure_reason = None
    _forget_after_send(message)
    return None


def _fail_or_retry(message: OutboundMessage, retryable: bool, final_status: str = "failed") -> SmsRetryLater | None:
    """Record the attempt; the ``SmsRetryLater`` to raise (after the commit) when another attempt may succeed.

    A retry is expected (the gateway busy or out of credit): the exception's text is the
    one log line it gets (``app.jobs``). A message given up is logged here, as a warning.
    """
    masked = mask_phone(message.to_phone)
    if retryable and message.attempts < MAX_ATTEMPTS:
        text = (f"SMS {message.id} to {masked} not sent ({message.failure_reason}, code "
                f"{message.status_code}), attempt {message.attempts} of {MAX_ATTEMPTS}")
        return SmsRetryLater(text)
    log.warning("SMS %s to %s %s: %s (code %s) after %s attempt(s)", message.id, masked,
                final_status if not retryable else "failed", message.failure_reason, message.status_code,
                message.attempts)
    SMS.transition(message, final_status if not retryable else "failed", actor=f"provider:{message.backend}",
                   reason=message.failure_reason, locked=True)
    _forget_after_send(message)
    return None


STUCK_AFTER = timedelta(minutes=2)  # ``SMS_STUCK_AFTER_SECONDS`` overrides it


def send_stuck_messages(now=None) -> int:
    """Send messages still ``queued`` well after their commit (periodic sweep).

    They exist when a process died between the commit and the send, when Redis was down
    at the commit (the job could not be queued), or when an inline send failed without a
    queue to retry it. ``deliver`` locks and re-checks each row, so a message a worker is
    sending right now is not sent twice.
    """
    now = now or utcnow()
    setting = current_app.config.get("SMS_STUCK_AFTER_SECONDS")
    stuck_after = STUCK_AFTER if setting is None else timedelta(seconds=float(setting))
    ids = db.session.scalars(
        select(OutboundMessage.id)
        .where(
            OutboundMessage.status == "queued",
            OutboundMessage.created_at <= now - stuck_after,
            OutboundMessage.attempts < MAX_ATTEMPTS,
        )
        .order_by(OutboundMessage.id)
        .limit(500)
    ).all()
    db.session.rollback()
    for message_id in ids:
        try:
            deliver(message_id)
        except SmsRetryLater:
            pass  # recorded on the row; the next sweep tries again
        except Exception:  # one message's bug must not keep the others queued
            db.session.rollback()
            log.exception("stuck SMS %s not sent", message_id)
    return len(ids)
