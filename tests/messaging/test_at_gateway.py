"""AfricasTalkingSms against mocked Africa's Talking (responses) and the wire fixtures."""
from __future__ import annotations

import json
from urllib.parse import parse_qs

import africastalking
import pytest
import requests
import responses

from app.messaging.at_gateway import (
    STATUS_CODES,
    AfricasTalkingSms,
    RecipientStatus,
    SmsGatewayError,
    classify,
)
from tests.fixtures import load_fixture

# URLs as built by africastalking 2.0.3 (Service.APIService / SMS.SMSService._init_service).
SANDBOX_URL = "https://api.sandbox.africastalking.com/version1/messaging"
PRODUCTION_URL = "https://api.africastalking.com/version1/messaging"
PRODUCTION_PREMIUM_URL = "https://content.africastalking.com/version1/messaging"


@pytest.fixture
def rsps():
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def sms() -> AfricasTalkingSms:
    return AfricasTalkingSms("sandbox", "sandbox-key", sender_id="SAFIRI", short_code="22384")


def form(call) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(call.request.body, keep_blank_values=True).items()}


def test_send_success(sms, rsps):
    call = rsps.add(responses.POST, SANDBOX_URL, json=load_fixture("africastalking/sms_send_response.json"), status=201)
    statuses = sms.send(["+254711000111"], "Your ticket: SAF-7K2M9Q")
    assert statuses == [RecipientStatus("+254711000111", "Success", 101, "ATXid_SampleTxnId123", "KES 0.8000")]
    assert statuses[0].accepted and not statuses[0].retryable
    sent = form(call.calls[0])
    assert sent == {
        "username": "sandbox",
        "to": "+254711000111",
        "message": "Your ticket: SAF-7K2M9Q",
        "bulkSMSMode": "1",
        "from": "SAFIRI",
    }
    assert call.calls[0].request.headers["apiKey"] == "sandbox-key"
    assert call.calls[0].request.req_kwargs["timeout"] == 10


def test_send_mixed_result_reports_each_recipient(sms, rsps):
    rsps.add(responses.POST, SANDBOX_URL, json=load_fixture("africastalking/sms_send_response_mixed.json"), status=201)
    ok, blacklisted = sms.send(["+254711000111", "+254711000222"], "hello")
    assert ok.accepted and ok.message_id == "ATXid_SampleTxnId124"
    assert blacklisted == RecipientStatus("+254711000222", "UserInBlacklist", 406, None, "0")
    assert not blacklisted.accepted and not blacklisted.retryable


def test_production_url_and_no_sender_id(rsps):
    call = rsps.add(responses.POST, PRODUCTION_URL, json=load_fixture("africastalking/sms_send_response.json"))
    gateway = AfricasTalkingSms("safiri", "prod-key")
    assert not gateway.sandbox
    gateway.send(["+254711000111"], "hi")
    assert "from" not in form(call.calls[0])


def test_json_with_charset_comes_back_as_str_and_is_parsed(sms, rsps):
    rsps.add(
        responses.POST,
        SANDBOX_URL,
        body=json.dumps(load_fixture("africastalking/sms_send_response.json")),
        content_type="application/json; charset=utf-8",
        status=201,
    )
    (status,) = sms.send(["+254711000111"], "hi")
    assert status.message_id == "ATXid_SampleTxnId123"


def test_unreadable_2xx_is_an_error(sms, rsps):
    rsps.add(responses.POST, SANDBOX_URL, body="<html>ok</html>", content_type="text/html", status=200)
    with pytest.raises(SmsGatewayError):
        sms.send(["+254711000111"], "hi")


def test_nothing_sent_is_not_retryable(sms, rsps):
    rsps.add(responses.POST, SANDBOX_URL, json={"SMSMessageData": {"Message": "InvalidSenderId", "Recipients": []}})
    with pytest.raises(SmsGatewayError) as info:
        sms.send(["+254711000111"], "hi")
    assert not info.value.retryable and "InvalidSenderId" in str(info.value)


def test_non_2xx_is_retryable_gateway_error(sms, rsps):
    rsps.add(responses.POST, SANDBOX_URL, body="The supplied authentication is invalid", status=401)
    with pytest.raises(SmsGatewayError) as info:
        sms.send(["+254711000111"], "hi")
    assert info.value.retryable
    assert isinstance(info.value.__cause__, africastalking.Service.AfricasTalkingException)


