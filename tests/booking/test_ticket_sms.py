"""The ticket SMS (issue 5): code, route, local time, seat and the QR link, in one GSM-7 SMS."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.messaging import SMS_SEGMENT, is_gsm7, septets
from app.messaging.models import OutboundMessage
from app.ticketing.issuing import order_sms_texts, ticket_sms_text
from app.ticketing.models import Ticket
from tickets.shortcode import format_short_code

LINK_BASE = "https://tickets.example.test/t/"  # PUBLIC_BASE_URL in tests/conftest.py


def _tickets(book, pay, passengers):
    order = book(passengers).json
    pay(order)
    return list(db.session.scalars(select(Ticket).where(Ticket.order_id == order["id"]).order_by(Ticket.id)))


def _lengthen_stops(world):
    """The widest a carrier can make them: 12-character codes (the column) and 30+ character names."""
    world.nairobi.code, world.nairobi.name = "NBOMACHAKOS1", "Nairobi Machakos Country Bus Station"
    world.eldoret.code, world.eldoret.name = "ELDORETWEST9", "Eldoret West Main Stage and Bus Park"
    db.session.commit()


@pytest.mark.parametrize("language", ["en", "fr", "sw"])
def test_ticket_sms_has_link_and_fits_in_every_language(book, pay, world, language):
    (ticket,) = _tickets(book, pay, [{"seat": "7"}])
    text = ticket_sms_text(ticket, language)
    assert LINK_BASE + ticket.short_code in text
    assert format_short_code(ticket.short_code) in text and "NBO-ELD" in text and "08:00" in text
    assert is_gsm7(text) and septets(text) <= SMS_SEGMENT


@pytest.mark.parametrize("language", ["en", "fr", "sw"])
def test_long_stops_cut_the_route_never_the_code_or_link(book, pay, world, language):
    _lengthen_stops(world)
    (ticket,) = _tickets(book, pay, [{"seat": "10"}])
    text = ticket_sms_text(ticket, language)
    assert septets(text) <= SMS_SEGMENT and is_gsm7(text)
    assert text.endswith(f" QR: {LINK_BASE}{ticket.short_code}")
    assert format_short_code(ticket.short_code) in text and " 10 " in text and "08:00" in text
    assert "NBOMAC" in text and "-ELDORE" in text  # both ends still recognisable


@pytest.mark.parametrize("language", ["en", "fr", "sw"])
def test_order_sms_carry_every_link(book, pay, world, language):
    _lengthen_stops(world)
    tickets = _tickets(book, pay, [{"seat": "3"}, {"seat": "4"}, {"seat": "5"}])
    texts = order_sms_texts(tickets, language)
    assert all(septets(t) <= SMS_SEGMENT and is_gsm7(t) for t in texts)
    joined = "\n".join(texts)
    for ticket in tickets:
        assert LINK_BASE + ticket.short_code in joined and format_short_code(ticket.short_code) in joined


def test_paid_order_sms_in_the_outbox_has_the_links(book, pay, world):
    tickets = _tickets(book, pay, [{"seat": "3"}, {"seat": "4"}])
    (sms,) = db.session.scalars(select(OutboundMessage).where(OutboundMessage.to_phone == world.passenger.phone))
    assert septets(sms.text) <= SMS_SEGMENT
    for ticket in tickets:
        assert LINK_BASE + ticket.short_code in sms.text
