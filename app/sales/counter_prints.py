"""What the counter prints: an order's tickets with their QR, and a trip's manifest.

Why a use case: the print pages of ``/counter`` must show only the agent's carrier's
orders and trips (404 otherwise, by ``counter.counter_order`` / ``counter.counter_trip``),
and the QR is the same signed payload the ticket page and the SMS link show
(``app.ticketing.payload``), so a printed ticket scans at the door like any other.

The manifest here is the counter's own reading of the trip's tickets (seat, name, masked
phone, fare class, stops, channel, status); the carriers' manifest API
(``/api/v1/carriers/{id}/trips/{trip_id}/manifest``), when it lands, replaces it.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.booking.passenger_list import passenger_list
from app.extensions import db
from app.sales.counter import counter_order, counter_trip
from app.ticketing.models import Ticket
from app.ticketing.payload import PayloadUnavailable, payload_for
from tickets.qr import render_svg
from tickets.shortcode import format_short_code


@dataclass(frozen=True)
class PrintedTicket:
    ticket: Ticket
    code: str  # as read out at the door (grouped)
    qr_svg: str | None  # None when the ticket can no longer board, or no signing key


def order_tickets(agent, order_id: int) -> tuple[object, list[PrintedTicket]]:
    """(order, its tickets with their QR) for one of the carrier's orders; 404 otherwise."""
    order = counter_order(agent, order_id)
    printed = []
    for ticket in db.session.scalars(select(Ticket).where(Ticket.order_id == order.id).order_by(Ticket.seat_index)):
        svg = None
        if ticket.status == "valid":
            try:
                svg = render_svg(payload_for(ticket)).content
            except PayloadUnavailable:
                svg = None  # the short code still boards
        printed.append(PrintedTicket(ticket, format_short_code(ticket.short_code), svg))
    return order, printed


def trip_manifest(agent, trip_id: int) -> tuple[object, list[dict]]:
    """(trip, its passengers seat by seat) for one of the carrier's trips; 404 otherwise.

    The rows are the manifest API's (``app.booking.passenger_list``): one query for them all."""
    trip = counter_trip(agent, trip_id)
    return trip, passenger_list(trip)["passengers"]
