"""The SMS answer to a driver's ``CHECK <code>``, in the driver's language.

Why apart from ``scanning``: ``scanning`` decides a verdict code
(``app.ticketing.verdicts``) and words nothing; a driver texting from a feature phone
reads it here, in their own language, as one SMS (``check_*`` in the catalogue). This
module turns a ``ScanOutcome`` (its code, the ticket, the first boarding) into that SMS.
"""
from __future__ import annotations

from app.catalog.service import departure_at_stop
from app.core.timeutil import to_local
from app.messaging import Moment, t, text
from app.ticketing.verdicts import concession_text
from tickets.shortcode import format_short_code

# Codes whose SMS needs nothing but the code.
_PLAIN = {"refunded": "check_refunded", "cancelled": "check_cancelled"}
# Codes without a ticket: which SMS (a QR cannot arrive by SMS; those read as a typo).
_NO_TICKET = {
    "booking_unpaid": "check_booking_unpaid", "foreign_ticket": "check_foreign",
    "unknown_code": "check_unknown_code", "booking_code": "check_booking_code",
}


def _moment(at, ticket) -> Moment:
    return Moment(to_local(at, ticket.trip.timezone))


def check_reply(outcome, typed: str, language: str | None) -> str:
    """One SMS for the driver: the verdict on ``typed`` and what to do, in ``language``."""
    ticket = outcome.ticket
    code = format_short_code(ticket.short_code) if ticket is not None else typed.strip()[:12]
    verdict = outcome.code
    if ticket is None:
        return t(_NO_TICKET.get(verdict, "check_typo"), language, code=code)
    seat = ticket.seat or "-"
    if verdict == "valid":
        if concession := concession_text(ticket, language):
            return t("check_valid_concession", language, code=code, seat=seat, concession=concession)
        if ticket.fare_class == "student":
            return t("check_valid_student", language, code=code, seat=seat)
        return t("check_valid", language, code=code, seat=seat, fare=text(f"class_{ticket.fare_class}", language))
    if verdict in _PLAIN:
        return t(_PLAIN[verdict], language, code=code)
    if verdict == "unpaid":
        return t("check_unpaid", language, code=code, booking=ticket.order.code)
    if verdict == "wrong_trip":
        trip = ticket.trip
        return t("check_wrong_trip", language, code=code, route=trip.route.code, seat=seat,
                 when=_moment(departure_at_stop(trip, ticket.order.origin_stop_id), ticket))
    if verdict == "already_used":
        first = outcome.first_use
        at = first.scanned_at if first is not None else (ticket.status_changed_at or ticket.valid_from)
        return t("check_already_used", language, code=code, seat=seat, when=_moment(at, ticket))
    if verdict == "expired":
        return t("check_expired", language, code=code, when=_moment(ticket.valid_until, ticket))
    if verdict == "not_yet_valid":
        return t("check_not_yet_valid", language, code=code, when=_moment(ticket.valid_from, ticket))
    return t("check_unknown_code", language, code=code)
