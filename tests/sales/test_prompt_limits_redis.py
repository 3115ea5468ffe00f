"""Prompt limits live in the limiter's Redis in production: shared by every web worker,
kept across a restart, holding no phone number; and a store that cannot be reached lets
prompts through (a limit never turns a payment into a 500)."""
from __future__ import annotations

import uuid
from contextlib import contextmanager

from redis import Redis

from app.extensions import db
from tests.factories import auth_headers, build_world
from tests.redis_support import REDIS_URL, needs_redis

STRANGER = "+254722000111"
PROMPT_KEYS = "LIMITS:LIMITER/prompt-*"  # limits' Redis layout: prefix, namespace, our key


def _top_up(client, headers):
    return client.post("/api/v1/wallet/top-ups", headers=headers,
                       json={"amount": {"amount": 10000, "currency": "KES"}, "phone": STRANGER})


@contextmanager
def _own_app(make_app, **settings):
    """An app of its own with ``settings``, its tables emptied afterwards."""
    app = make_app(JOBS_INLINE=True, **settings)
    with app.app_context():
        try:
            yield app
        finally:
            db.session.rollback()
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
            db.session.commit()


@needs_redis
def test_prompt_counts_are_shared_through_redis_and_hold_no_number(make_app):
    settings = dict(RATELIMIT_STORAGE_URI=REDIS_URL, PUSH_RATE_LIMIT_OTHER_PHONE="2 per minute",
                    SECRET_KEY=f"redis-limits-{uuid.uuid4().hex}-long-enough-for-hs256")  # this test's keys
    redis = Redis.from_url(REDIS_URL)
    try:
        with _own_app(make_app, **settings) as first:
            headers = auth_headers(build_world().passenger)
            client = first.test_client()
            assert [_top_up(client, headers).status_code for _ in range(2)] == [202, 202]
            keys = [k.decode() for k in redis.scan_iter(PROMPT_KEYS)]
            assert any("prompt-account:" in k for k in keys) and any("prompt-phone:" in k for k in keys)
            assert not any(STRANGER[1:] in k for k in keys)  # an HMAC, never the number
            # Another worker (or this one restarted) reads the same counts.
            second = make_app(JOBS_INLINE=True, **settings)
            with second.app_context():
                assert _top_up(second.test_client(), headers).status_code == 429
    finally:
        for key in redis.scan_iter(PROMPT_KEYS):
            redis.delete(key)


def test_an_unreachable_limiter_store_lets_the_prompt_through(make_app):
    with _own_app(make_app, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0") as app:  # nothing listens there
        response = _top_up(app.test_client(), auth_headers(build_world().passenger))
        assert response.status_code == 202, response.get_json()
