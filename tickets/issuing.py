"""Issuing tickets for a paid order, the ticket state machine, and the ticket SMS.

Why the validity window is computed here and frozen on the row: the signed QR payload
and offline scanners carry ``valid_from``/``valid_until``, so they must not move when a
carrier later edits its settings. The window opens ``boarding_opens_minutes`` before the
trip leaves the passenger's origin and closes ``ticket_grace_minutes`` after arrival at
the terminus.

Ticket statuses change only in ``transition_ticket``: ``valid → used | cancelled |
refunded | expired``. ``cancelled`` = the passenger gave the ticket back (refund per the
carrier's policy, possibly 0); ``refunded`` = the carrier cancelled the trip and the full
price went back.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.core.money import format_money
from app.core.timeutil import to_local
from app.database import utcnow
from app.errors import Conflict
from app.extensions import db
from tickets.models import Ticket
from tickets.shortcode import format_short_code, new_short_code

TICKET_TRANSITIONS = {"valid": {"used", "cancelled", "refunded", "expired"}}
SMS_LIMIT = 160
gsm7_length = len


def transition_ticket(ticket: Ticket, new_status: str, *, reason: str | None = None, now=None) -> Ticket:
    """Move a ticket to ``new_status`` after re-reading it under a row lock (409 if not allowed)."""
    now = now or utcnow()
    locked = db.session.execute(
        select(Ticket).where(Ticket.id == ticket.id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if new_status not in TICKET_TRANSITIONS.get(locked.status, set()):
        raise Conflict(f"This ticket is {locked.status}; it cannot become {new_status}.", slug="ticket-state")
    locked.status = new_status
    locked.status_changed_at = now
    locked.status_reason = (reason or new_status)[:200]
    return locked


def issue_tickets_for_order(order) -> list[Ticket]:
    """One valid ticket per order item, plus the SMS(es) that carry their short codes.

    The caller holds the order's row lock and has just moved it to ``paid``; the unique
    ``order_item_id`` makes a second issue for the same item fail loudly.
    """
    from app.booking.pricing import departure_at_stop
    from app.messaging.service import queue_sms

    trip, carrier = order.trip, order.trip.carrier
    valid_from = departure_at_stop(trip, order.origin_stop_id) - timedelta(minutes=carrier.boarding_opens_minutes)
    valid_until = trip.arrival_at + timedelta(minutes=carrier.ticket_grace_minutes)
    tickets = [
        Ticket(
            order_id=order.id, order_item_id=item.id, trip_id=order.trip_id, user_id=order.user_id,
            seat=item.seat, fare_class=item.fare_class, passenger_name=item.passenger_name,
            short_code=new_short_code(), status="valid", valid_from=valid_from, valid_until=valid_until,
        )
        for item in order.items
    ]
    db.session.add_all(tickets)
    db.session.flush()
    user = order.user
    if user is not None and user.phone:
        for text in order_sms_texts(tickets, language=user.language):
            queue_sms(user.phone, text, "ticket", user_id=user.id)
    return tickets


_TEMPLATES = {
    "en": ("Safiri ticket {route} {when} Seat {seat} Code {code}", "Show this code when boarding."),
    "sw": ("Tiketi Safiri {route} {when} Kiti {seat} Nambari {code}", "Onyesha nambari hii unapopanda."),
    "fr": ("Billet Safiri {route} {when} Place {seat} Code {code}", "Montrez ce code a l'embarquement."),
}


def _route_and_time(ticket: Ticket) -> tuple[str, str]:
    from app.booking.pricing import departure_at_stop

    order = ticket.order
    origin, destination = order.origin, order.destination
    local = to_local(departure_at_stop(ticket.trip, origin.id), origin.timezone)
    return f"{origin.code}-{destination.code}", local.strftime("%d %b %H:%M")


def ticket_sms_text(ticket: Ticket, language: str = "en") -> str:
    """One ticket as an SMS (ASCII, within one 160-character GSM-7 message)."""
    head, tail = _TEMPLATES.get(language, _TEMPLATES["en"])
    route, when = _route_and_time(ticket)
    text = head.format(route=route, when=when, seat=ticket.seat, code=format_short_code(ticket.short_code))
    full = f"{text}. {tail}"
    return full if len(full) <= SMS_LIMIT else text[:SMS_LIMIT]


def order_sms_texts(tickets: list[Ticket], language: str = "en") -> list[str]:
    """The ticket SMS of one order: one message when it fits, else one per ticket."""
    if len(tickets) == 1:
        return [ticket_sms_text(tickets[0], language)]
    route, when = _route_and_time(tickets[0])
    order = tickets[0].order
    lines = [f"Safiri {route} {when} {format_money(order.total_amount, order.currency)}"]
    lines += [f"Seat {t.seat}: {format_short_code(t.short_code)}" for t in tickets]
    text = "\n".join(lines)
    if len(text) <= SMS_LIMIT:
        return [text]
    return [ticket_sms_text(t, language) for t in tickets]
