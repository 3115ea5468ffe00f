"""Messages to one phone leave in the order they were written.

A passenger who sends ``BUY …`` then ``1`` reads "Enter your M-Pesa PIN" before the ticket
and the receipt, and jobs that run out of order (two workers, a retry, the sweep) still
send one number's messages oldest first.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.messaging.models import OutboundMessage
from app.messaging.service import OutboxBackend, RecipientStatus, deliver, queue_sms
from tests.channels.test_sms_pay import say


class RecordingBackend(OutboxBackend):
    """The development outbox, remembering the order of the sends it was asked for."""

    def __init__(self, refuse: tuple[str, ...] = ()):
        self.sent: list[tuple[str, str]] = []
        self.refuse = refuse

    def send(self, recipients, text):
        if any(word in text for word in self.refuse):
            return [RecipientStatus(number=r, status="InsufficientBalance", accepted=False, retryable=True)
                    for r in recipients]
        self.sent += [(r, text) for r in recipients]
        return super().send(recipients, text)


@pytest.fixture
def backend(app):
    recording = RecordingBackend()
    app.extensions["sms_backend"] = recording
    return recording


def _kinds_in_order(phone: str) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(OutboundMessage.kind).where(OutboundMessage.to_phone == phone).order_by(OutboundMessage.id)))


def test_the_pin_prompt_reply_comes_before_the_ticket_and_the_receipt(client, world, backend):
    phone = world.passenger.phone
    say(client, phone, "BUY NAIROBI NAKURU MPESA")
    say(client, phone, "1")  # the sandbox confirms the payment at once
    texts = [text for to, text in backend.sent if to == phone]
    assert len(texts) == 4, texts
    offer, prompt, ticket, receipt = texts
    assert "Reply with a number" in offer
    assert "M-Pesa PIN" in prompt
    assert ticket.startswith("Safiri ticket") and "paid by M-Pesa" in receipt
    assert _kinds_in_order(phone) == ["reply", "reply", "ticket", "receipt"]  # written in that order too


def _queued_without_jobs(phone: str, *texts: str) -> list[int]:
    messages = [queue_sms(phone, text, kind="test") for text in texts]
    db.session.flush()  # queued rows are written with the transaction's next flush
    ids = [message.id for message in messages]
    db.session.info.pop("pending_jobs", None)  # their jobs are what the test runs, in its own order
    db.session.commit()
    return ids


def test_a_later_messages_job_running_first_still_sends_the_earlier_one_first(app, backend):
    first, second, third = _queued_without_jobs("+254711000111", "one", "two", "three")
    (elsewhere,) = _queued_without_jobs("+254711000222", "other number")

    deliver(third)  # e.g. its job ran on another worker, or the earlier ones' were lost
    assert backend.sent == [("+254711000111", "one"), ("+254711000111", "two"), ("+254711000111", "three")]
    deliver(first)
    deliver(second)  # their own jobs find them sent: nothing twice
    assert len(backend.sent) == 3
    deliver(elsewhere)
    assert backend.sent[-1] == ("+254711000222", "other number")


def test_an_earlier_message_waiting_for_its_retry_does_not_hold_the_next_one(app):
    backend = app.extensions["sms_backend"] = RecordingBackend(refuse=("refused",))
    first, second = _queued_without_jobs("+254711000111", "refused for now", "next")
    with pytest.raises(Exception, match="not sent"):
        deliver(first)  # the gateway refused it; RQ retries it later
    deliver(second)
    assert backend.sent == [("+254711000111", "next")]
    assert db.session.get(OutboundMessage, first).status == "queued"
