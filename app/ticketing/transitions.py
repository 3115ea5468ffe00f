"""Ticket transitions: the ticketing area's helper around ``app.ticketing.states.TICKET``.

As ``app.booking.transitions`` and ``app.payments.transitions`` are for orders and payments:
the table lives in ``app.ticketing.states``; ``app.states.machine`` applies it and appends
the status history.
"""
from __future__ import annotations

from app.ticketing.models import Ticket
from app.ticketing.states import TICKET


def transition_ticket(ticket: Ticket, new_status: str, *, actor: str, reason: str | None = None, now=None,
                      locked: bool = False) -> Ticket:
    """Move a ticket to ``new_status`` under a row lock (409 if the machine does not allow it).

    ``locked``: the caller read ``ticket`` under its row lock in this transaction (a scan
    does), so it is current and is not read again."""
    return TICKET.transition(ticket, new_status, actor=actor, reason=reason, now=now, locked=locked)
