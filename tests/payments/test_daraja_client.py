"""DarajaClient against mocked Daraja (responses) and the wire fixtures; no network."""
from __future__ import annotations

import base64
import json
import logging
import threading
from datetime import datetime, timezone

import pytest
import requests
import responses
from responses import matchers
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from app.payments.providers.daraja import (
    C2BNotification,
    DarajaClient,
    DarajaError,
    DarajaNoAnswer,
    DarajaUnavailable,
    MalformedCallback,
    StkPushAccepted,
    base_url_for,
    mask_phone,
    parse_c2b,
    parse_stk_callback,
)
from tests.fixtures import load_fixture

BASE = "https://sandbox.safaricom.co.ke"
OAUTH_URL = f"{BASE}/oauth/v1/generate"
PUSH_URL = f"{BASE}/mpesa/stkpush/v1/processrequest"
QUERY_URL = f"{BASE}/mpesa/stkpushquery/v1/query"
REGISTER_URL = f"{BASE}/mpesa/c2b/v1/registerurl"
PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
KEY, SECRET = "consumer-key-xyz", "consumer-secret-xyz"
TOKEN = load_fixture("mpesa/oauth_response.json")["access_token"]
CALLBACK = "https://mydomain.com/path"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(clock: FakeClock) -> DarajaClient:
    return DarajaClient(KEY, SECRET, "174379", PASSKEY, base_url_for("sandbox"), clock=clock)


@pytest.fixture
def rsps():
    with responses.RequestsMock() as mock:
        yield mock


def add_oauth(rsps, body=None, **kwargs):
    basic = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    return rsps.add(
        responses.GET,
        OAUTH_URL,
        json=body if body is not None else load_fixture("mpesa/oauth_response.json"),
        match=[
            matchers.query_param_matcher({"grant_type": "client_credentials"}),
            matchers.header_matcher({"Authorization": f"Basic {basic}"}),
        ],
        **kwargs,
    )


def add_push_ok(rsps, token=TOKEN):
    return rsps.add(
        responses.POST,
        PUSH_URL,
        json=load_fixture("mpesa/stk_push_response.json"),
        match=[matchers.header_matcher({"Authorization": f"Bearer {token}"})],
    )


def push(client: DarajaClient) -> StkPushAccepted:
    return client.stk_push("+254708374149", 100, "Test", "Test", CALLBACK)


# ---------------------------------------------------------------- configuration and vectors


def test_base_urls():
    assert base_url_for("sandbox") == "https://sandbox.safaricom.co.ke"
    assert base_url_for("production") == "https://api.safaricom.co.ke"
    assert base_url_for("production", "http://127.0.0.1:9999/") == "http://127.0.0.1:9999"
    assert DarajaClient.base_url_for("SANDBOX") == BASE
    with pytest.raises(ValueError):
        base_url_for("staging")


def test_from_settings_uses_contract_names():
    c = DarajaClient.from_settings(
        {
            "MPESA_ENV": "production",
            "MPESA_BASE_URL": "",
            "MPESA_CONSUMER_KEY": KEY,
            "MPESA_CONSUMER_SECRET": SECRET,
            "MPESA_SHORTCODE": "174379",
            "MPESA_PASSKEY": PASSKEY,
        }
    )
    assert c.base_url == "https://api.safaricom.co.ke"
    assert SECRET not in repr(c) and PASSKEY not in repr(c)
    with pytest.raises(ValueError):
        DarajaClient.from_settings({"MPESA_ENV": "sandbox"})


def test_password_matches_fixture_vector(client):
    vector = load_fixture("mpesa/stk_push_request.json")
    assert base64.b64decode(vector["Password"]).decode() == f"174379{PASSKEY}20160216165627"
    assert client.password(vector["Timestamp"]) == vector["Password"]


def test_timestamp_is_nairobi_time():
    assert DarajaClient.timestamp(datetime(2016, 2, 16, 13, 56, 27, tzinfo=timezone.utc)) == "20160216165627"
    # around midnight the Kenyan date is already the next day
    assert DarajaClient.timestamp(datetime(2025, 12, 31, 22, 30, tzinfo=timezone.utc)) == "20260101013000"
    with pytest.raises(ValueError):
        DarajaClient.timestamp(datetime(2016, 2, 16, 16, 56, 27))


def test_mask_phone():
    assert mask_phone("+254711000111") == "+2547****0111"


# ---------------------------------------------------------------- STK push


