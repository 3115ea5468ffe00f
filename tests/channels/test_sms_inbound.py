"""Inbound SMS commands, as conversation scripts (tests/channels/scripts/sms_*.yaml) and unit checks."""
import re

import pytest

from app.booking.models import Order
from app.booking.service import MAX_PASSENGERS
from app.catalog.models import TripDriver
from app.extensions import db
from channels.i18n import LANGUAGES, is_gsm7, t
from channels.sms.commands import parse
from channels.sms.models import InboundSms, SmsPending
from tests.channels.scripts.runner import inbox, load_scripts, run_script
from tests.factories import make_stop
from tests.fixtures import load_form


@pytest.mark.parametrize("script", load_scripts("sms_*.yaml"), ids=lambda p: p.stem)
def test_sms_script(client, world, script):
    run_script(client, script, world.passenger.phone)


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_the_gateway_fixture_buys_once_even_when_replayed(client, world):
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
    assert parse("  Achèter  nairobi NAKURU").name == "buy"
    assert parse("Ghairi abc").args == ["ABC"]
    assert parse("42").name == "number"
    assert parse("").name == "unknown"


def test_check_lets_an_assigned_driver_check_a_ticket_by_sms(client, world):
    db.session.add(TripDriver(trip_id=world.trip.id, user_id=world.driver.id))
    db.session.commit()
    form = load_form("africastalking/sms_inbound.form")
    client.post("/channels/sms/inbound", data=dict(form, text="BUY NAIROBI NAKURU"))
    client.post("/channels/sms/inbound", data=dict(form, id="ATXid_2", text="1"))
    code = next(re.search(r"Code (\S{5}-\S{5})", t).group(1) for t in inbox(world.passenger.phone) if "Code " in t)
    client.post("/channels/sms/inbound", data=dict(form, id="ATXid_3", text=f"check {code}", **{"from": world.driver.phone}))
    reply = inbox(world.driver.phone)[0]
    assert reply.startswith(code) and "NOT VALID YET" in reply  # the trip leaves tomorrow
    client.post("/channels/sms/inbound", data=dict(form, id="ATXid_4", text=f"CHECK {code}"))
    assert "Only drivers" in inbox(world.passenger.phone)[0]


@pytest.mark.parametrize("count", ["12", "0"])
def test_a_passenger_count_out_of_range_is_refused_before_trips_are_listed(client, world, count):
    form = load_form("africastalking/sms_inbound.form")
    client.post("/channels/sms/inbound", data=dict(form, text=f"BUY NAIROBI NAKURU {count}"))
    reply = inbox(world.passenger.phone)[0]
    assert f"1 to {MAX_PASSENGERS} passengers" in reply and "Coast Express" not in reply
    assert _count(SmsPending) == 0


def test_an_out_of_range_reply_keeps_the_list_so_a_right_number_still_buys(client, world):
    form = load_form("africastalking/sms_inbound.form")
    client.post("/channels/sms/inbound", data=dict(form, text="BUY NAIROBI NAKURU"))
    client.post("/channels/sms/inbound", data=dict(form, id="ATXid_2", text="0"))
    assert "(1-1)" in inbox(world.passenger.phone)[0]
    client.post("/channels/sms/inbound", data=dict(form, id="ATXid_3", text="1"))
    reply, ticket, receipt = reversed(inbox(world.passenger.phone)[:3])  # the reply first, then what it set off
    assert "M-Pesa PIN" in reply and "ticket" in ticket and "paid by M-Pesa" in receipt and _count(Order) == 1


@pytest.mark.parametrize("text, name, language", [
    ("TICKET", "tickets", "en"), ("TIKETS", "tickets", "en"), ("Bal.", "balance", "en"),
    ("billet", "tickets", "fr"), ("NUNUAA", "buy", "sw"), ("2.", "number", None),
])
def test_near_miss_keywords_are_understood(text, name, language):
    command = parse(text)
    assert (command.name, command.language) == (name, language)


@pytest.mark.parametrize("text, suggestion", [
    ("HALP", "HELP"),  # close, but not close enough to act
    ("YESS", "YES"),  # confirms a cancellation: never guessed, only suggested
    ("STOPE", "STOP"),  # opts out of offers: never guessed either
])
def test_unsure_keywords_are_suggested_not_acted_on(text, suggestion):
    command = parse(text)
    assert (command.name, command.suggestion, command.word) == ("unknown", suggestion, text)


@pytest.mark.parametrize("text", ["TOP 200", "hello", "BAY"])  # ambiguous or far: plain help
def test_far_or_ambiguous_words_get_the_help_text(text):
    command = parse(text)
    assert command.name == "unknown" and command.suggestion is None


@pytest.mark.parametrize("key", ["sms_did_you_mean_place", "sms_did_you_mean", "sms_passenger_range", "sms_choose_range"])
def test_forgiving_replies_fit_one_sms_in_every_language(key):
    worst = {"place": "X" * 30, "suggestion": "Y" * 30, "word": "Z" * 20, "max": 10, "last": 4}
    for language in LANGUAGES:
        text = t(key, language, **worst)
        assert len(text) <= 160 and is_gsm7(text), (key, language, len(text))
        assert not set(text) & set("êâîôûçÊÂÎÔÛÇ"), (key, language)


def test_a_near_miss_of_an_accented_city_is_understood_and_a_far_one_is_named(client, world):
    make_stop(world.carrier, "Mérû Stage", city="Mérû", code="MRU")
    db.session.commit()
    form = load_form("africastalking/sms_inbound.form")
    client.post("/channels/sms/inbound", data=dict(form, text="buy nairobi MERUU"))
    assert inbox(world.passenger.phone)[0].startswith("No trips Nairobi-Meru on")  # understood, no bus today
    client.post("/channels/sms/inbound", data=dict(form, id="ATXid_2", text="buy KISUMU nakuru"))
    assert inbox(world.passenger.phone)[0].startswith("We do not know KISUMU. Send BUY FROM TO")
