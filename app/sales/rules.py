"""The ticket rules both listing and cancelling read: is a ticket active, can it be cancelled.

Why a module of their own: ``tickets`` shows ``can_cancel`` on every ticket view and
``cancelling`` lists ticket views, so the rule sits below both (no import circle).
"""
from __future__ import annotations

from datetime import datetime

from app.booking.pricing import departure_at_stop
from app.database import utcnow
from app.sales.common import TICKETED_ORDER_STATUSES


def is_active(ticket, now: datetime | None = None) -> bool:
    """Still usable: ``valid`` and not expired (``Ticket.is_active``, the one rule)."""
    return ticket.is_active(now or utcnow())


def can_cancel(ticket, now: datetime | None = None) -> bool:
    """A ticket can be cancelled while it is active, its order paid, and the trip has not
    left the passenger's stop (after that, nothing is refunded and nothing cancelled)."""
    now = now or utcnow()
    order = ticket.order
    return (is_active(ticket, now) and order.status in TICKETED_ORDER_STATUSES
            and departure_at_stop(ticket.trip, order.origin_stop_id) > now)
