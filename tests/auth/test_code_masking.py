"""A sign-in code is not kept in the outbox once a gateway has sent it, and never logged.

In development (outbox backend) the code stays readable at ``/dev/outbox``: that is how a
developer signs in, and the README's flow depends on it.
"""
from __future__ import annotations

import copy
import logging
import re
from urllib.parse import parse_qs

import pytest
import responses

from app.extensions import db
from app.messaging.models import OutboundMessage
from app.messaging.service import deliver, queue_sms
from tests.auth.flow import exchange, latest_code, outbox, request_code
from tests.fixtures import load_fixture
from tests.conftest import _empty_all_tables

AT_URL = "https://api.sandbox.africastalking.com/version1/messaging"
PHONE = "+254711000111"


def _at_answer(status_code: int = 101) -> dict:
    body = copy.deepcopy(load_fixture("africastalking/sms_send_response.json"))
    recipient = body["SMSMessageData"]["Recipients"][0]
    recipient["number"] = PHONE
    if status_code != 101:
        recipient.update(statusCode=status_code, status="InvalidPhoneNumber", messageId="None")
    return body


@pytest.fixture
def at_app(make_app):
    app = make_app(AT_USERNAME="sandbox", AT_API_KEY="test-key")
    with app.app_context():
        yield app
        db.session.rollback()
        _empty_all_tables()


def _otp_rows() -> list[OutboundMessage]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutboundMessage).where(OutboundMessage.kind == "otp")))


def _sent_code(call) -> str:
    body = parse_qs(call.calls[-1].request.body)
    return re.search(r"\b(\d{6})\b", body["message"][0]).group(1)


@responses.activate
def test_a_code_sent_by_the_gateway_is_masked_and_still_signs_in(at_app, caplog):
    call = responses.add(responses.POST, AT_URL, json=_at_answer(), status=201)
    client = at_app.test_client()
    with caplog.at_level(logging.DEBUG):
        assert request_code(client, PHONE).status_code == 202
    code = _sent_code(call)  # what the passenger's phone received
    (row,) = _otp_rows()
    assert row.status == "sent" and code not in row.text
    assert re.search(r"\*{6}", row.text) and row.text.startswith("Safiri code: ******.")
    assert code not in caplog.text
    assert exchange(client, PHONE, code).status_code == 200


@responses.activate
def test_a_code_the_gateway_refused_is_masked_too(at_app):
    call = responses.add(responses.POST, AT_URL, json=_at_answer(status_code=403), status=201)
    assert request_code(at_app.test_client(), PHONE).status_code == 202
    code = _sent_code(call)
    (row,) = _otp_rows()
    assert row.status == "rejected" and code not in row.text


def test_development_outbox_keeps_the_code_readable_for_sign_in(client, app):
    assert request_code(client, PHONE).status_code == 202
    (message,) = [m for m in outbox(client, PHONE) if m["kind"] == "otp"]
    assert message["status"] == "sent"  # the outbox backend "sent" it, and shows it
    code = latest_code(client, PHONE)
    assert exchange(client, PHONE, code).status_code == 200


def test_production_masks_even_the_outbox_backend(app, db, monkeypatch):
    message = queue_sms(PHONE, "Safiri code: 123456. Valid 5 min. Never share it.", kind="otp")
    db.session.commit()  # sent inline, by the outbox backend, in "test"
    assert _otp_rows()[0].text.startswith("Safiri code: 123456")
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    other = queue_sms(PHONE, "Safiri code: 654321. Valid 5 min. Never share it.", kind="otp")
    db.session.commit()
    deliver(other.id)
    texts = {row.id: row.text for row in _otp_rows()}
    assert texts[other.id] == "Safiri code: ******. Valid 5 min. Never share it."
    assert texts[message.id].startswith("Safiri code: 123456")
