"""Every way a sign-in request can be wrong: a problem+json answer and nothing changed."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import OtpChallenge, User
from app.database import utcnow
from tests.auth.flow import assert_problem, exchange, latest_code, request_code, wrong_code

PHONE = "+254744000111"


def _outbox_size(client) -> int:
    return len(client.get("/dev/outbox").get_json())


@pytest.mark.parametrize("raw", ["12345", "not a phone", "", "+1 555", "07" + "1" * 40, "+254 700 00"])
def test_malformed_phone_is_422_and_sends_nothing(client, raw):
    body = assert_problem(request_code(client, raw), 422)
    assert list(body["errors"]) == ["phone"]
    assert _outbox_size(client) == 0


@pytest.mark.parametrize("payload", [{}, {"phone": None}, {"phone": 254711000111}, {"phone": "+254711000111", "extra": 1}])
def test_missing_wrong_type_or_unknown_fields_are_422(client, payload):
    assert_problem(client.post("/api/v1/auth/otp", json=payload), 422)
    assert _outbox_size(client) == 0


def test_non_json_body_is_problem(client):
    response = client.post("/api/v1/auth/otp", data="phone=0711000111", content_type="application/x-www-form-urlencoded")
    assert_problem(response, 415, "unsupported-media-type")
    broken = client.post("/api/v1/auth/otp", data='{"phone": ', content_type="application/json")
    assert_problem(broken, 400)
    assert _outbox_size(client) == 0


def test_oversized_body_is_413(client):
    response = client.post("/api/v1/auth/otp", json={"phone": "0711000111", "pad": "x" * (65 * 1024)})
    assert_problem(response, 413)
    assert _outbox_size(client) == 0


def test_code_must_be_six_digits(client):
    request_code(client, PHONE)
    for bad in ("12345", "1234567", "12a456", ""):
        body = assert_problem(exchange(client, PHONE, bad), 422)
        assert list(body["errors"]) == ["code"]
    # malformed codes cost no attempt: the right code still works
    assert exchange(client, PHONE, latest_code(client, PHONE)).status_code == 200


def test_wrong_code_says_how_many_attempts_are_left(client, db):
    request_code(client, PHONE)
    code = latest_code(client, PHONE)
    body = assert_problem(exchange(client, PHONE, wrong_code(code)), 400, "invalid-code")
    assert body["attempts_left"] == 4
    assert db.session.scalar(select(func.count()).select_from(User).where(User.phone == PHONE)) == 0
    assert exchange(client, PHONE, code).status_code == 200


def test_without_a_requested_code_every_code_is_wrong(client):
    body = assert_problem(exchange(client, PHONE, "123456"), 400, "invalid-code")
    assert "request a new one" in body["detail"]


def test_expired_code_is_refused(client, db):
    request_code(client, PHONE)
    code = latest_code(client, PHONE)
    challenge = db.session.scalars(select(OtpChallenge).where(OtpChallenge.phone == PHONE)).one()
    challenge.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert_problem(exchange(client, PHONE, code), 400, "code-expired")
    assert_problem(exchange(client, PHONE, code), 400, "code-expired")
    # a fresh code works again
    request_code(client, PHONE)
    assert exchange(client, PHONE, latest_code(client, PHONE)).status_code == 200


def test_five_wrong_codes_kill_the_challenge(client, db):
    request_code(client, PHONE)
    code = latest_code(client, PHONE)
    lefts = []
    for _ in range(4):
        lefts.append(assert_problem(exchange(client, PHONE, wrong_code(code)), 400, "invalid-code")["attempts_left"])
    assert lefts == [4, 3, 2, 1]
    assert_problem(exchange(client, PHONE, wrong_code(code)), 400, "too-many-attempts")
    # the right code no longer helps
    assert_problem(exchange(client, PHONE, code), 400, "too-many-attempts")
    assert db.session.scalar(select(func.count()).select_from(User).where(User.phone == PHONE)) == 0


def test_attempt_limit_follows_configuration(make_app):
    app = make_app(OTP_MAX_ATTEMPTS=2)
    client = app.test_client()
    request_code(client, PHONE)
    code = latest_code(client, PHONE)
    assert exchange(client, PHONE, wrong_code(code)).get_json()["attempts_left"] == 1
    assert_problem(exchange(client, PHONE, wrong_code(code)), 400, "too-many-attempts")