def test_stk_push_body_is_the_fixture_shape(client, rsps):
    add_oauth(rsps)
    call = add_push_ok(rsps)
    accepted = push(client)
    assert accepted == StkPushAccepted(
        "29115-34620561-1", "ws_CO_191220191020363925", "Success. Request accepted for processing"
    )
    sent = json.loads(call.calls[0].request.body)
    expected = load_fixture("mpesa/stk_push_request.json")
    # Password and Timestamp depend on the clock; everything else is byte for byte the fixture.
    assert {k: v for k, v in sent.items() if k not in ("Password", "Timestamp")} == {
        k: v for k, v in expected.items() if k not in ("Password", "Timestamp")
    }
    assert len(sent["Timestamp"]) == 14 and sent["Timestamp"].isdigit()
    assert client.password(sent["Timestamp"]) == sent["Password"]
    assert call.calls[0].request.req_kwargs["timeout"] == (3.05, 10)


def test_token_is_cached_then_renewed_before_expiry(client, rsps, clock):
    oauth = add_oauth(rsps)
    push_call = add_push_ok(rsps)
    push(client)
    push(client)
    assert oauth.call_count == 1 and push_call.call_count == 2
    clock.now += 3599 - 61  # still inside the margin-adjusted lifetime
    push(client)
    assert oauth.call_count == 1
    clock.now += 2  # within 60 s of Daraja's expiry: renew early
    push(client)
    assert oauth.call_count == 2


def test_token_fetch_is_shared_between_threads(client, rsps):
    oauth = add_oauth(rsps)
    tokens: list[str] = []
    threads = [threading.Thread(target=lambda: tokens.append(client.access_token())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert tokens == [TOKEN] * 8
    assert oauth.call_count == 1


def test_401_renews_token_and_retries_once(client, rsps):
    add_oauth(rsps, body={"access_token": "stale", "expires_in": "3599"})
    client.access_token()
    rsps.replace(responses.GET, OAUTH_URL, json=load_fixture("mpesa/oauth_response.json"))
    stale = rsps.add(
        responses.POST,
        PUSH_URL,
        status=401,
        json={"requestId": "1", "errorCode": "404.001.03", "errorMessage": "Invalid Access Token"},
        match=[matchers.header_matcher({"Authorization": "Bearer stale"})],
    )
    fresh = add_push_ok(rsps)
    assert push(client).checkout_request_id == "ws_CO_191220191020363925"
    assert stale.call_count == 1 and fresh.call_count == 1


def test_persistent_401_is_an_error_after_one_retry(client, rsps):
    oauth = add_oauth(rsps)
    denied = rsps.add(
        responses.POST,
        PUSH_URL,
        status=401,
        json={"requestId": "1", "errorCode": "404.001.03", "errorMessage": "Invalid Access Token"},
    )
    with pytest.raises(DarajaError) as info:
        push(client)
    assert info.value.status == 401 and info.value.code == "404.001.03"
    assert denied.call_count == 2 and oauth.call_count == 2


@pytest.mark.parametrize(
    "exc", [requests.exceptions.ConnectTimeout(), requests.exceptions.ReadTimeout(), requests.ConnectionError()]
)
def test_network_failure_is_unavailable(client, rsps, exc):
    add_oauth(rsps)
    rsps.add(responses.POST, PUSH_URL, body=exc)
    with pytest.raises(DarajaUnavailable):
        push(client)


@pytest.mark.parametrize("exc, left", [
    (requests.exceptions.ReadTimeout(), True),
    (requests.exceptions.ChunkedEncodingError(), True),
    (requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))), True),
    (requests.exceptions.ConnectTimeout(), False),
    (requests.ConnectionError(MaxRetryError(None, "/", NewConnectionError(None, "[Errno 111] Connection refused"))),
     False),
    (requests.exceptions.SSLError(), False),
])
def test_a_request_that_left_unanswered_is_told_apart_from_one_that_never_left(client, rsps, exc, left):
    """No answer to a push Daraja may be carrying out is "unknown", never a refusal."""
    add_oauth(rsps)
    rsps.add(responses.POST, PUSH_URL, body=exc)
    with pytest.raises(DarajaUnavailable) as info:
        push(client)
    assert isinstance(info.value, DarajaNoAnswer) is left


def test_a_gateway_timeout_is_no_answer_for_the_push_but_not_for_the_token(client, rsps):
    rsps.add(responses.GET, OAUTH_URL, status=504, body="<html>Gateway Timeout</html>")
    with pytest.raises(DarajaUnavailable) as info:
        push(client)
    assert not isinstance(info.value, DarajaNoAnswer)  # no token: the push never left
    rsps.replace(responses.GET, OAUTH_URL, json=load_fixture("mpesa/oauth_response.json"))
    rsps.add(responses.POST, PUSH_URL, status=504, body="<html>Gateway Timeout</html>")
    with pytest.raises(DarajaNoAnswer):
        push(client)


