"""The passenger's tickets: active ones, trip history, resending one by SMS.

Why a use case: whether a ticket is still "active" (and so listed, resent, cancellable)
was decided three ways (status only, status and expiry, expiry at the scanner). Here it
is ``Ticket.is_active`` (``app.ticketing.models``), once, and every channel lists the same tickets with the same status.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.booking.pricing import departure_at_stop
from app.core.timeutil import to_local
from app.database import utcnow
from app.errors import NotFound
from app.extensions import db, unit_of_work
from app.messaging.service import queue_sms
from app.sales.rules import can_cancel, is_active
from app.ticketing.issuing import ticket_sms_text
from app.ticketing.models import Ticket
from tickets.shortcode import format_short_code, normalize_short_code


@dataclass(frozen=True)
class TicketView:
    """One ticket as every channel shows it (times at the passenger's own stop, local)."""

    id: int
    order_id: int
    order_code: str
    trip_id: int
    code: str  # the short code, formatted for reading aloud (ABCD-EFGH)
    seat: str
    fare_class: str
    passenger_name: str | None
    status: str  # valid | used | cancelled | refunded | expired
    active: bool
    can_cancel: bool
    origin: str
    destination: str
    origin_code: str
    destination_code: str
    departure_local: datetime
    valid_until_local: datetime


def ticket_view(ticket, now: datetime | None = None) -> TicketView:
    now = now or utcnow()
    order = ticket.order
    zone = order.origin.timezone
    return TicketView(
        id=ticket.id, order_id=order.id, order_code=order.code, trip_id=ticket.trip_id,
        code=format_short_code(ticket.short_code), seat=ticket.seat or "-", fare_class=ticket.order_item.fare_class,
        passenger_name=ticket.passenger_name, status=ticket.status, active=is_active(ticket, now),
        can_cancel=can_cancel(ticket, now), origin=order.origin.name, destination=order.destination.name,
        origin_code=order.origin.code, destination_code=order.destination.code,
        departure_local=to_local(departure_at_stop(ticket.trip, order.origin_stop_id), zone),
        valid_until_local=to_local(ticket.valid_until, zone),
    )


def _tickets(user, *, history: bool, now: datetime) -> list:
    stmt = select(Ticket).where(Ticket.user_id == user.id)
    if history:
        stmt = stmt.where(~Ticket.active_clause(now)).order_by(Ticket.valid_from.desc(), Ticket.id)
    else:
        stmt = stmt.where(Ticket.active_clause(now)).order_by(Ticket.valid_from, Ticket.id)
    return list(db.session.scalars(stmt))


def active_ticket_rows(user, now: datetime | None = None) -> list:
    """The caller's active tickets as rows (the API's ticket schema dumps these)."""
    return [] if user is None else _tickets(user, history=False, now=now or utcnow())


def history_ticket_rows(user, now: datetime | None = None) -> list:
    """Everything no longer active (used, cancelled, refunded, past), newest first."""
    return [] if user is None else _tickets(user, history=True, now=now or utcnow())


def active_tickets(user, now: datetime | None = None) -> list[TicketView]:
    """The caller's tickets still usable, soonest first."""
    now = now or utcnow()
    return [ticket_view(t, now) for t in active_ticket_rows(user, now)]


def trip_history(user, now: datetime | None = None) -> list[TicketView]:
    """The caller's past, used, cancelled and refunded tickets, newest first."""
    now = now or utcnow()
    return [ticket_view(t, now) for t in history_ticket_rows(user, now)]


def own_ticket(user, ticket_id: int):
    """The caller's ticket row; 404 ``ticket-not-found`` for anyone else's (ids cannot be probed)."""
    ticket = db.session.get(Ticket, ticket_id) if ticket_id else None
    if ticket is None or user is None or ticket.user_id != user.id:
        raise NotFound("You have no such ticket.", slug="ticket-not-found")
    return ticket


def get_ticket(user, ticket_id: int) -> TicketView:
    return ticket_view(own_ticket(user, ticket_id))


def find_ticket_by_code(user, code: str) -> TicketView:
    """The caller's ticket by its short code as typed (dashes, spaces, case ignored)."""
    try:
        wanted = normalize_short_code(code or "")
    except ValueError:
        wanted = None
    ticket = db.session.scalar(select(Ticket).where(Ticket.short_code == wanted, Ticket.user_id == user.id)) \
        if wanted and user is not None else None
    if ticket is None:
        raise NotFound("You have no such ticket.", slug="ticket-not-found")
    return ticket_view(ticket)


def resend_ticket(user, ticket_id: int, language: str | None = None) -> TicketView:
    """Send the ticket SMS again to the caller's phone (in their language): one unit of work."""

    def work():
        ticket = own_ticket(user, ticket_id)
        queue_sms(user.phone, ticket_sms_text(ticket, language or user.language), "ticket", user_id=user.id)
        return ticket

    return ticket_view(unit_of_work(work))
