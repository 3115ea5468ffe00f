"""Scan verdicts are codes; each channel words them from the message catalogue.

Before, ``scanning`` wrote English sentences and the SMS ``CHECK`` reply told the kinds
of "invalid" apart by reading their first words (``check_reply._code_problem``).
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.messaging import LANGUAGES
from app.messaging.catalogue import has
from app.ticketing.check_reply import check_reply
from app.ticketing.scan_models import Scan
from app.ticketing.verdicts import VERDICTS, reason_text
from tests.tickets.test_scan import _bad_payloads, _mistype
from tests.tickets.test_scan_support import (  # noqa: F401 - boarding_trip is a fixture
    boarding_trip, payload_for, scan, sell,
)


def test_each_answer_carries_its_verdict_code_and_the_scan_row_keeps_it(client, world, auth_headers,
                                                                         boarding_trip, db):
    ticket = sell(world, boarding_trip)[0]
    unpaid = sell(world, boarding_trip, pay=False)
    headers = auth_headers(world.driver)
    bad = _bad_payloads(ticket)
    cases = {
        "forged": {"payload": bad["flipped-signature"]},
        "unknown_key": {"payload": bad["unknown-kid"]},
        "not_a_ticket": {"payload": "hello bus"},
        "code_typo": {"code": _mistype(ticket.short_code)},
        "unknown_code": {"code": "8Z2K4M7QX4"},
        "code_length": {"code": "12345"},
        "booking_unpaid": {"code": unpaid.code},
        "valid": {"payload": payload_for(ticket)},
        "already_used": {"code": ticket.short_code},
    }
    for code, given in cases.items():
        body = scan(client, headers, boarding_trip, **given).get_json()
        assert (body["code"], body["result"]) == (code, VERDICTS[code]), (code, body)
    assert [row.code for row in db.session.scalars(select(Scan).order_by(Scan.id))] == list(cases)


def _outcome(code, world, ticket):
    """What ``scanning`` hands a channel for ``code`` (the ticket only when one is known)."""
    known = code not in {"foreign_ticket", "booking_unpaid", "forged", "unknown_key", "not_a_ticket",
                         "unreadable", "no_such_ticket", "unknown_code", "booking_code", "code_typo",
                         "code_length"}
    return SimpleNamespace(code=code, result=VERDICTS[code], ticket=ticket if known else None,
                           first_use=None, typed=None if known else "8Z2K4M7QX4")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_code_is_worded_for_the_api_and_the_sms_in_every_language(world, language):
    ticket = sell(world)[0]
    sms_keys = set()
    for code in VERDICTS:
        assert has(f"scan:{code}"), code
        outcome = _outcome(code, world, ticket)
        assert reason_text(outcome, language).strip(), code
        sms = check_reply(outcome, "8Z2K4-M7QX4", language)
        assert sms and "{" not in sms, code
        sms_keys.add(sms)
    assert len(sms_keys) >= 12  # the codes read differently, not one fallback for all