def test_each_thread_has_its_own_session_and_all_share_one_token(client, rsps):
    add_oauth(rsps)
    sessions = []

    def use():
        sessions.append(client._session)
        client.access_token()

    threads = [threading.Thread(target=use) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(s) for s in sessions}) == 3
    assert len([c for c in rsps.calls if c.request.url.startswith(OAUTH_URL)]) == 1


def test_oauth_timeout_is_unavailable(client, rsps):
    rsps.add(responses.GET, OAUTH_URL, body=requests.exceptions.ConnectTimeout())
    with pytest.raises(DarajaUnavailable):
        push(client)


def test_oauth_bad_credentials_is_an_error(client, rsps):
    rsps.add(responses.GET, OAUTH_URL, status=400, json={"errorCode": "400.008.01", "errorMessage": "Invalid Authentication passed"})
    with pytest.raises(DarajaError) as info:
        push(client)
    assert not isinstance(info.value, DarajaUnavailable)
    assert info.value.code == "400.008.01"


def test_http_error_carries_daraja_code(client, rsps):
    add_oauth(rsps)
    rsps.add(
        responses.POST,
        PUSH_URL,
        status=400,
        json={"requestId": "x", "errorCode": "400.002.02", "errorMessage": "Bad Request - Invalid PhoneNumber"},
    )
    with pytest.raises(DarajaError) as info:
        push(client)
    assert (info.value.status, info.value.code) == (400, "400.002.02")
    assert "Invalid PhoneNumber" in str(info.value)


def test_gateway_error_page_is_unavailable(client, rsps):
    add_oauth(rsps)
    rsps.add(responses.POST, PUSH_URL, status=503, body="<html>Service Unavailable</html>")
    with pytest.raises(DarajaUnavailable) as info:
        push(client)
    assert info.value.status == 503 and info.value.code is None


def test_non_zero_response_code_is_an_error(client, rsps):
    add_oauth(rsps)
    rsps.add(responses.POST, PUSH_URL, json={"ResponseCode": "1", "ResponseDescription": "Rejected"})
    with pytest.raises(DarajaError) as info:
        push(client)
    assert info.value.code == "1" and "Rejected" in str(info.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"amount_minor": 150},  # not whole shillings
        {"amount_minor": 0},
        {"amount_minor": -100},
        {"amount_minor": True},
        {"amount_minor": 100.0},
        {"phone_e164": "254708374149"},  # no plus
        {"phone_e164": "0708374149"},
        {"phone_e164": "+256708374149"},  # Ugandan
        {"account_reference": "ABCDEFGHIJKLM"},  # 13 > 12
        {"account_reference": ""},
        {"description": "   "},
        {"callback_url": "ftp://example.com/cb"},
        {"callback_url": "https://example.com/mpesa/stk"},
        {"callback_url": "https://SAFARICOM.example.com/stk"},
        {"callback_url": "https://example.com/Exec"},
        {"callback_url": "https://example.com/cb?token=xCMDy"},
        {"callback_url": "https://example.com/mySQL"},
        {"callback_url": "https://example.com/stk/Query"},
    ],
)
def test_stk_push_refuses_bad_input_without_calling_daraja(client, rsps, kwargs):
    args = {
        "phone_e164": "+254708374149",
        "amount_minor": 100,
        "account_reference": "Test",
        "description": "Test",
        "callback_url": CALLBACK,
    } | kwargs
    with pytest.raises(ValueError):
        client.stk_push(**args)
    assert len(rsps.calls) == 0


def test_forbidden_word_error_does_not_echo_the_token(client):
    with pytest.raises(ValueError) as info:
        client.stk_push("+254708374149", 100, "Test", "Test", "https://x.example/cb?token=secretSQLtoken")
    assert "secret" not in str(info.value)


def test_description_is_cut_to_daraja_limit_and_safaricom_1x_numbers_work(client, rsps):
    add_oauth(rsps)
    call = add_push_ok(rsps)
    client.stk_push("+254110000111", 250000, "SAF-7K2M9Q", "Bus ticket Nairobi-Nakuru", CALLBACK)
    sent = json.loads(call.calls[0].request.body)
    assert sent["TransactionDesc"] == "Bus ticket Na"
    assert (sent["PartyA"], sent["PhoneNumber"], sent["Amount"]) == ("254110000111", "254110000111", "2500")


