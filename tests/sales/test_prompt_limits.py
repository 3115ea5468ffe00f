"""Payment prompts are limited per payer phone and per account, on every channel.

Why: 15 wallet top-ups to a stranger's phone, 0.6 s apart, each made that phone ask for an
M-Pesa PIN; so did an order payment with someone else's ``phone``. A number that is not the
account's own gets a few prompts a minute from one account (``PUSH_RATE_LIMIT_OTHER_PHONE``)
and any number a few more from everyone together (``PUSH_RATE_LIMIT_PER_PHONE``); the rest
are answered 429 problem+json with ``Retry-After`` (USSD and SMS: a reply saying when to
try again) and prompt nobody.
"""
from __future__ import annotations

import pytest
from limits import parse_many
from sqlalchemy import func, select

from app.extensions import db, limiter
from app.messaging import t
from app.payments.models import Payment
from tests.channels.scripts.runner import Conversation, inbox
from tests.factories import make_user
from tests.payments.helpers import book

STRANGER = "+254722000111"
FAILING_STRANGER = "+254722000000"  # the sandbox fails a prompt to a number ending 0000


def _per_minute(app, setting: str) -> int:
    return min(item.amount for item in parse_many(app.config[setting]) if item.GRANULARITY.name == "minute")


def _prompts_to(phone: str) -> int:
    return db.session.scalar(select(func.count()).select_from(Payment).where(Payment.phone == phone))


def _top_up(client, headers, phone=None):
    body = {"amount": {"amount": 10000, "currency": "KES"}}
    if phone:
        body["phone"] = phone
    return client.post("/api/v1/wallet/top-ups", headers=headers, json=body)


def _assert_too_many(response):
    assert response.status_code == 429, response.get_json()
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"] == "/problems/too-many-prompts" and body["status"] == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 3600
    assert body["retry_after"] == int(response.headers["Retry-After"])


def test_top_ups_to_a_strangers_phone_stop_after_a_few_prompts(app, client, world, auth_headers):
    headers = auth_headers(world.passenger)
    answers = [_top_up(client, headers, STRANGER) for _ in range(15)]
    allowed = _per_minute(app, "PUSH_RATE_LIMIT_OTHER_PHONE")
    assert [a.status_code for a in answers] == [202] * allowed + [429] * (15 - allowed)
    _assert_too_many(answers[-1])
    assert _prompts_to(STRANGER) == allowed


def test_order_payments_prompting_a_strangers_phone_stop_after_a_few(app, client, world, auth_headers):
    headers = auth_headers(world.passenger)
    order = book(client, world, headers)
    answers = [client.post(f"/api/v1/orders/{order['id']}/payments", headers=headers,
                           json={"method": "mpesa", "phone": FAILING_STRANGER}) for _ in range(15)]
    allowed = _per_minute(app, "PUSH_RATE_LIMIT_OTHER_PHONE")
    assert [a.status_code for a in answers] == [202] * allowed + [429] * (15 - allowed)
    _assert_too_many(answers[-1])
    assert _prompts_to(FAILING_STRANGER) == allowed
    # The account's own phone is another budget: it can still pay.
    mine = client.post(f"/api/v1/orders/{order['id']}/payments", headers=headers, json={"method": "mpesa"})
    assert mine.status_code == 202 and mine.get_json()["status"] == "succeeded"


def test_many_accounts_together_cannot_prompt_one_phone_more_than_its_limit(app, client, world, auth_headers):
    accounts = [make_user("passenger", phone=f"+25473300010{i}") for i in range(6)]
    db.session.commit()
    codes = [_top_up(client, auth_headers(user), STRANGER).status_code for user in accounts for _ in range(2)]
    allowed = _per_minute(app, "PUSH_RATE_LIMIT_PER_PHONE")
    assert codes.count(202) == allowed and codes.count(429) == len(codes) - allowed
    assert _prompts_to(STRANGER) == allowed


def test_a_passenger_prompting_their_own_phone_has_the_phones_whole_budget(app, client, world, auth_headers):
    headers = auth_headers(world.passenger)
    allowed = _per_minute(app, "PUSH_RATE_LIMIT_PER_PHONE")
    assert allowed > _per_minute(app, "PUSH_RATE_LIMIT_OTHER_PHONE")
    assert [_top_up(client, headers).status_code for _ in range(allowed)] == [202] * allowed
    _assert_too_many(_top_up(client, headers))
    assert _prompts_to(world.passenger.phone) == allowed


def test_sms_top_ups_beyond_the_limit_get_a_reply_saying_when_to_try_again(app, client, world):
    talk = Conversation(client, world.passenger.phone)
    allowed = _per_minute(app, "PUSH_RATE_LIMIT_PER_PHONE")
    for _ in range(allowed + 1):
        talk.sms("TOPUP 100")
    reply = inbox(world.passenger.phone)[0]
    assert reply == t("error:too-many-prompts", "en", minutes=1), reply
    assert _prompts_to(world.passenger.phone) == allowed


def test_ussd_top_up_beyond_the_limit_ends_with_when_to_try_again(app, client, world):
    talk = Conversation(client, world.passenger.phone)
    allowed = _per_minute(app, "PUSH_RATE_LIMIT_PER_PHONE")
    for _ in range(allowed):
        talk.dial("")
        talk.input("4")
        talk.input("1")
        assert talk.input("100").startswith("END ")
    talk.dial("")
    talk.input("4")
    talk.input("1")
    assert talk.input("100") == "END " + t("error:too-many-prompts", "en", minutes=1)
    assert _prompts_to(world.passenger.phone) == allowed


@pytest.mark.parametrize("setting", ["PUSH_RATE_LIMIT_PER_PHONE", "PUSH_RATE_LIMIT_OTHER_PHONE"])
def test_the_limits_are_settings(app, setting):
    assert parse_many(app.config[setting])


def test_a_refused_prompt_is_not_kept_under_its_idempotency_key(app, client, world, auth_headers):
    """429 means "nothing done, try later": a retry with the same key runs once there is room."""
    headers = auth_headers(world.passenger)
    allowed = _per_minute(app, "PUSH_RATE_LIMIT_OTHER_PHONE")
    for _ in range(allowed):
        assert _top_up(client, headers, STRANGER).status_code == 202
    keyed = {**headers, "Idempotency-Key": "top-up-later"}
    _assert_too_many(_top_up(client, keyed, STRANGER))
    limiter.reset()  # the minute has passed
    again = _top_up(client, keyed, STRANGER)
    assert again.status_code == 202 and "Idempotent-Replayed" not in again.headers
    assert _prompts_to(STRANGER) == allowed + 1
