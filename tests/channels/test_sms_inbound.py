"""Inbound SMS commands, as conversation scripts (tests/channels/scripts/sms_*.yaml) and unit checks."""
import re

import pytest

from app.extensions import db
from channels.sms.models import InboundSms
from tests.channels.scripts.runner import inbox, load_scripts, run_script
from tests.fixtures import load_form


@pytest.mark.parametrize("script", load_scripts("sms_*.yaml"), ids=lambda p: p.stem)
def test_sms_script(client, world, script):
    run_script(client, script, world.passenger.phone)


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_the_gateway_fixture_buys_once_even_when_replayed(client, world):
    from app.booking.models import Order

    form = load_form("africastalking/sms_inbound.form")  # BUY NAIROBI NAKURU 2
    assert client.post("/channels/sms/inbound", data=form).status_code == 200
    replies = inbox(world.passenger.phone)
    assert "2 pax" in replies[0]
    assert client.post("/channels/sms/inbound", data=form).status_code == 200  # the gateway retries
    assert inbox(world.passenger.phone) == replies and _count(InboundSms) == 1
    choice = dict(form, id="ATXid_choice", text="1")
    client.post("/channels/sms/inbound", data=choice)
    client.post("/channels/sms/inbound", data=choice)
    assert _count(Order) == 1


@pytest.mark.parametrize("form", [
    {},
    {"text": "HELP"},  # no sender
    {"from": "garbage", "text": "HELP", "id": "x1"},
    {"from": "+254711000111", "id": "x2"},  # no text
])
def test_malformed_inbound_sms_is_answered_200_and_changes_nothing(client, world, form):
    response = client.post("/channels/sms/inbound", data=form)
    assert response.status_code == 200
    assert _count(InboundSms) == 0 and inbox(world.passenger.phone) == []


def test_wrong_token_is_refused(make_app, world):
    client = make_app(CHANNEL_TOKEN="s3cret").test_client()
    form = load_form("africastalking/sms_inbound.form")
    assert client.post("/channels/sms/inbound?token=bad", data=form).status_code == 403
    assert _count(InboundSms) == 0
    assert client.post("/channels/sms/inbound?token=s3cret", data=form).status_code == 200


def test_stop_opts_out_of_marketing_only(client, world):
    form = dict(load_form("africastalking/sms_inbound.form"), text="stop")
    client.post("/channels/sms/inbound", data=form)
    db.session.expire_all()
    assert world.passenger.marketing_opt_out is True


def test_keywords_ignore_case_and_accents():
    from channels.sms.commands import parse

    assert parse("  Achèter  nairobi NAKURU").name == "buy"
    assert parse("Ghairi abc").args == ["ABC"]
    assert parse("42").name == "number"
    assert parse("").name == "unknown"


def test_check_lets_an_assigned_driver_check_a_ticket_by_sms(client, world):
    from app.catalog.models import TripDriver

    db.session.add(TripDriver(trip_id=world.trip.id, user_id=world.driver.id))
    db.session.commit()
    form = load_form("africastalking/sms_inbound.form")
    client.post("/channels/sms/inbound", data=dict(form, text="BUY NAIROBI NAKURU"))
    client.post("/channels/sms/inbound", data=dict(form, id="ATXid_2", text="1"))
    code = next(re.search(r"Code (\S{5}-\S{5})", t).group(1) for t in inbox(world.passenger.phone) if "Code " in t)
    client.post("/channels/sms/inbound", data=dict(form, id="ATXid_3", text=f"check {code}", **{"from": world.driver.phone}))
    reply = inbox(world.driver.phone)[0]
    assert reply.startswith(code) and "Not valid yet" in reply  # the trip leaves tomorrow
    client.post("/channels/sms/inbound", data=dict(form, id="ATXid_4", text=f"CHECK {code}"))
    assert "Only drivers" in inbox(world.passenger.phone)[0]
