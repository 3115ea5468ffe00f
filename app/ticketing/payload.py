"""The signed QR payload of a ticket row.

Why computed on demand and not stored: the payload is a pure function of the row's
frozen claims and the current signing key, and Ed25519 is deterministic, so the same
ticket always gives the same text (stable ETags) until the key is rotated, after which
newly drawn codes use the new key while old ones keep verifying.
"""
from __future__ import annotations

from tickets.codec import FareClass, TicketClaims
from app.ticketing.keyring import get_keyring


class PayloadUnavailable(ValueError):
    """The row cannot be put in a QR (an id beyond what the layout carries)."""


def claims_for(ticket, kid: str) -> TicketClaims:
    """The claims a ticket row asserts; ``PayloadUnavailable`` when they do not fit."""
    try:
        return TicketClaims(
            ticket_id=ticket.id, trip_id=ticket.trip_id, seat_index=ticket.seat_index,
            fare_class=FareClass(ticket.fare_class), valid_from=ticket.valid_from,
            valid_until=ticket.valid_until, kid=kid,
        )
    except ValueError as exc:
        raise PayloadUnavailable(f"ticket {ticket.id} cannot be encoded: {exc}") from None


def payload_for(ticket) -> str:
    """The QR text of ``ticket`` signed with the app's current signing key."""
    keyring = get_keyring()
    return keyring.sign(claims_for(ticket, keyring.signing_kid))