def test_logs_hold_no_secrets_or_full_numbers(client, rsps, caplog):
    caplog.set_level(logging.DEBUG)
    add_oauth(rsps)
    add_push_ok(rsps)
    push(client)
    text = caplog.text
    assert "+2547****4149" in text
    for secret in (KEY, SECRET, PASSKEY, TOKEN, "254708374149"):
        assert secret not in text


# ---------------------------------------------------------------- STK query


def test_stk_query_result(client, rsps):
    add_oauth(rsps)
    call = rsps.add(responses.POST, QUERY_URL, json=load_fixture("mpesa/stk_query_response.json"))
    result = client.stk_query("ws_CO_191220191020363925")
    assert (result.result_code, result.pending, result.succeeded) == (0, False, True)
    assert result.result_desc == "The service request is processed successfully."
    sent = json.loads(call.calls[0].request.body)
    assert sent["CheckoutRequestID"] == "ws_CO_191220191020363925"
    assert sent["BusinessShortCode"] == "174379"
    assert client.password(sent["Timestamp"]) == sent["Password"]


def test_stk_query_cancelled(client, rsps):
    add_oauth(rsps)
    body = load_fixture("mpesa/stk_query_response.json") | {"ResultCode": "1032", "ResultDesc": "Request cancelled by user"}
    rsps.add(responses.POST, QUERY_URL, json=body)
    result = client.stk_query("ws_CO_191220191020363925")
    assert (result.result_code, result.pending, result.succeeded) == (1032, False, False)


def test_stk_query_still_processing_is_pending(client, rsps, caplog):
    caplog.set_level(logging.INFO)
    add_oauth(rsps)
    rsps.add(
        responses.POST,
        QUERY_URL,
        status=500,
        json={"requestId": "1", "errorCode": "500.001.1001", "errorMessage": "The transaction is being processed"},
    )
    result = client.stk_query("ws_CO_191220191020363925")
    assert result.pending and result.result_code is None
    assert result.result_desc == "The transaction is being processed"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]  # pending is normal


def test_stk_query_other_error_raises(client, rsps):
    add_oauth(rsps)
    rsps.add(
        responses.POST,
        QUERY_URL,
        status=400,
        json={"requestId": "1", "errorCode": "400.002.02", "errorMessage": "Bad Request - Invalid CheckoutRequestID"},
    )
    with pytest.raises(DarajaError) as info:
        client.stk_query("nope")
    assert info.value.code == "400.002.02"


# ---------------------------------------------------------------- C2B registration


def test_register_c2b_urls(client, rsps):
    add_oauth(rsps)
    answer = {"OriginatorCoversationID": "7619-37765134-1", "ResponseCode": "0", "ResponseDescription": "success"}
    call = rsps.add(responses.POST, REGISTER_URL, json=answer)
    got = client.register_c2b_urls(
        "https://safiri.example/channels/mobile-money/c2b/confirmation?token=abc",
        "https://safiri.example/channels/mobile-money/c2b/validation?token=abc",
    )
    assert got == answer
    assert json.loads(call.calls[0].request.body) == {
        "ShortCode": "174379",
        "ResponseType": "Completed",
        "ConfirmationURL": "https://safiri.example/channels/mobile-money/c2b/confirmation?token=abc",
        "ValidationURL": "https://safiri.example/channels/mobile-money/c2b/validation?token=abc",
    }


@pytest.mark.parametrize(
    "confirmation, validation, response_type",
    [
        ("https://x.example/mpesa/confirm", "https://x.example/validate", "Completed"),
        ("https://x.example/confirm", "https://x.example/validate?cmd=1", "Completed"),
        ("https://x.example/confirm", "https://x.example/validate", "completed"),
    ],
)
def test_register_c2b_urls_refuses_what_daraja_refuses(client, rsps, confirmation, validation, response_type):
    with pytest.raises(ValueError):
        client.register_c2b_urls(confirmation, validation, response_type=response_type)
    assert len(rsps.calls) == 0


# ---------------------------------------------------------------- callback parsing


def test_parse_stk_callback_success():
    cb = parse_stk_callback(load_fixture("mpesa/stk_callback_success.json"))
    assert cb.succeeded
    assert cb.merchant_request_id == "29115-34620561-1"
    assert cb.checkout_request_id == "ws_CO_191220191020363925"
    assert (cb.result_code, cb.receipt, cb.amount_minor) == (0, "NLJ7RT61SV", 100)
    assert cb.phone_e164 == "+254708374149"
    assert cb.transaction_date == datetime(2019, 12, 19, 7, 21, 15, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "name, code, desc",
    [
        ("mpesa/stk_callback_cancelled.json", 1032, "Request cancelled by user"),
        ("mpesa/stk_callback_timeout.json", 1037, "DS timeout user cannot be reached"),
    ],
)
def test_parse_stk_callback_failures(name, code, desc):
    cb = parse_stk_callback(load_fixture(name))
    assert not cb.succeeded
    assert (cb.result_code, cb.result_desc) == (code, desc)
    assert (cb.receipt, cb.amount_minor, cb.phone_e164, cb.transaction_date) == (None, None, None, None)


