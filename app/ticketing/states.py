"""The ticket state machine, and the one rule that says when a ticket has expired.

Ticket: created ``valid`` (issued for a paid order); ``valid → used`` (boarded) ``|
cancelled`` (the passenger gave it back, refund per the carrier's policy, possibly 0) ``|
refunded`` (the carrier cancelled the trip, full price back) ``| expired``; ``used →
valid`` only when a driver undoes a boarding made by mistake (``app.ticketing.boarding``);
``expired → used`` when an offline scanner uploads, after the sweep, a boarding it made
while the window was still open (scans are judged at the moment they were made);
``expired → refunded`` when a carrier cancels, after its time, a trip that never ran.

Expiry: a ticket is over once its validity window closes (``valid_until``: the trip's
arrival at its terminus plus the carrier's grace, frozen at issue and signed into the QR).
``Ticket.expired_at`` / ``is_active`` / ``active_clause`` (``app.ticketing.models``) are the
only places that rule is written: the ticket lists, cancellation and the scanner ask them,
so a ticket is never "active" in one channel and "expired" in another. The periodic
sweep ``expire_tickets`` then records the fact (``valid → expired``, actor
``system:ticket-expiry``), so the stored status and the history catch up; until it runs,
readers already treat the ticket as expired.
"""
from __future__ import annotations

from datetime import datetime

from app.states.machine import Machine
from app.database import utcnow
from app.ticketing.models import Ticket

TICKET = Machine("ticket", Ticket, {
    "valid": {"used", "cancelled", "refunded", "expired"},
    "used": {"valid"},
    "expired": {"used", "refunded"},
}, initial={"valid"}, slug="ticket-state")


def expire_tickets(now: datetime | None = None) -> int:
    """Periodic sweep: every ``valid`` ticket whose window has closed becomes ``expired``.
    Never commits: the job runner does (``app.jobs``), once the sweep returns."""
    now = now or utcnow()
    moved = TICKET.bulk(Ticket.valid_until <= now, to="expired", actor="system:ticket-expiry",
                        reason="validity window closed", now=now)
    return len(moved)
