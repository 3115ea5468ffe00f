"""The SMS answer to a driver's ``CHECK <code>``, in the driver's language.

Why apart from ``scanning``: the scan records keep one English reason (the audit trail
and the API read it), while a driver texting from a feature phone reads the verdict in
their own language. This module turns a ``ScanOutcome`` (its result, the ticket, the
first boarding) into a catalogue message; the verdict itself is decided in ``scanning``.
"""
from __future__ import annotations

from app.catalog.service import departure_at_stop
from app.core.timeutil import to_local
from app.messaging import Moment, t, text
from tickets.shortcode import format_short_code

# Results whose message needs nothing but the code.
_PLAIN = {"refunded": "check_refunded", "cancelled": "check_cancelled"}


def _moment(at, ticket) -> Moment:
    return Moment(to_local(at, ticket.trip.timezone))


def _code_problem(outcome) -> str:
    """Which ``invalid`` it is. ``scanning`` tells them apart by looking the code up (among
    this carrier's bookings only, so a foreign booking reads as a mistyped code); its
    reason says which, and ``tests/tickets`` pin each case."""
    reason = outcome.reason or ""
    if reason.startswith("No ticket has code"):
        return "check_unknown_code"
    if reason.startswith("That is a booking code"):
        return "check_booking_code"
    return "check_typo"


def check_reply(outcome, typed: str, language: str | None) -> str:
    """One SMS for the driver: the verdict on ``typed`` and what to do, in ``language``."""
    ticket = outcome.ticket
    code = format_short_code(ticket.short_code) if ticket is not None else typed.strip()[:12]
    result = outcome.result
    if ticket is None:
        if result == "unpaid":
            return t("check_booking_unpaid", language, code=code)
        if result == "wrong_trip":
            return t("check_foreign", language, code=code)
        return t(_code_problem(outcome), language, code=code)
    seat = ticket.seat or "-"
    if result == "valid":
        if ticket.fare_class == "student":
            return t("check_valid_student", language, code=code, seat=seat)
        return t("check_valid", language, code=code, seat=seat, fare=text(f"class_{ticket.fare_class}", language))
    if result in _PLAIN:
        return t(_PLAIN[result], language, code=code)
    if result == "unpaid":
        return t("check_unpaid", language, code=code, booking=ticket.order.code)
    if result == "wrong_trip":
        trip = ticket.trip
        return t("check_wrong_trip", language, code=code, route=trip.route.code, seat=seat,
                 when=_moment(departure_at_stop(trip, ticket.order.origin_stop_id), ticket))
    if result == "already_used":
        first = outcome.first_use
        at = first.scanned_at if first is not None else (ticket.status_changed_at or ticket.valid_from)
        return t("check_already_used", language, code=code, seat=seat, when=_moment(at, ticket))
    if result == "expired":
        return t("check_expired", language, code=code, when=_moment(ticket.valid_until, ticket))
    if result == "not_yet_valid":
        return t("check_not_yet_valid", language, code=code, when=_moment(ticket.valid_from, ticket))
    return t("check_unknown_code", language, code=code)
