"""Refresh tokens rotate; a replayed one ends the whole sign-in (theft detection), except
a replay by the same client within the grace (a race or a retry), which gets the same
successor back."""
from datetime import timedelta

from sqlalchemy import update

from app.auth.models import RefreshToken
from app.database import utcnow
from tests.auth.flow import assert_problem, bearer, sign_in


def _refresh(client, token, **headers):
    return client.post("/api/v1/auth/refresh", json={"refresh_token": token}, headers=headers)


def _after_the_grace(db):
    """As if every rotation happened 11 seconds ago (the grace is 10)."""
    db.session.execute(update(RefreshToken).where(RefreshToken.used_at.is_not(None))
                       .values(used_at=utcnow() - timedelta(seconds=11)))
    db.session.commit()


def test_refresh_rotates_and_the_new_tokens_work(client):
    first = sign_in(client, "+254755000001")
    response = _refresh(client, first["refresh_token"])
    assert response.status_code == 200
    second = response.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["user"]["id"] == first["user"]["id"] and second["token_type"] == "Bearer"
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200
    # and the successor rotates in turn
    assert _refresh(client, second["refresh_token"]).status_code == 200


def test_reusing_a_rotated_token_revokes_the_family(client, db):
    first = sign_in(client, "+254755000002")
    second = _refresh(client, first["refresh_token"]).get_json()
    _after_the_grace(db)
    assert_problem(_refresh(client, first["refresh_token"]), 401, "refresh-token-reused")
    # the legitimate-looking successor is dead too: whoever holds it must sign in again
    assert_problem(_refresh(client, second["refresh_token"]), 401, "invalid-refresh-token")


def test_reuse_only_ends_that_sign_in(client, db):
    phone = "+254755000003"
    phone_a = sign_in(client, phone)
    phone_b = sign_in(client, phone)
    _refresh(client, phone_a["refresh_token"])
    _after_the_grace(db)
    assert_problem(_refresh(client, phone_a["refresh_token"]), 401, "refresh-token-reused")
    assert _refresh(client, phone_b["refresh_token"]).status_code == 200


def test_logout_revokes_the_family_only(client):
    phone = "+254755000004"
    tablet = sign_in(client, phone)
    handset = sign_in(client, phone)
    rotated = _refresh(client, tablet["refresh_token"]).get_json()
    response = client.post("/api/v1/auth/logout", json={"refresh_token": rotated["refresh_token"]})
    assert response.status_code == 204
    assert_problem(_refresh(client, rotated["refresh_token"]), 401)
    assert_problem(_refresh(client, tablet["refresh_token"]), 401)
    assert _refresh(client, handset["refresh_token"]).status_code == 200
    # logging out twice is harmless
    assert client.post("/api/v1/auth/logout", json={"refresh_token": rotated["refresh_token"]}).status_code == 204


def test_expired_refresh_token_is_refused(client, db):
    tokens = sign_in(client, "+254755000005")
    # as if issued 31 days ago: move both times (a check constraint keeps them ordered)
    issued = utcnow() - timedelta(days=31)
    db.session.execute(update(RefreshToken).values(created_at=issued, expires_at=issued + timedelta(days=30)))
    db.session.commit()
    assert_problem(_refresh(client, tokens["refresh_token"]), 401, "refresh-token-expired")


def test_unknown_or_malformed_refresh_tokens(client):
    assert_problem(_refresh(client, "made-up-token"), 401, "invalid-refresh-token")
    assert_problem(client.post("/api/v1/auth/logout", json={"refresh_token": "made-up-token"}), 401)
    assert_problem(client.post("/api/v1/auth/refresh", json={}), 422)
    assert_problem(_refresh(client, "x" * 500), 422)
    assert_problem(client.post("/api/v1/auth/refresh", data="token", content_type="text/plain"), 415)


def test_the_same_client_again_within_the_grace_gets_the_same_successor(client):
    first = sign_in(client, "+254755000006")
    winner = _refresh(client, first["refresh_token"]).get_json()
    again = _refresh(client, first["refresh_token"])  # a racing request, or a retry
    assert again.status_code == 200
    assert again.get_json()["refresh_token"] == winner["refresh_token"]
    assert client.get("/api/v1/me", headers=bearer(again.get_json())).status_code == 200
    # the session is alive: the one successor rotates on, once
    third = _refresh(client, winner["refresh_token"])
    assert third.status_code == 200
    assert _refresh(client, third.get_json()["refresh_token"]).status_code == 200


def test_another_client_within_the_grace_is_theft(client):
    first = sign_in(client, "+254755000007")
    winner = _refresh(client, first["refresh_token"], **{"User-Agent": "SafiriApp/2.1"}).get_json()
    stolen = _refresh(client, first["refresh_token"], **{"User-Agent": "curl/8.0"})
    assert_problem(stolen, 401, "refresh-token-reused")
    assert_problem(_refresh(client, winner["refresh_token"], **{"User-Agent": "SafiriApp/2.1"}), 401)


def test_no_grace_once_the_successor_was_used(client):
    first = sign_in(client, "+254755000008")
    second = _refresh(client, first["refresh_token"]).get_json()
    _refresh(client, second["refresh_token"])
    assert_problem(_refresh(client, first["refresh_token"]), 401, "refresh-token-reused")
