"""A deactivated account cannot buy or pay by USSD or SMS: every channel says so, in its language."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.service import deactivate
from app.booking.models import Order
from app.extensions import db
from app.messaging.catalogue import templates
from channels.i18n import LANGUAGES, is_gsm7, t
from tests.channels.scripts.runner import Conversation, check_ussd_answer, inbox
from tests.fixtures import load_form


def _orders() -> int:
    return db.session.scalar(select(func.count()).select_from(Order))


def _sms(client, phone, text, msg_id):
    form = load_form("africastalking/sms_inbound.form")
    return client.post("/channels/sms/inbound", data=dict(form, id=msg_id, text=text, **{"from": phone}))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_refusal_fits_one_sms_and_one_screen_in_every_language(language):
    text = t("account_inactive", language)
    assert len(text) <= 160 and is_gsm7(text)
    assert len(set(templates("account_inactive").values())) == len(LANGUAGES)  # translated


def test_ussd_refuses_a_deactivated_account_from_the_first_screen(client, world):
    world.passenger.language = "sw"
    deactivate(world.passenger)
    answer = Conversation(client, world.passenger.phone).dial("")
    assert answer == "END " + t("account_inactive", "sw")


def test_ussd_refuses_at_the_next_step_once_the_account_is_paused(client, world):
    call = Conversation(client, world.passenger.phone)
    assert call.dial("").startswith("CON ")
    call.input("1")
    call.input("1")  # origin
    deactivate(world.passenger)
    answer = call.input("1")
    assert answer == "END " + t("account_inactive", "en")
    assert _orders() == 0


def test_ussd_still_serves_active_and_new_callers(client, world):
    body = check_ussd_answer(client.post("/channels/ussd", data=dict(
        load_form("africastalking/ussd_later.form"), sessionId="s-new", phoneNumber="+254733123123", text="")))
    assert body.startswith("CON ")


def test_sms_refuses_a_deactivated_account_in_its_language(client, world):
    world.passenger.language = "fr"
    deactivate(world.passenger)
    for i, text in enumerate(["BUY NAIROBI NAKURU", "1", "TOPUP 100", "BAL"]):
        assert _sms(client, world.passenger.phone, text, f"in-{i}").status_code == 200
    replies = inbox(world.passenger.phone)
    assert replies == [t("account_inactive", "fr")] * 4
    assert _orders() == 0


def test_sms_choice_after_the_account_was_paused_buys_nothing(client, world):
    _sms(client, world.passenger.phone, "BUY NAIROBI NAKURU", "in-1")
    assert "1 " in inbox(world.passenger.phone)[0]  # the offers list
    deactivate(world.passenger)
    _sms(client, world.passenger.phone, "1", "in-2")
    assert inbox(world.passenger.phone)[0] == t("account_inactive", "en")
    assert _orders() == 0