@pytest.mark.parametrize(
    "exc, retryable",
    [
        (requests.exceptions.ConnectTimeout(), True),
        (requests.ConnectionError(), True),
        (requests.exceptions.ReadTimeout(), True),
    ],
)
def test_network_failures(sms, rsps, exc, retryable):
    rsps.add(responses.POST, SANDBOX_URL, body=exc)
    with pytest.raises(SmsGatewayError) as info:
        sms.send(["+254711000111"], "hi")
    assert info.value.retryable is retryable


@pytest.mark.parametrize(
    "recipients, error",
    [
        ("+254711000111", TypeError),  # the SDK would iterate the characters
        ([], ValueError),
        (["0711000111"], ValueError),
        (["254711000111"], ValueError),
        ([None], ValueError),
    ],
)
def test_send_refuses_bad_recipients_without_calling(sms, rsps, recipients, error):
    with pytest.raises(error):
        sms.send(recipients, "hi")
    assert len(rsps.calls) == 0


@pytest.mark.parametrize(
    "code, name, accepted, retryable",
    [
        (100, "Processed", True, False),
        (101, "Sent", True, False),
        (102, "Queued", True, False),
        (401, "RiskHold", False, False),
        (402, "InvalidSenderId", False, False),
        (403, "InvalidPhoneNumber", False, False),
        (404, "UnsupportedNumberType", False, False),
        (405, "InsufficientBalance", False, True),
        (406, "UserInBlacklist", False, False),
        (407, "CouldNotRoute", False, True),
        (409, "DoNotDisturbRejection", False, False),
        (500, "InternalServerError", False, True),
        (501, "GatewayError", False, True),
        (502, "RejectedByGateway", False, False),
    ],
)
def test_status_classification(code, name, accepted, retryable):
    info = classify(code)
    assert (info.name, info.accepted, info.retryable) == (name, accepted, retryable)


def test_unknown_status_is_neither_accepted_nor_retried():
    assert 999 not in STATUS_CODES
    info = classify(999)
    assert not info.accepted and not info.retryable
    assert not classify(None).accepted


def test_send_premium_sandbox(sms, rsps):
    call = rsps.add(responses.POST, SANDBOX_URL, json=load_fixture("africastalking/sms_send_response.json"), status=201)
    status = sms.send_premium("+254711000111", "Ticket SAF-7K2M9Q", "BUY", link_id="SampleLinkId123")
    assert status.accepted and status.message_id == "ATXid_SampleTxnId123"
    assert form(call.calls[0]) == {
        "username": "sandbox",
        "to": "+254711000111",
        "from": "22384",
        "message": "Ticket SAF-7K2M9Q",
        "bulkSMSMode": "0",
        "keyword": "BUY",
        "linkId": "SampleLinkId123",
        "retryDurationInHours": "1",
    }


def test_send_premium_production_uses_content_host(rsps):
    call = rsps.add(responses.POST, PRODUCTION_PREMIUM_URL, json=load_fixture("africastalking/sms_send_response.json"))
    AfricasTalkingSms("safiri", "prod-key", short_code="22384").send_premium("+254711000111", "hi", "BUY")
    assert "linkId" not in form(call.calls[0])


def test_send_premium_read_timeout_is_not_retryable(sms, rsps):
    # The subscriber may already have been charged: do not charge again blindly.
    rsps.add(responses.POST, SANDBOX_URL, body=requests.exceptions.ReadTimeout())
    with pytest.raises(SmsGatewayError) as info:
        sms.send_premium("+254711000111", "hi", "BUY")
    assert not info.value.retryable


def test_send_premium_needs_short_code_and_keyword(rsps):
    with pytest.raises(ValueError):
        AfricasTalkingSms("sandbox", "k").send_premium("+254711000111", "hi", "BUY")
    with pytest.raises(ValueError):
        AfricasTalkingSms("sandbox", "k", short_code="22384").send_premium("+254711000111", "hi", "")
    assert len(rsps.calls) == 0


def test_instances_do_not_share_credentials_or_touch_sdk_globals(rsps):
    call = rsps.add(responses.POST, SANDBOX_URL, json=load_fixture("africastalking/sms_send_response.json"))
    a = AfricasTalkingSms("sandbox", "key-a")
    b = AfricasTalkingSms("sandbox", "key-b")
    a.send(["+254711000111"], "1")
    b.send(["+254711000111"], "2")
    assert [c.request.headers["apiKey"] for c in call.calls] == ["key-a", "key-b"]
    assert africastalking.SMS is None
    assert "key-a" not in repr(a)


def test_constructor_validates_credentials():
    with pytest.raises(ValueError):
        AfricasTalkingSms("", "k")
    with pytest.raises(ValueError):
        AfricasTalkingSms("sandbox", "")
