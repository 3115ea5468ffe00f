"""Two refreshes racing with one token do not log the user out (PostgreSQL only).

House style (pretix, tests/booking/test_concurrency.py): first prove the race exists
without the guard (grace 0: the loser's reuse revokes the winner's fresh token and the
session dies), then that the grace keeps the session alive.
"""
from __future__ import annotations

import threading

import pytest

from tests.auth.flow import sign_in

pytestmark = pytest.mark.postgres_only
CLIENTS = 2


def _race(app, token: str) -> list:
    """``CLIENTS`` threads post the same refresh token at the same moment."""
    results, barrier = [None] * CLIENTS, threading.Barrier(CLIENTS)

    def worker(i):
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/auth/refresh", json={"refresh_token": token},
                               headers={"User-Agent": "SafiriApp/2.1"})
        results[i] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert all(r is not None for r in results), results
    return results


def _refresh(app, token: str):
    return app.test_client().post("/api/v1/auth/refresh", json={"refresh_token": token},
                                  headers={"User-Agent": "SafiriApp/2.1"})


@pytest.fixture
def racing_app(make_app, app):  # ``app``: empties the tables afterwards
    def build(grace: int):
        return make_app(REFRESH_REUSE_GRACE_SECONDS=grace,
                        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": CLIENTS + 2, "max_overflow": 2})
    return build


def test_without_the_grace_the_race_logs_the_user_out(racing_app):
    app = racing_app(0)
    tokens = sign_in(app.test_client(), "+254755100001")
    results = _race(app, tokens["refresh_token"])
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 401]
    loser = next(body for status, body in results if status == 401)
    assert loser["type"] == "/problems/refresh-token-reused"
    winner = next(body for status, body in results if status == 200)
    # the winner's brand-new token died with the family: the user is signed out
    assert _refresh(app, winner["refresh_token"]).status_code == 401


def test_with_the_grace_both_refreshes_succeed_and_the_session_lives(racing_app):
    app = racing_app(10)
    tokens = sign_in(app.test_client(), "+254755100002")
    results = _race(app, tokens["refresh_token"])
    assert [status for status, _ in results] == [200, 200], results
    successors = {body["refresh_token"] for _, body in results}
    assert len(successors) == 1  # both callers hold the same live token
    after = _refresh(app, successors.pop())
    assert after.status_code == 200
    assert _refresh(app, after.get_json()["refresh_token"]).status_code == 200
