"""``CHECK <code>`` by SMS answers the driver in the driver's language, from the catalogue."""
from __future__ import annotations

import itertools

import pytest

from app.extensions import db
from app.messaging import is_gsm7
from tests.channels.scripts.runner import inbox
from tests.fixtures import load_form
from tests.tickets.test_scan_support import boarding_trip, sell  # noqa: F401  (fixture)
from tickets.shortcode import format_short_code

_ids = itertools.count(1)


def _check(client, driver, text: str) -> str:
    form = load_form("africastalking/sms_inbound.form")
    client.post("/channels/sms/inbound", data=dict(form, id=f"chk-{next(_ids)}", text=text, **{"from": driver.phone}))
    reply = inbox(driver.phone)[0]
    assert len(reply) <= 160 and is_gsm7(reply), reply
    return reply


@pytest.mark.parametrize("language, valid, used", [
    ("en", "VALID. Board: seat", "ALREADY USED at"),
    ("fr", "VALABLE. Montée: place", "UTILISÉ le"),
    ("sw", "HALALI. Apande: kiti", "IMESHATUMIKA"),
])
def test_the_driver_reads_the_verdict_in_their_language(client, world, boarding_trip, language, valid, used):
    world.driver.language = language
    db.session.commit()
    (ticket,) = sell(world, boarding_trip)
    code = format_short_code(ticket.short_code)
    assert _check(client, world.driver, f"CHECK {code}").startswith(f"{code}: {valid}")
    assert f"{code}: {used}" in _check(client, world.driver, f"CHECK {code}")


def test_a_mistyped_or_unknown_code_says_what_to_do(client, world, boarding_trip):
    world.driver.language = "fr"
    db.session.commit()
    (ticket,) = sell(world, boarding_trip)
    assert "faute de frappe" in _check(client, world.driver, "CHECK ABC12")
    assert "aucun billet ne porte ce code" in _check(client, world.driver, "CHECK 8Z2K4-M7QX4")
    assert "code de réservation" in _check(client, world.driver, f"CHECK {ticket.order.code}")


def test_a_student_ticket_reminds_the_driver_to_check_the_card(client, world, boarding_trip):
    (ticket,) = sell(world, boarding_trip, fare_class="student")
    assert "check the student card" in _check(client, world.driver, f"CHECK {ticket.short_code}")
