"""The Daraja client's outbound operations (B2C, reversal, transaction status) against
mocked Daraja (``responses``) and the wire fixtures; the initiator's SecurityCredential
computed with a self-made certificate; the result parser on every result fixture."""
from __future__ import annotations

import copy
from datetime import datetime, timezone

import pytest
import requests
import responses

from app.payments.providers.daraja import (
    DarajaClient,
    DarajaError,
    DarajaNoAnswer,
    Initiator,
    InitiatorConfigError,
    MalformedCallback,
    parse_result,
)
from tests.fixtures import load_fixture
from tests.payouts.helpers import (
    B2C_URL,
    REVERSAL_URL,
    STATUS_URL,
    decrypt_credential,
    make_certificate,
    mock_oauth,
    sent_bodies,
)
from tests.payments.helpers import DARAJA_CONFIG

RESULT = "https://tickets.example.test/channels/mobile-money/b2c/result?token=t"
TIMEOUT = "https://tickets.example.test/channels/mobile-money/b2c/timeout?token=t"


def settings(**extra):
    return {**DARAJA_CONFIG, "MPESA_INITIATOR_NAME": "safiri.api", "MPESA_B2C_SHORTCODE": "600980", **extra}


@pytest.fixture
def client():
    return DarajaClient.from_settings(settings(MPESA_SECURITY_CREDENTIAL="Q1JFREVOVElBTA=="))


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock_oauth(mock)
        yield mock


def test_security_credential_is_the_password_encrypted_with_the_certificate(tmp_path):
    cert, key = make_certificate(tmp_path)
    initiator = Initiator.from_settings(settings(MPESA_INITIATOR_PASSWORD="Safaricom999!*!", MPESA_CERT_FILE=cert))
    assert decrypt_credential(initiator.credential, key) == "Safaricom999!*!"
    assert "Safaricom999" not in repr(initiator) and initiator.credential not in repr(initiator)
    # A ready-made credential (from the Org Portal) wins and is used as given.
    given = Initiator.from_settings(settings(MPESA_SECURITY_CREDENTIAL="abc=", MPESA_INITIATOR_PASSWORD="x",
                                             MPESA_CERT_FILE=cert))
    assert given.credential == "abc=" and given.b2c_shortcode == "600980" and given.shortcode == "174379"


def test_initiator_settings_that_cannot_work_are_named(tmp_path):
    assert Initiator.from_settings(settings(MPESA_INITIATOR_NAME="")) is None
    with pytest.raises(InitiatorConfigError, match="MPESA_SECURITY_CREDENTIAL"):
        Initiator.from_settings(settings())
    with pytest.raises(InitiatorConfigError, match="MPESA_CERT_FILE cannot be read"):
        Initiator.from_settings(settings(MPESA_INITIATOR_PASSWORD="p", MPESA_CERT_FILE=str(tmp_path / "none.cer")))
    junk = tmp_path / "junk.cer"
    junk.write_text("-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n")
    with pytest.raises(InitiatorConfigError, match="not an X.509 certificate"):
        Initiator.from_settings(settings(MPESA_INITIATOR_PASSWORD="p", MPESA_CERT_FILE=str(junk)))
    # The client still takes payments: its initiator is simply absent.
    assert DarajaClient.from_settings(settings()).initiator is None


def test_b2c_request_has_the_fixture_shape_and_our_key(client, rsps):
    rsps.add(responses.POST, B2C_URL, json=load_fixture("mpesa/b2c_response.json"))
    accepted = client.b2c_payment("safiri-refund-000123", "+254711000111", 80000, remarks="Refund KM7QW2XA",
                                  occasion="Trip cancelled", result_url=RESULT, timeout_url=TIMEOUT)
    assert accepted.conversation_id == "AG_20261201_2010325b025970fbc403"
    assert accepted.originator_conversation_id == "safiri-refund-000123"
    (sent,) = sent_bodies(rsps, B2C_URL)
    fixture = load_fixture("mpesa/b2c_request.json")
    assert set(sent) == set(fixture)
    assert {k: sent[k] for k in ("OriginatorConversationID", "InitiatorName", "CommandID", "Amount", "PartyA",
                                 "PartyB", "Remarks", "Occassion")} == \
        {k: fixture[k] for k in ("OriginatorConversationID", "InitiatorName", "CommandID", "Amount", "PartyA",
                                 "PartyB", "Remarks", "Occassion")}
    assert sent["SecurityCredential"] == "Q1JFREVOVElBTA==" and sent["ResultURL"] == RESULT
    assert rsps.calls[-1].request.headers["Authorization"].startswith("Bearer ")


def test_b2c_refuses_what_daraja_would_refuse_before_sending(client, rsps):
    for amount in (80050, 0, -100):
        with pytest.raises(ValueError):
            client.b2c_payment("k-1", "+254711000111", amount, remarks="Refund", result_url=RESULT, timeout_url=TIMEOUT)
    with pytest.raises(ValueError):
        client.b2c_payment("bad key!", "+254711000111", 100, remarks="Refund", result_url=RESULT, timeout_url=TIMEOUT)
    with pytest.raises(ValueError):
        client.b2c_payment("k-1", "+255711000111", 100, remarks="Refund", result_url=RESULT, timeout_url=TIMEOUT)
    with pytest.raises(ValueError, match="mpesa"):
        client.b2c_payment("k-1", "+254711000111", 100, remarks="Refund", timeout_url=TIMEOUT,
                           result_url="https://x.example/mpesa/result")
    assert len(rsps.calls) == 0  # not even a token was fetched