@pytest.mark.parametrize(
    "value, minor", [(1.00, 100), (1, 100), ("10", 1000), ("10.50", 1050), (0.1, 10), (2500.0, 250000)]
)
def test_callback_amounts_convert_exactly(value, minor):
    body = load_fixture("mpesa/stk_callback_success.json")
    body["Body"]["stkCallback"]["CallbackMetadata"]["Item"][0]["Value"] = value
    assert parse_stk_callback(body).amount_minor == minor


def test_stk_callback_tolerates_valueless_items_and_masked_phone():
    body = load_fixture("mpesa/stk_callback_success.json")
    items = body["Body"]["stkCallback"]["CallbackMetadata"]["Item"]
    items.append({"Name": "Balance"})
    items[3]["Value"] = "2547****149"
    cb = parse_stk_callback(body)
    assert cb.receipt == "NLJ7RT61SV" and cb.phone_e164 is None


def _success():
    return load_fixture("mpesa/stk_callback_success.json")


def _mutate(path_value):
    def build():
        body = _success()
        cb = body["Body"]["stkCallback"]
        path, value = path_value
        if path == "drop-metadata":
            del cb["CallbackMetadata"]
        elif path.startswith("item:"):
            cb["CallbackMetadata"]["Item"][int(path[5:])]["Value"] = value
        elif value is KeyError:
            del cb[path]
        else:
            cb[path] = value
        return body

    return build


@pytest.mark.parametrize(
    "build",
    [
        lambda: None,
        lambda: [],
        lambda: {},
        lambda: {"Body": {}},
        lambda: {"Body": {"stkCallback": "x"}},
        _mutate(("CheckoutRequestID", KeyError)),
        _mutate(("CheckoutRequestID", 123)),
        _mutate(("ResultCode", KeyError)),
        _mutate(("ResultCode", "zero")),
        _mutate(("ResultCode", True)),
        _mutate(("CallbackMetadata", {"Item": "nope"})),
        _mutate(("drop-metadata", None)),  # success without amount/receipt
        _mutate(("item:0", 1.005)),  # fraction of a cent
        _mutate(("item:0", "ten")),
        _mutate(("item:0", -1)),
        _mutate(("item:0", True)),
        _mutate(("item:0", "NaN")),
        _mutate(("item:1", 42)),  # receipt must be a string
        _mutate(("item:2", 20191319102115)),  # month 13
        _mutate(("item:2", "2019-12-19")),
    ],
)
def test_parse_stk_callback_malformed(build):
    with pytest.raises(MalformedCallback) as info:
        parse_stk_callback(build())
    assert isinstance(info.value, ValueError) and str(info.value)


def test_parse_c2b_fixture():
    n = parse_c2b(load_fixture("mpesa/c2b_confirmation.json"))
    assert n == C2BNotification(
        trans_id="RKTQDM7W6S",
        trans_time=datetime(2019, 11, 22, 3, 38, 45, tzinfo=timezone.utc),
        amount_minor=1000,
        shortcode="600638",
        bill_ref="invoice008",
        msisdn="25470****149",
        first_name="John",
        middle_name="",
        last_name="Doe",
        transaction_type="Pay Bill",
    )
    assert n.trans_time.tzinfo is timezone.utc


@pytest.mark.parametrize(
    "change",
    [
        {"TransID": None},
        {"TransID": ""},
        {"TransTime": "2019-11-22"},
        {"TransTime": None},
        {"TransAmount": "ten"},
        {"TransAmount": "10.001"},
        {"TransAmount": None},
        {"BusinessShortCode": ""},
        {"MSISDN": 254700000149},
        {"BillRefNumber": None},
        {"FirstName": {"x": 1}},
    ],
)
def test_parse_c2b_malformed(change):
    body = load_fixture("mpesa/c2b_confirmation.json")
    for key, value in change.items():
        if value is None:
            del body[key]
        else:
            body[key] = value
    with pytest.raises(MalformedCallback):
        parse_c2b(body)


def test_parse_c2b_rejects_non_object():
    with pytest.raises(MalformedCallback):
        parse_c2b("TransID=1")
