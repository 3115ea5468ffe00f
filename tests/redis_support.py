"""Tests that need a real Redis: its URL and one marker that says so.

Without a Redis server the tests are skipped on a developer's machine; in CI (``CI`` set)
they run and fail, so a missing Redis can never pass silently.
"""
import os
import signal

import pytest
from redis import Redis
from rq import SimpleWorker

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_available() -> bool:
    try:
        return bool(Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


# As a module's ``pytestmark``, or through ``needs_redis`` on one test.
REDIS_MARKS = [
    pytest.mark.redis,
    pytest.mark.skipif(
        not redis_available() and not os.environ.get("CI"), reason="no Redis at TEST_REDIS_URL"
    ),
]


def needs_redis(test):
    for mark in REDIS_MARKS:
        test = mark(test)
    return test


def work_burst(queue) -> None:
    """Run the queue's jobs in this process with an RQ worker, then put back the signal
    handlers RQ installs: left in place, a later SIGTERM or SIGINT reaching pytest (e.g. from a
    subprocess test's clean-up) would be taken as a worker shutdown in an unrelated test."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
