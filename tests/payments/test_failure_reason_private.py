"""A failed payment tells the passenger a catalogue message, never the internal reason.

Break 5 of issue 14: with a callback URL Daraja refuses, every push failed; the passenger
was told "try again in a minute" next to the raw reason (``failure_reason``: Daraja's
``Bad Request - Invalid CallBackURL``). The internal reason stays on the payment row for
logs and people who look into it; the API, USSD and SMS show only the catalogue.
"""
from __future__ import annotations

import json

import pytest
import responses
from sqlalchemy import select

from app.extensions import db
from app.messaging import text
from app.payments.models import Payment
from tests import factories
from tests.channel_drivers import Api, Sms, Ussd
from tests.fixtures import load_fixture
from tests.payments.helpers import DARAJA, DARAJA_CONFIG

INTERNAL = ("CallBackURL", "400.002.02", "Bad Request")


@pytest.fixture
def app_settings():
    """Daraja configured; callbacks open (the channel drivers post without ``?token=``)."""
    return {name: value for name, value in DARAJA_CONFIG.items() if name != "CHANNEL_TOKEN"}


@pytest.fixture
def refusing_daraja():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as daraja:
        daraja.add(responses.GET, f"{DARAJA}/oauth/v1/generate", json=load_fixture("mpesa/oauth_response.json"))
        daraja.add(responses.POST, f"{DARAJA}/mpesa/stkpush/v1/processrequest", status=400, json={
            "requestId": "11728-2929992-1", "errorCode": "400.002.02",
            "errorMessage": "Bad Request - Invalid CallBackURL"})
        yield daraja


def _shown_nothing_internal(shown: str) -> None:
    leaked = [word for word in INTERNAL if word in shown]
    assert not leaked, f"the passenger was shown {leaked}: {shown}"


def _payment() -> Payment:
    db.session.expire_all()
    return db.session.scalar(select(Payment).order_by(Payment.id.desc()).limit(1))


@pytest.mark.parametrize("language", ["en", "sw"])
def test_the_api_shows_the_catalogue_message_and_keeps_the_reason_inside(client, refusing_daraja, language):
    world = factories.build_world()
    world.passenger.language = language
    db.session.commit()
    api = Api(client, world, world.passenger)
    api.buy(factories.local_departure(1).astimezone(factories.NAIROBI).date(), "mpesa")
    answered = api.payment
    again = client.get(f"/api/v1/payments/{answered['id']}", headers=api.headers).get_json()
    order = client.get(f"/api/v1/orders/{api.order['id']}", headers=api.headers).get_json()
    for shown in (answered, again, order):
        _shown_nothing_internal(json.dumps(shown))
    assert answered["status"] == "failed" and answered["message"] == text("mpesa_unavailable", language)
    assert "CallBackURL" in _payment().failure_reason  # kept for the people who look into it


@pytest.mark.parametrize("driver", [Ussd, Sms])
def test_ussd_and_sms_show_the_catalogue_message_only(client, refusing_daraja, driver):
    world = factories.build_world()
    channel = driver(client, world, world.passenger)
    channel.buy(factories.local_departure(1).astimezone(factories.NAIROBI).date(), "mpesa")
    _shown_nothing_internal(channel.last)
    payment = _payment()
    assert payment.status == "failed" and "CallBackURL" in payment.failure_reason
