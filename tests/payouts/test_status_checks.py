"""Transaction status for a receipt a passenger disputes: an admin asks, Daraja answers at
``/status/result``, the admin reads the answer (the payer's number masked). A carrier admin
asks only about its own carrier's receipts (another carrier's answer 404)."""
from __future__ import annotations

import pytest
import responses
from sqlalchemy import select

from app.extensions import db
from app.payments.models import Payment, Refund
from app.payouts.jobs import sweep_payouts
from app.payouts.models import Payout
from tests.channels.test_mpesa_callbacks import CONFIRMATION, c2b_body, cheap  # noqa: F401 - fixture
from tests.factories import make_carrier, make_user
from tests.fixtures import load_fixture
from tests.payments.helpers import TOKEN, book
from tests.payouts.helpers import INITIATOR_CONFIG, STATUS_URL, accepted, mock_oauth, platform_admin, sent_bodies

RECEIPT = "SL19A7TT3M"  # the receipt in transaction_status_result.json


@pytest.fixture
def app_settings():
    return INITIATOR_CONFIG


@pytest.fixture
def daraja():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock_oauth(mock)
        mock.add(responses.POST, STATUS_URL, json=accepted("AG_20261201_0000712ecd52d1d3d8b6", "1236-7134259-1"))
        yield mock


def paid_at_paybill(client, world, auth_headers):
    order = book(client, world, auth_headers(world.passenger))
    body = dict(c2b_body(order["code"]), TransID=RECEIPT, MSISDN="254722333444")
    client.post(CONFIRMATION, json=body)
    return order


def test_a_carrier_admin_asks_about_its_receipt_and_reads_the_answer(client, cheap, auth_headers, daraja):
    paid_at_paybill(client, cheap, auth_headers)
    admin = auth_headers(cheap.admin)
    resp = client.post("/api/v1/status-checks", json={"receipt": RECEIPT.lower()}, headers=admin)
    assert resp.status_code == 202, resp.get_json()
    check = resp.get_json()
    assert check["receipt"] == RECEIPT and check["answered"] is False and check["carrier_id"] == cheap.carrier.id
    (asked,) = sent_bodies(daraja, STATUS_URL)
    assert asked["TransactionID"] == RECEIPT and asked["PartyA"] == "174379"
    assert asked["ResultURL"].endswith(f"/status/result?token={TOKEN}&check={check['id']}")

    answer = client.post(f"/channels/mobile-money/status/result?token={TOKEN}&check={check['id']}",
                         json=load_fixture("mpesa/transaction_status_result.json"))
    assert answer.get_json() == {"ResultCode": 0, "ResultDesc": "Accepted"}
    read = client.get(f"/api/v1/status-checks/{check['id']}", headers=admin).get_json()
    assert (read["answered"], read["transaction_status"], read["amount"], read["payer"]) == \
        (True, "Completed", {"amount": 80000, "currency": "KES"}, "+2547****3444")
    assert "OTIENO" not in str(read)  # no name is kept
    # The same answer again changes nothing; the status check is found by Daraja's id too.
    client.post("/channels/mobile-money/status/result?token=" + TOKEN, json=load_fixture(
        "mpesa/transaction_status_result.json"))
    assert client.get(f"/api/v1/status-checks/{check['id']}", headers=admin).get_json() == read


def test_other_carriers_and_unknown_receipts_answer_404(client, cheap, auth_headers, daraja):
    paid_at_paybill(client, cheap, auth_headers)
    other = make_carrier("Other Coaches")
    stranger = make_user("carrier_admin", carrier=other)
    db.session.commit()
    them = auth_headers(stranger)
    assert client.post("/api/v1/status-checks", json={"receipt": RECEIPT}, headers=them).status_code == 404
    assert client.post("/api/v1/status-checks", json={"receipt": "SLZZZZZZZZ"},
                       headers=auth_headers(cheap.admin)).status_code == 404
    assert client.post("/api/v1/status-checks", json={"receipt": "bad receipt!"},
                       headers=auth_headers(cheap.admin)).status_code == 422
    assert client.post("/api/v1/status-checks", json={"receipt": RECEIPT},
                       headers=auth_headers(cheap.passenger)).status_code == 403
    mine = client.post("/api/v1/status-checks", json={"receipt": RECEIPT}, headers=auth_headers(cheap.admin))
    assert client.get(f"/api/v1/status-checks/{mine.get_json()['id']}", headers=them).status_code == 404
    # The platform may ask about any receipt, ours or not.
    unknown = client.post("/api/v1/status-checks", json={"receipt": "SLZZZZZZZZ"}, headers=auth_headers(platform_admin()))
    assert unknown.status_code == 202 and unknown.get_json()["carrier_id"] is None


def test_without_an_initiator_a_status_check_is_refused(client, cheap, auth_headers, app):
    app.config["MPESA_INITIATOR_NAME"] = None
    paid_at_paybill(client, cheap, auth_headers)
    resp = client.post("/api/v1/status-checks", json={"receipt": RECEIPT}, headers=auth_headers(cheap.admin))
    assert resp.status_code == 409 and resp.get_json()["type"].endswith("status-check-unavailable")


def test_the_sweep_creates_the_payout_of_a_refund_whose_job_was_lost(client, cheap, auth_headers, app, monkeypatch):
    app.config["MPESA_INITIATOR_NAME"] = None  # a person pays it
    monkeypatch.setattr("app.sales.cancelling.payout_for_refund", lambda refund, actor: None)  # the job is lost
    paid_at_paybill(client, cheap, auth_headers)
    resp = client.post(f"/api/v1/carriers/{cheap.carrier.id}/trips/{cheap.trip.id}/cancel",
                       json={"reason": "bus broke down"}, headers=auth_headers(cheap.admin))
    assert resp.status_code == 200
    refund = db.session.scalar(select(Refund))
    assert refund.status == "pending_payout" and db.session.scalar(select(Payout)) is None
    assert sweep_payouts() == "created 1, sent 0, checked 0"
    payout = db.session.scalar(select(Payout))
    assert (payout.refund_id, payout.amount, payout.status) == (refund.id, 100, "pending")
    assert payout.phone == db.session.get(Payment, refund.payment_id).phone == "+254722333444"
    assert sweep_payouts() == "created 0, sent 0, checked 0"
