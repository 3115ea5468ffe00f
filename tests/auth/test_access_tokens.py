"""Access tokens that must not open anything: expired, tampered, unsigned, foreign."""
import base64
import json
from datetime import timedelta

import jwt
import pytest

from app.database import utcnow
from tests.auth.flow import assert_problem

SECRET = "test-secret-key-that-is-long-enough-for-hs256"


def _claims(user, **overrides):
    now = utcnow()
    claims = {"sub": str(user.id), "role": user.role, "iat": now, "exp": now + timedelta(minutes=5), "typ": "access"}
    claims.update(overrides)
    return claims


def _me(client, token):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_a_valid_token_is_accepted(client, world):
    # the control for the refusals below: same construction, right key and times
    assert _me(client, jwt.encode(_claims(world.passenger), SECRET, algorithm="HS256")).status_code == 200


def test_expired_token_is_refused(client, world):
    past = utcnow() - timedelta(hours=1)
    token = jwt.encode(_claims(world.passenger, iat=past, exp=past + timedelta(minutes=15)), SECRET, algorithm="HS256")
    body = assert_problem(_me(client, token), 401, "invalid-token")
    assert "expired" in body["detail"]


def test_tampered_token_is_refused(client, world, auth_headers):
    token = auth_headers(world.passenger)["Authorization"].split()[1]
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "platform_admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert_problem(_me(client, f"{header}.{forged}.{signature}"), 401, "invalid-token")
    assert_problem(client.get("/api/v1/admin/users", headers={"Authorization": f"Bearer {header}.{forged}.{signature}"}), 401)


def test_unsigned_alg_none_token_is_refused(client, world):
    token = jwt.encode(_claims(world.passenger), None, algorithm="none")
    assert_problem(_me(client, token), 401, "invalid-token")


@pytest.mark.parametrize(
    "make",
    [
        lambda user: jwt.encode(_claims(user), "another-secret-key-that-is-long-enough!", algorithm="HS256"),
        lambda user: jwt.encode({k: v for k, v in _claims(user).items() if k != "exp"}, SECRET, algorithm="HS256"),
        lambda user: jwt.encode(_claims(user, typ="refresh"), SECRET, algorithm="HS256"),
        lambda user: "not-a-jwt",
    ],
    ids=["foreign-key", "no-expiry", "wrong-type", "garbage"],
)
def test_other_bad_tokens_are_refused(client, world, make):
    assert_problem(_me(client, make(world.passenger)), 401, "invalid-token")


def test_missing_token_is_401_with_challenge(client):
    response = client.get("/api/v1/me")
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
