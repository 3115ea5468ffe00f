"""Concurrent sign-in code requests for one number (PostgreSQL only).

As in tests/booking/test_concurrency.py: first prove the race exists (without the partial
unique index, simultaneous requests leave several live codes for one number), then that
with the index every request gets a 202 or a 429 problem, never a 500, and exactly one
code stays pending.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, func, select, text

from app.auth.models import OtpChallenge
from app.extensions import db as tdb

pytestmark = pytest.mark.postgres_only
REQUESTS = 12
PHONE = "+254711000777"
INDEX = "uq_otp_challenges_pending_phone"


@pytest.fixture
def busy_app(make_app):
    return make_app(
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": REQUESTS + 5, "max_overflow": 5},
        OTP_RATE_LIMIT_PER_PHONE="1000 per minute", OTP_RATE_LIMIT_PER_ADDRESS="1000 per minute",
    )


def _request_codes(busy_app, n=REQUESTS):
    """``n`` clients ask for a code for PHONE at the same moment; their answers."""
    results, barrier = [None] * n, threading.Barrier(n)

    def worker(i):
        client = busy_app.test_client()
        try:
            barrier.wait()
            response = client.post("/api/v1/auth/otp", json={"phone": PHONE})
            results[i] = (response.status_code, response.content_type)
        except Exception as exc:  # collected, asserted by the test
            results[i] = exc
        finally:
            with busy_app.app_context():
                tdb.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _pending(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(OtpChallenge).where(
        OtpChallenge.phone == PHONE, OtpChallenge.status == "pending"))


def test_simultaneous_requests_leave_several_live_codes_without_the_index(busy_app, app, db):
    db.session.execute(text(f"DROP INDEX {INDEX}"))
    db.session.commit()
    try:
        for _ in range(5):  # a race: a few rounds make it near certain
            results = _request_codes(busy_app)
            assert {r[0] for r in results} == {202}
            if _pending(db) > 1:
                break
        assert _pending(db) > 1  # supersede-then-insert is not atomic
    finally:
        db.session.rollback()
        db.session.execute(delete(OtpChallenge))
        db.session.commit()
        next(i for i in OtpChallenge.__table__.indexes if i.name == INDEX).create(db.engine)


def test_simultaneous_requests_get_202_or_429_and_one_live_code(busy_app, app, db):
    for _ in range(3):
        results = _request_codes(busy_app)
        assert not [r for r in results if isinstance(r, Exception)], results
        statuses = [status for status, _ in results]
        assert set(statuses) <= {202, 429}, statuses
        assert 202 in statuses
        assert all(ct == "application/problem+json" for status, ct in results if status == 429)
        assert _pending(db) == 1
