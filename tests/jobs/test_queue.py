"""With REDIS_URL set, side effects go through RQ after commit, once per job id."""
import uuid

import pytest
from redis import Redis
from rq import Queue, SimpleWorker

from app.extensions import db
from app.messaging.models import OutboundMessage
from app.messaging.service import queue_sms
from tests.redis_support import REDIS_MARKS, REDIS_URL




pytestmark = REDIS_MARKS


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


def test_sms_is_queued_after_commit_and_sent_by_the_worker(redis_app):
    app, queue = redis_app
    message = queue_sms("+254711000111", f"Hello {uuid.uuid4().hex[:6]}", kind="test")
    assert queue.count == 0  # nothing leaves before the commit
    db.session.commit()
    assert queue.job_ids == [f"sms-{message.id}"]

    SimpleWorker([queue], connection=queue.connection).work(burst=True)

    db.session.expire_all()
    assert db.session.get(OutboundMessage, message.id).status == "sent"


def test_rolled_back_change_queues_nothing(redis_app):
    app, queue = redis_app
    queue_sms("+254711000111", "Never", kind="test")
    db.session.rollback()
    assert queue.count == 0
