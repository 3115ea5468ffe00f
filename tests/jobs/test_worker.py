"""The worker class of ``flask --app wsgi worker``: what it logs, which queue it serves first.

The jobs run in this process (RQ's ``SimpleWorker`` way of executing a job on our
``SafiriWorker``), so ``caplog`` sees every line the worker writes about them.
"""
from __future__ import annotations

import logging
import os
import signal

import pytest
import responses
from redis import Redis
from rq import Queue, SimpleWorker

from app.extensions import db
from app.jobs import DEFAULT_QUEUE, MONEY_QUEUE, QUEUES, job_id
from app.jobs.periodic import enqueue_due_sweeps
from app.jobs.worker import SafiriWorker, backoff_delays
from app.messaging.models import OutboundMessage
from app.messaging.service import queue_sms
from tests.channels.test_sms_sending import AT, AT_URL, _answer
from tests.conftest import _empty_all_tables
from tests.redis_support import REDIS_MARKS, REDIS_URL

pytestmark = REDIS_MARKS


@pytest.fixture
def queues(make_app):
    """An app on the test Redis, with its queues emptied before and after."""
    app = make_app(REDIS_URL=REDIS_URL, **AT)
    connection = Redis.from_url(REDIS_URL)
    named = {name: Queue(name, connection=connection) for name in QUEUES}

    def clear():
        for queue in named.values():
            queue.empty()
            for jid in queue.scheduled_job_registry.get_job_ids():
                queue.scheduled_job_registry.remove(jid, delete_job=True)
        for key in connection.scan_iter("safiri:sweep:*"):
            connection.delete(key)

    clear()
    with app.app_context():
        yield app, named
        clear()
        db.session.rollback()
        _empty_all_tables()


def _work_in_process(queues: dict, **kwargs) -> SafiriWorker:
    """Our worker, executing each job in this process, with RQ's signal handlers put back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    worker = SafiriWorker([queues[name] for name in QUEUES], connection=queues[DEFAULT_QUEUE].connection)
    worker.execute_job = SimpleWorker.execute_job.__get__(worker)
    try:
        worker.work(burst=True, **kwargs)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    return worker


@responses.activate
def test_an_expected_sms_retry_is_one_info_line_without_a_traceback(queues, caplog):
    app, named = queues
    responses.add(responses.POST, AT_URL, json=_answer(500), status=201)  # gateway busy: retryable
    message = queue_sms("+254711000111", "Your ticket", kind="ticket")
    db.session.commit()

    with caplog.at_level(logging.DEBUG):
        _work_in_process(named)

    db.session.expire_all()
    assert db.session.get(OutboundMessage, message.id).status == "queued"
    assert named[DEFAULT_QUEUE].scheduled_job_registry.get_job_ids() == [f"sms-{message.id}"]  # RQ retries it
    assert "Traceback" not in caplog.text
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    about_it = [r for r in caplog.records if "retried" in r.getMessage() or "not sent" in r.getMessage()]
    assert len(about_it) == 1, [r.getMessage() for r in about_it]
    (line,) = about_it
    assert line.levelno == logging.INFO and line.exc_info is None
    assert f"sms-{message.id}" in line.getMessage()
    assert "+254711000111" not in line.getMessage()  # the number only masked


def test_an_unexpected_job_error_keeps_its_traceback(queues, caplog):
    app, named = queues
    named[DEFAULT_QUEUE].enqueue("app.jobs.runner.run", "app.jobs.periodic:no_such_sweep",
                                 job_id=job_id("broken", os.getpid()))
    with caplog.at_level(logging.INFO):
        _work_in_process(named)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and "Traceback" in caplog.text and "AttributeError" in caplog.text


def test_money_sweeps_are_served_before_an_sms_backlog(queues):
    app, named = queues
    messages = [queue_sms(f"+2547110001{n:02d}", "Hello", kind="test") for n in range(20)]
    db.session.commit()
    backlog = [message.id for message in messages]  # written (and their jobs named) at the commit
    assert named[DEFAULT_QUEUE].count == 20
    enqueued = enqueue_due_sweeps(app, named[DEFAULT_QUEUE].connection)

    money_sweeps = {jid.rsplit("-", 1)[0] for jid in named[MONEY_QUEUE].job_ids}
    assert money_sweeps == {"sweep-expire-holds", "sweep-poll-stk", "sweep-stuck-stk", "sweep-pull-c2b",
                            "sweep-payouts"}
    _work_in_process(named, max_jobs=len(money_sweeps))  # the next jobs this worker takes

    ran_first = {jid.rsplit("-", 1)[0] for jid in enqueued} - {
        jid.rsplit("-", 1)[0] for jid in named[MONEY_QUEUE].job_ids + named[DEFAULT_QUEUE].job_ids}
    assert ran_first == money_sweeps
    assert named[DEFAULT_QUEUE].job_ids[:20] == [f"sms-{mid}" for mid in backlog]  # still waiting


def test_reconnect_pauses_double_up_to_the_cap():
    delays = backoff_delays(1, 30)
    assert [next(delays) for _ in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]
