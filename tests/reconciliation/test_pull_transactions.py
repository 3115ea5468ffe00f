"""Daraja's Pull Transactions on a schedule: a Paybill payment whose confirmation never came is
applied as a late confirmation would be (Daraja mocked with ``responses`` and the fixture)."""
from __future__ import annotations

import copy
import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
import responses
from sqlalchemy import select

from app.database import utcnow
from app.extensions import db
from app.jobs.periodic import run_all_once, sweep_intervals
from app.ledger.service import balance
from app.payments.models import ParkedCallback, Payment
from app.reconciliation.models import MpesaShortcode
from app.reconciliation.pulling import pull_client, pull_transactions
from tests.channels.test_mpesa_callbacks import c2b_body
from tests.fixtures import load_fixture
from tests.payments.helpers import DARAJA, DARAJA_CONFIG, TOKEN, book, counts, ledger_balanced, order_status, sms_to
from tests.reconciliation.support import shortcode

QUERY = f"{DARAJA}/pulltransactions/v1/query"
PAGE = load_fixture("mpesa/pull_transactions_response.json")
EMPTY = {"ResponseRefID": "x", "ResponseCode": "1000", "ResponseMessage": "Success", "Response": [[]]}
PAYER = "+254722333444"  # the fixture's msisdn


@pytest.fixture
def app_settings():
    return DARAJA_CONFIG


@pytest.fixture
def daraja():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.GET, f"{DARAJA}/oauth/v1/generate", json=load_fixture("mpesa/oauth_response.json"))
        yield mock


@pytest.fixture
def paybill(world):
    world.fares[("NBO", "ELD", "standard")].amount = 80000  # KES 800, the fixture's amount
    db.session.commit()
    shortcode(world.carrier, "600638", pull_transactions=True)
    return world


def _pages(daraja, *pages):
    for page in (*pages, EMPTY):
        daraja.add(responses.POST, QUERY, json=page)


def _page(*records) -> dict:
    page = copy.deepcopy(PAGE)
    page["Response"] = [list(records)]
    return page


def _record(**changes) -> dict:
    return {**PAGE["Response"][0][0], **changes}


def _queries(daraja) -> list[dict]:
    return [json.loads(call.request.body) for call in daraja.calls if call.request.url == QUERY]


def test_a_paybill_payment_never_confirmed_is_found_and_pays_its_booking(client, paybill, auth_headers, daraja):
    user = paybill.passenger
    user.phone = PAYER
    db.session.commit()
    order = book(client, paybill, auth_headers(user))
    _pages(daraja, _page(_record(billreference=order["code"].lower())))
    outcome = run_all_once()  # the worker's sweep, as scheduled
    assert outcome["app.reconciliation.pulling:pull_transactions"].startswith("ok")
    assert order_status(order["id"]) == "paid"
    payment = db.session.scalar(select(Payment).where(Payment.receipt == "SL19A7TT3M"))
    assert (payment.method, payment.status, payment.amount, payment.phone) == ("mpesa_paybill", "succeeded", 80000,
                                                                               PAYER)
    assert counts()["tickets"] == 1 and any(order["code"] in text for text in sms_to(PAYER))
    assert ledger_balanced()
    queries = _queries(daraja)
    assert [q["OffSetValue"] for q in queries] == ["0", "1"] and queries[0]["ShortCode"] == "600638"
    assert db.session.scalar(select(MpesaShortcode.pulled_until)) is not None

    # The same payment pulled again, and its confirmation arriving at last: nothing changes.
    before = counts()
    daraja.calls.reset()
    _pages(daraja, _page(_record(billreference=order["code"])))
    assert pull_transactions(utcnow() + timedelta(minutes=5))[1]["known"] == 1
    late = c2b_body(order["code"], amount="800", msisdn="254722333444")
    late["TransID"], late["BusinessShortCode"] = "SL19A7TT3M", "600638"
    resp = client.post(f"/channels/mobile-money/c2b/confirmation?token={TOKEN}", json=late)
    assert resp.get_json() == {"ResultCode": 0, "ResultDesc": "Accepted"}
    assert counts() == before


