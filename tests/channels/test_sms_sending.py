"""Outbound SMS through Africa's Talking (mocked with ``responses`` and the wire fixtures).

What matters: sent only after commit, per-recipient status recorded, a retryable
per-recipient failure raises so the queue retries, and a message is never sent twice.
"""
import copy
import os

import pytest
import responses
from redis import Redis
from rq import Queue

from app.extensions import db
from app.messaging.models import OutboundMessage
from app.messaging.service import MAX_ATTEMPTS, SmsRetryLater, deliver, queue_sms
from tests.fixtures import load_fixture
from tests.redis_support import REDIS_URL, needs_redis, work_burst
from tests.conftest import _empty_all_tables

AT_URL = "https://api.sandbox.africastalking.com/version1/messaging"
AT = {"AT_USERNAME": "sandbox", "AT_API_KEY": "test-key"}


def _answer(code: int | None = None, number: str = "+254711000111") -> dict:
    body = copy.deepcopy(load_fixture("africastalking/sms_send_response.json"))
    recipient = body["SMSMessageData"]["Recipients"][0]
    recipient["number"] = number
    if code is not None:
        recipient.update(statusCode=code, status="InternalServerError", messageId="None")
    return body


@pytest.fixture
def at_app(make_app):
    app = make_app(JOBS_INLINE=True, **AT)
    with app.app_context():
        yield app
        db.session.rollback()
        _empty_all_tables()


def _message(message_id: int) -> OutboundMessage:
    db.session.expire_all()
    return db.session.get(OutboundMessage, message_id)


@responses.activate
def test_sent_after_commit_with_the_gateway_status(at_app):
    call = responses.add(responses.POST, AT_URL, json=load_fixture("africastalking/sms_send_response.json"), status=201)
    message = queue_sms("+254711000111", "Ticket ABCDE-FGHJK", kind="ticket")
    assert call.call_count == 0  # nothing leaves before the commit
    db.session.commit()
    sent = _message(message.id)
    assert call.call_count == 1
    assert (sent.status, sent.backend, sent.status_code, sent.provider_message_id) == (
        "sent", "africastalking", 101, "ATXid_SampleTxnId123")
    deliver(message.id)  # a second job for the same message
    assert call.call_count == 1  # never twice


@responses.activate
def test_mixed_answer_records_each_recipient_and_does_not_retry_a_blacklisted_number(at_app):
    responses.add(responses.POST, AT_URL, json=load_fixture("africastalking/sms_send_response_mixed.json"), status=201)
    ok = queue_sms("+254711000111", "Hello", kind="test")
    blocked = queue_sms("+254711000222", "Hello", kind="test")
    db.session.commit()
    assert (_message(ok.id).status, _message(ok.id).status_code) == ("sent", 101)
    refused = _message(blocked.id)
    assert (refused.status, refused.status_code, refused.failure_reason) == ("rejected", 406, "UserInBlacklist")
    assert refused.provider_message_id is None and refused.attempts == 1


@responses.activate
def test_retryable_recipient_failure_raises_then_a_retry_sends_once(at_app):
    message = queue_sms("+254711000111", "Receipt", kind="receipt")
    db.session.flush()
    db.session.info.pop("pending_jobs", None)  # drive deliver() by hand
    db.session.commit()
    failing = responses.add(responses.POST, AT_URL, json=_answer(500), status=201)
    with pytest.raises(SmsRetryLater):
        deliver(message.id)
    queued = _message(message.id)
    assert (queued.status, queued.status_code, queued.attempts) == ("queued", 500, 1)
    responses.remove(failing)
    ok = responses.add(responses.POST, AT_URL, json=_answer(), status=201)
    deliver(message.id)
    deliver(message.id)
    assert ok.call_count == 1 and _message(message.id).status == "sent"
    assert _message(message.id).attempts == 2


@responses.activate
def test_gateway_down_gives_up_after_the_last_attempt(at_app):
    message = queue_sms("+254711000111", "Receipt", kind="receipt")
    db.session.info.pop("pending_jobs", None)
    db.session.commit()
    responses.add(responses.POST, AT_URL, body="Service Unavailable", status=503)
    for _ in range(MAX_ATTEMPTS - 1):
        with pytest.raises(SmsRetryLater):
            deliver(message.id)
    deliver(message.id)  # the last attempt records the failure instead of raising
    assert (_message(message.id).status, _message(message.id).attempts) == ("failed", MAX_ATTEMPTS)



@needs_redis
@responses.activate
def test_rq_worker_retries_a_retryable_failure_and_sends_once(make_app):
    app = make_app(REDIS_URL=REDIS_URL, **AT)
    connection = Redis.from_url(REDIS_URL)
    queue = Queue(f"test-sms-{os.getpid()}", connection=connection)
    with app.app_context():
        app.extensions["rq_queues"] = {"default": queue}  # our own queue name: other tests' jobs stay apart
        try:
            failing = responses.add(responses.POST, AT_URL, json=_answer(500), status=201)
            message = queue_sms("+254711000111", "Ticket", kind="ticket")
            db.session.commit()
            assert queue.job_ids == [f"sms-{message.id}"]
            work_burst(queue)
            assert _message(message.id).status == "queued"
            registry = queue.scheduled_job_registry
            assert registry.get_job_ids() == [f"sms-{message.id}"]  # RQ retries it with backoff
            responses.remove(failing)
            ok = responses.add(responses.POST, AT_URL, json=_answer(), status=201)
            registry.requeue(f"sms-{message.id}")  # the backoff has elapsed
            work_burst(queue)
            assert _message(message.id).status == "sent" and ok.call_count == 1
        finally:
            queue.empty()
            for job_id in queue.scheduled_job_registry.get_job_ids():
                queue.scheduled_job_registry.remove(job_id, delete_job=True)
            db.session.rollback()
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
            db.session.commit()
