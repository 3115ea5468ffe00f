"""Issuing tickets for a paid order, the ticket state machine, and the ticket SMS.

Why the validity window is computed here and frozen on the row: the signed QR payload
and offline scanners carry ``valid_from``/``valid_until``, so they must not move when a
carrier later edits its settings. The window opens ``boarding_opens_minutes`` before the
trip leaves the passenger's origin and closes ``ticket_grace_minutes`` after arrival at
the terminus.

Ticket statuses change only through the machine in ``app.ticketing.states`` (its table
and the expiry rule are documented there); ``app.ticketing.transitions.transition_ticket``
moves an issued ticket.
"""
from __future__ import annotations

import logging
import unicodedata
from datetime import timedelta

from flask import current_app

from app.catalog.service import departure_at_stop
from app.core.timeutil import to_local
from app.messaging import GSM7_EXTENSION, SMS_SEGMENT, Amount, Moment, septets, t
from app.messaging.service import queue_sms
from app.ticketing.models import Ticket
from app.ticketing.states import TICKET
from tickets.shortcode import format_short_code, new_short_code

log = logging.getLogger(__name__)


def issue_tickets_for_order(order, *, actor: str = "system:payments") -> list[Ticket]:
    """One valid ticket per order item; the caller then queues their SMS (``send_tickets``).

    The caller holds the order's row lock and has just moved it to ``paid``; the unique
    ``order_item_id`` makes a second issue for the same item fail loudly. Never commits.
    """
    trip, carrier = order.trip, order.trip.carrier
    valid_from = departure_at_stop(trip, order.origin_stop_id) - timedelta(minutes=carrier.boarding_opens_minutes)
    valid_until = trip.arrival_at + timedelta(minutes=carrier.ticket_grace_minutes)
    # Booking only sells seats of the layout, and the layout cannot change while the trip
    # is sold (catalog guards), so every item's seat has an index here.
    index_of = {label: i for i, label in enumerate(trip.vehicle.seat_layout)}
    tickets = [
        Ticket(
            order_id=order.id, order_item_id=item.id, trip_id=order.trip_id, user_id=order.user_id,
            seat=item.seat, seat_index=index_of[item.seat], fare_class=item.fare_class, passenger_name=item.passenger_name,
            short_code=new_short_code(), valid_from=valid_from, valid_until=valid_until,
        )
        for item in order.items
    ]
    TICKET.create_all(tickets, "valid", actor=actor, reason=f"order {order.code} paid")
    return tickets


def send_tickets(order, tickets: list[Ticket]) -> None:
    """Queue the SMS(es) that carry the tickets' short codes and QR links to the passenger
    (the outbox: sent after the caller commits). Never commits."""
    user = order.user
    if user is not None and user.phone:
        for text in order_sms_texts(tickets, language=user.language):
            queue_sms(user.phone, text, "ticket", user_id=user.id)


def _plain(text: str) -> str:
    """Printable ASCII without the GSM-7 extension characters (stop codes are typed by carriers;
    each of those would cost two septets)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(
        c if 32 <= ord(c) < 127 and c not in GSM7_EXTENSION else "?"
        for c in decomposed if not unicodedata.combining(c)
    )


def ticket_link(ticket: Ticket) -> str:
    """The public QR page of a ticket (``app/ticketing/shortlink.py``), as in the API's ``short_link``."""
    return f"{current_app.config['PUBLIC_BASE_URL']}/t/{ticket.short_code}"


def _route_and_time(ticket: Ticket) -> tuple[tuple[str, str], Moment]:
    order = ticket.order
    origin, destination = order.origin, order.destination
    local = to_local(departure_at_stop(ticket.trip, origin.id), origin.timezone)
    return (_plain(origin.code), _plain(destination.code)), Moment(local)


def _route(ends: tuple[str, str], budget: int | None = None) -> str:
    """``NBO-ELD``; with a budget, each end cut to an equal share so both stay recognisable."""
    origin, destination = ends
    if budget is None or len(origin) + 1 + len(destination) <= budget:
        return f"{origin}-{destination}"
    if budget < 3:
        return ""
    share = (budget - 1) // 2
    cut_origin = origin[:max(share, budget - 1 - len(destination))]
    return f"{cut_origin}-{destination[:budget - 1 - len(cut_origin)]}"


def ticket_sms_text(ticket: Ticket, language: str = "en") -> str:
    """One ticket as an SMS in the passenger's language: route, local time (month in that
    language), seat, short code and the QR link, within one 160-septet GSM-7 message. To
    fit, the closing line goes first, then the route is shortened; the code and the link
    are never cut.
    """
    ends, when = _route_and_time(ticket)
    fields = dict(when=when, seat=_plain(ticket.seat), code=format_short_code(ticket.short_code))
    link = f" QR: {ticket_link(ticket)}"

    def head(route: str) -> str:
        return t("ticket_sms", language, route=route, **fields)

    full = f"{head(_route(ends))}. {t('ticket_sms_boarding', language)}{link}"
    if septets(full) <= SMS_SEGMENT:
        return full
    without_route = septets(f"{head('')}.{link}")
    text = f"{head(_route(ends, SMS_SEGMENT - without_route))}.{link}"
    if septets(text) <= SMS_SEGMENT:
        return text
    log.warning("PUBLIC_BASE_URL is too long for the ticket SMS; the QR link is left out")
    return head(_route(ends, 0))[:SMS_SEGMENT]


def order_sms_texts(tickets: list[Ticket], language: str = "en") -> list[str]:
    """The ticket SMS of one order: one message when it fits (the header with the count
    and total, else without the total), else one per ticket. Each ticket keeps its code
    and its QR link.
    """
    if len(tickets) == 1:
        return [ticket_sms_text(tickets[0], language)]
    ends, when = _route_and_time(tickets[0])
    order = tickets[0].order
    lines = [t("ticket_sms_seat_line", language, seat=_plain(ticket.seat), code=format_short_code(ticket.short_code),
               link=ticket_link(ticket)) for ticket in tickets]
    common = dict(n=len(tickets), route=_route(ends), when=when)
    for header in (t("ticket_sms_header", language, total=Amount(order.total_amount, order.currency), **common),
                   t("ticket_sms_header_short", language, **common)):
        text = "\n".join([header, *lines])
        if septets(text) <= SMS_SEGMENT:
            return [text]
    return [ticket_sms_text(ticket, language) for ticket in tickets]
