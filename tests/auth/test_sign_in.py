"""Signing in with only a phone number: code by SMS, tokens back."""
from sqlalchemy import select

from app.auth.models import OtpChallenge, User
from tests.auth.flow import assert_problem, bearer, exchange, latest_code, outbox, request_code, sign_in


def test_full_sign_in_creates_a_passenger_from_a_local_number(client):
    response = request_code(client, "0722 000333")
    assert response.status_code == 202
    assert response.get_json() == {"expires_in": 300}

    [sms] = outbox(client, "+254722000333")
    assert sms["kind"] == "otp"
    assert sms["text"].startswith("Safiri code: ") and "Valid 5 min" in sms["text"]
    assert all(ord(ch) < 128 for ch in sms["text"])  # GSM-7 safe, one SMS part
    assert len(sms["text"]) <= 160

    response = exchange(client, "+254 722 000 333", latest_code(client, "+254722000333"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["access_token"] and body["refresh_token"]
    assert body["user"]["phone"] == "+254722000333"
    assert body["user"]["role"] == "passenger" and body["user"]["status"] == "active"

    me = client.get("/api/v1/me", headers=bearer(body))
    assert me.status_code == 200
    assert me.get_json()["id"] == body["user"]["id"]


def test_existing_account_signs_in_to_the_same_user(client, world):
    body = sign_in(client, "0711 000111")
    assert body["user"]["id"] == world.passenger.id
    assert body["user"]["name"] == "Wanjiku Passenger"


def test_code_request_does_not_reveal_whether_an_account_exists(client, world, db):
    known = request_code(client, world.passenger.phone)
    unknown = request_code(client, "+254733999888")
    assert (known.status_code, known.get_json()) == (unknown.status_code, unknown.get_json()) == (202, {"expires_in": 300})
    # and asking for a code creates no account
    assert db.session.scalars(select(User).where(User.phone == "+254733999888")).first() is None


def test_sms_is_in_the_account_language_or_the_requested_one(client, world, db):
    world.passenger.language = "sw"
    db.session.commit()
    request_code(client, world.passenger.phone, language="fr")  # the account's choice wins
    assert outbox(client, world.passenger.phone)[0]["text"].startswith("Msimbo wa Safiri: ")

    request_code(client, "+254733111222", language="fr")
    assert outbox(client, "+254733111222")[0]["text"].startswith("Code Safiri: ")
    tokens = exchange(client, "+254733111222", latest_code(client, "+254733111222"), language="fr").get_json()
    assert tokens["user"]["language"] == "fr"


def test_a_new_code_supersedes_the_previous_one(client):
    phone = "+254733000001"
    request_code(client, phone)
    first = latest_code(client, phone)
    request_code(client, phone)
    second = latest_code(client, phone)
    if first == second:  # one chance in a million: draw a third
        request_code(client, phone)
        second = latest_code(client, phone)
    assert first != second
    assert_problem(exchange(client, phone, first), 400, "invalid-code")
    assert exchange(client, phone, second).status_code == 200


def test_a_code_works_once(client):
    phone = "+254733000002"
    request_code(client, phone)
    code = latest_code(client, phone)
    assert exchange(client, phone, code).status_code == 200
    assert_problem(exchange(client, phone, code), 400, "invalid-code")


def test_code_is_stored_hashed_and_never_logged(client, db, caplog):
    phone = "+254733000003"
    caplog.set_level("DEBUG")
    request_code(client, phone)
    code = latest_code(client, phone)
    challenge = db.session.scalars(select(OtpChallenge).where(OtpChallenge.phone == phone)).one()
    assert code not in challenge.code_hash and len(challenge.code_hash) == 64
    exchange(client, phone, code)
    assert code not in caplog.text
    assert phone not in caplog.text  # only masked numbers in logs
    assert "+2547****0003" in caplog.text
