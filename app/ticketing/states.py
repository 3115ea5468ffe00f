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
``is_expired``/``is_usable``/``usable`` are the only places that rule is written: the ticket lists, the
scanner and the SMS commands ask them, so a ticket is never "active" in one channel and
"expired" in another. The periodic sweep ``expire_tickets`` then records the fact
(``valid → expired``, actor ``system:ticket-expiry``), so the stored status and the
history catch up; until it runs, readers already treat the ticket as expired.
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


def is_expired(ticket: Ticket, now: datetime | None = None) -> bool:
    """Whether ``ticket`` (valid, or already recorded ``expired``) is past its validity at
    ``now``: time decides, not the sweep, so a scan made offline inside the window and
    uploaded later is judged at the moment it was made."""
    now = now or utcnow()
    return ticket.status in ("valid", "expired") and now >= ticket.valid_until


def is_usable(ticket: Ticket, now: datetime | None = None) -> bool:
    """Whether ``ticket`` can still be travelled on, shown as active, resent or cancelled."""
    return ticket.status == "valid" and (now or utcnow()) < ticket.valid_until


def usable(now: datetime | None = None):
    """SQL condition: a ticket that can still be travelled on, shown, or cancelled."""
    now = now or utcnow()
    return (Ticket.status == "valid") & (Ticket.valid_until > now)


def expire_tickets(now: datetime | None = None) -> int:
    """Periodic sweep: every ``valid`` ticket whose window has closed becomes ``expired``. Commits."""
    from app.extensions import db

    now = now or utcnow()
    moved = TICKET.bulk(Ticket.valid_until <= now, to="expired", actor="system:ticket-expiry",
                        reason="validity window closed", now=now)
    db.session.commit()
    return len(moved)