def test_b2c_refusal_and_lost_answer_are_told_apart(client, rsps):
    rsps.add(responses.POST, B2C_URL, status=400, json={"requestId": "1", "errorCode": "400.002.02",
                                                         "errorMessage": "Bad Request - Invalid Amount"})
    with pytest.raises(DarajaError) as refused:
        client.b2c_payment("k-1", "+254711000111", 100, remarks="Refund", result_url=RESULT, timeout_url=TIMEOUT)
    assert refused.value.code == "400.002.02" and not isinstance(refused.value, DarajaNoAnswer)
    rsps.replace(responses.POST, B2C_URL, body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(DarajaNoAnswer):
        client.b2c_payment("k-1", "+254711000111", 100, remarks="Refund", result_url=RESULT, timeout_url=TIMEOUT)


def test_reversal_request_has_the_fixture_shape(client, rsps):
    rsps.add(responses.POST, REVERSAL_URL, json={"OriginatorConversationID": "8521-4298025-1",
                                                 "ConversationID": "AG_20261201_00004e48cf7e3533f581",
                                                 "ResponseCode": "0", "ResponseDescription": "Accept the service request successfully."})
    accepted = client.reverse("SL19B0PPX4", 64000, remarks="Double payment KM7QW2XB",
                              result_url=RESULT.replace("b2c", "reversal"), timeout_url=TIMEOUT.replace("b2c", "reversal"))
    assert accepted.conversation_id == "AG_20261201_00004e48cf7e3533f581"
    (sent,) = sent_bodies(rsps, REVERSAL_URL)
    fixture = load_fixture("mpesa/reversal_request.json")
    assert set(sent) == set(fixture)
    for key in ("Initiator", "CommandID", "TransactionID", "Amount", "RecieverIdentifierType", "Remarks"):
        assert sent[key] == fixture[key], key
    assert sent["ReceiverParty"] == "174379"  # the Paybill that received the payment


def test_status_check_by_receipt_or_by_our_key(client, rsps):
    rsps.add(responses.POST, STATUS_URL, json={"OriginatorConversationID": "1236-7134259-1",
                                               "ConversationID": "AG_20261201_0000712ecd52d1d3d8b6",
                                               "ResponseCode": "0", "ResponseDescription": "Accepted"})
    client.transaction_status(receipt="SL19A7TT3M", remarks="Disputed payment", result_url=RESULT, timeout_url=TIMEOUT)
    client.transaction_status(originator_id="safiri-payout-7-1", b2c=True, remarks="No result yet",
                              result_url=RESULT, timeout_url=TIMEOUT)
    by_receipt, by_key = sent_bodies(rsps, STATUS_URL)
    assert by_receipt["TransactionID"] == "SL19A7TT3M" and by_receipt["PartyA"] == "174379"
    assert by_receipt["CommandID"] == "TransactionStatusQuery" and by_receipt["IdentifierType"] == "4"
    assert "OriginatorConversationID" not in by_receipt
    assert by_key["OriginatorConversationID"] == "safiri-payout-7-1" and by_key["PartyA"] == "600980"
    with pytest.raises(ValueError):
        client.transaction_status(remarks="nothing to ask", result_url=RESULT, timeout_url=TIMEOUT)


def test_no_initiator_no_outbound_call():
    client = DarajaClient.from_settings(DARAJA_CONFIG)
    with pytest.raises(ValueError, match="MPESA_INITIATOR_NAME"):
        client.b2c_payment("k", "+254711000111", 100, remarks="Refund", result_url=RESULT, timeout_url=TIMEOUT)


def test_result_parser_reads_every_result_fixture():
    ok = parse_result(load_fixture("mpesa/b2c_result_success.json"))
    assert ok.succeeded and ok.originator_conversation_id == "safiri-refund-000123"
    assert ok.amount_minor == 80000 and ok.receipt == "SL1CX8KQ2P"
    assert ok.completed_at == datetime(2026, 12, 1, 11, 22, 8, tzinfo=timezone.utc)  # 14:22:08 in Nairobi
    failed = parse_result(load_fixture("mpesa/b2c_result_failed.json"))
    assert not failed.succeeded and failed.result_code == "2001" and failed.amount_minor is None
    reversed_ = parse_result(load_fixture("mpesa/reversal_result.json"))
    assert reversed_.succeeded and reversed_.amount_minor == 64000
    assert reversed_.parameters["OriginalTransactionID"] == "SL19B0PPX4"
    assert reversed_.completed_at == datetime(2026, 12, 1, 11, 44, 52, tzinfo=timezone.utc)
    already = parse_result(load_fixture("mpesa/reversal_result_already.json"))
    assert already.result_code == "R000001" and not already.succeeded
    status = parse_result(load_fixture("mpesa/transaction_status_result.json"))
    assert status.transaction_status == "Completed" and status.receipt == "SL19A7TT3M"
    assert status.amount_minor == 80000


@pytest.mark.parametrize("mutate", [
    lambda b: b.pop("Result"),
    lambda b: b["Result"].pop("ResultCode"),
    lambda b: b["Result"].__setitem__("ResultCode", True),
    lambda b: b["Result"]["ResultParameters"].__setitem__("ResultParameter", "x"),
    lambda b: b["Result"]["ResultParameters"]["ResultParameter"][0].__setitem__("Value", "800.005"),
    lambda b: b["Result"]["ResultParameters"]["ResultParameter"][5].__setitem__("Value", "32.13.2026 99:00:00"),
], ids=["no-result", "no-code", "bool-code", "params-not-list", "fraction-of-cent", "bad-date"])
def test_result_parser_refuses_what_it_cannot_read(mutate):
    body = copy.deepcopy(load_fixture("mpesa/b2c_result_success.json"))
    mutate(body)
    with pytest.raises(MalformedCallback):
        parse_result(body)