def test_pulled_money_goes_where_a_confirmation_would(paybill, client, auth_headers, daraja):
    order = book(client, paybill, auth_headers(paybill.passenger))
    _pages(daraja, _page(
        _record(billreference=order["code"]),
        _record(transactionId="SL19A7TT3N", billreference=order["code"], msisdn=254711000111),  # paid twice
        _record(transactionId="SL19A7TT3P", billreference="NOSUCHREF", msisdn="2547****3444"),  # nobody
        _record(transactionId="SL19A7TT3Q", transactiontype="b2c-payment"),  # not a customer payment
    ))
    result = pull_transactions()[1]
    assert (result["applied"], result["not_c2b"]) == (3, 1)
    assert order_status(order["id"]) == "paid" and counts()["tickets"] == 1
    wallet = client.get("/api/v1/wallet", headers=auth_headers(paybill.passenger)).get_json()
    assert wallet["balance"] == {"amount": 80000, "currency": "KES"}  # the second payment
    assert balance("review_suspense", "KES") == 80000  # the one nobody can be told about
    assert db.session.scalar(select(ParkedCallback.reason).where(ParkedCallback.receipt == "SL19A7TT3P")) == \
        "unknown_account"
    assert ledger_balanced()


def test_a_booking_whose_prompt_is_in_flight_is_left_to_the_stk_poller(paybill, client, auth_headers, daraja):
    order = book(client, paybill, auth_headers(paybill.passenger))
    db.session.add(Payment(order_id=order["id"], user_id=paybill.passenger.id, purpose="order", method="mpesa_stk",
                           provider="mpesa", amount=80000, currency="KES", phone=PAYER, status="pending",
                           provider_ref="ws_CO_inflight"))
    db.session.commit()
    before = counts()
    _pages(daraja, _page(_record(billreference=order["code"])))
    assert pull_transactions()[1]["left_to_stk_poller"] == 1
    assert counts() == before and order_status(order["id"]) == "pending_payment"


def test_daraja_down_changes_nothing_and_the_next_run_catches_up(paybill, client, auth_headers, daraja):
    order = book(client, paybill, auth_headers(paybill.passenger))
    daraja.add(responses.POST, QUERY, status=503, body="<html>Service Unavailable</html>")
    daraja.add(responses.POST, QUERY, body=requests.exceptions.ReadTimeout("slow"))
    assert pull_transactions()[1]["error"] == "DarajaUnavailable"
    assert pull_transactions()[1]["error"] == "DarajaNoAnswer"
    assert db.session.scalar(select(MpesaShortcode.pulled_until)) is None
    assert order_status(order["id"]) == "pending_payment"
    _pages(daraja, _page(_record(billreference=order["code"])))
    assert pull_transactions()[1]["applied"] == 1 and order_status(order["id"]) == "paid"


def test_each_run_looks_back_from_where_the_last_ended_never_beyond_48_hours(paybill, daraja):
    now = utcnow().replace(microsecond=0)
    _pages(daraja)
    pull_transactions(now)
    _pages(daraja)
    pull_transactions(now + timedelta(minutes=5))
    first, second = [q for q in _queries(daraja) if q["OffSetValue"] == "0"]

    def kenyan(moment):
        return moment.astimezone(ZoneInfo("Africa/Nairobi")).strftime("%Y-%m-%d %H:%M:%S")

    assert first["StartDate"] == kenyan(now - timedelta(hours=48)) and first["EndDate"] == kenyan(now)
    assert second["StartDate"] == kenyan(now - timedelta(minutes=30))
    assert second["EndDate"] == kenyan(now + timedelta(minutes=5))


def test_only_paybills_registered_for_it_are_pulled_every_few_minutes(app, world, daraja):
    shortcode(world.carrier, "600638")  # not registered for Pull Transactions
    assert pull_transactions() == {}
    assert not [call for call in daraja.calls if call.request.url == QUERY]
    assert sweep_intervals(app.config)["pull-c2b"] <= 15 * 60 - 5 * 60  # found well within 15 minutes
    assert pull_client().timeout == (3.05, 20.0)  # explicit (connect, read) seconds


def test_without_daraja_credentials_nothing_is_asked(app, paybill, daraja):
    app.config["MPESA_CONSUMER_KEY"] = None
    assert pull_transactions() == {} and len(daraja.calls) == 0
