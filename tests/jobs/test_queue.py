"""With REDIS_URL set, side effects go through RQ after commit, once per job id."""
import uuid

import pytest
from redis import Redis
from rq import Queue
from rq.job import validate_job_id
from rq.registry import FailedJobRegistry

from app.extensions import db
from app.jobs import MONEY_QUEUE, enqueue_after_commit, job_id
from app.jobs.periodic import SWEEPS, enqueue_due_sweeps
from app.messaging.models import OutboundMessage
from app.messaging.service import queue_sms
from tests.redis_support import REDIS_URL, needs_redis, work_burst


def test_job_ids_are_ones_rq_accepts_and_different_keys_stay_different():
    ids = [job_id("sms", 42), job_id("sweep", "app.booking.jobs:expire_holds", 29942141),
           job_id("sms", "otp:+254 711 000111/ü"), job_id("x" * 500), job_id("a.b"), job_id("a_b")]
    for value in ids:
        validate_job_id(value)  # raises on anything RQ refuses
        assert len(value) <= 120
    assert ids[0] == "sms-42"  # simple ids stay readable
    assert len(set(ids)) == len(ids)  # "a.b" and "a_b" do not collapse onto one job


def test_an_invalid_job_id_is_refused_where_it_is_built_even_without_redis(app):
    # Inline jobs never met RQ's check: a bad id only crashed in production's worker.
    with pytest.raises(ValueError, match="job id"):
        enqueue_after_commit("app.messaging.service:deliver", 1, job_id="sweep-app.booking.jobs:expire_holds-1")


@pytest.fixture
def redis_app(make_app):
    app = make_app(REDIS_URL=REDIS_URL)
    connection = Redis.from_url(REDIS_URL)
    queue = Queue("default", connection=connection)
    queue.empty()
    with app.app_context():
        yield app, queue
        queue.empty()
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()


@needs_redis
def test_sms_is_queued_after_commit_and_sent_by_the_worker(redis_app):
    app, queue = redis_app
    message = queue_sms("+254711000111", f"Hello {uuid.uuid4().hex[:6]}", kind="test")
    assert queue.count == 0  # nothing leaves before the commit
    db.session.commit()
    assert queue.job_ids == [f"sms-{message.id}"]

    work_burst(queue)

    db.session.expire_all()
    assert db.session.get(OutboundMessage, message.id).status == "sent"


@needs_redis
def test_rolled_back_change_queues_nothing(redis_app):
    app, queue = redis_app
    queue_sms("+254711000111", "Never", kind="test")
    db.session.rollback()
    assert queue.count == 0


@needs_redis
def test_the_scheduler_enqueues_each_sweep_once_per_interval_and_rq_runs_them(redis_app):
    app, queue = redis_app
    for key in queue.connection.scan_iter("safiri:sweep:*"):
        queue.connection.delete(key)

    money = Queue(MONEY_QUEUE, connection=queue.connection)
    money.empty()
    failed_before = FailedJobRegistry(queue=queue).count + FailedJobRegistry(queue=money).count
    first = enqueue_due_sweeps(app, queue.connection)
    again = enqueue_due_sweeps(app, queue.connection)  # same interval: locked, nothing new

    assert len(first) == len(SWEEPS) and again == []
    assert sorted(queue.job_ids + money.job_ids) == sorted(first)
    # The money sweeps wait on their own queue, not behind SMS on the default one.
    assert sorted(jid.rsplit("-", 1)[0] for jid in money.job_ids) == [
        "sweep-expire-holds", "sweep-payouts", "sweep-poll-stk", "sweep-pull-c2b", "sweep-stuck-stk"]
    work_burst(money)
    work_burst(queue)
    assert queue.count == money.count == 0
    assert FailedJobRegistry(queue=queue).count + FailedJobRegistry(queue=money).count == failed_before
