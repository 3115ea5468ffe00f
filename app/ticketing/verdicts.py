"""Scan verdicts as codes: what ``scanning`` decides, before any channel puts it in words.

Why codes: the SMS ``CHECK`` reply used to tell "which kind of invalid" by reading the
English reason's first words, so rewording a sentence changed an SMS. pretix's
``CheckInError(message, code, reason)`` is the model: a verdict has a *result* a
scanner acts on (board or not, and why in one word: the API's ``result``, the scanner
page's screen) and a *code* that says exactly which case it is. ``scanning`` decides
the code and stores it on the scan row; each channel renders it from the message
catalogue: the API's ``reason`` here (``reason_text``, ``scan:<code>``), the SMS reply in
``check_reply`` (``check_*``), the scanner page from its own strings by ``result``.
"""
from __future__ import annotations

from app.core.timeutil import to_local
from app.messaging import Moment, text
from tickets.shortcode import format_short_code


def concession_text(ticket, language: str | None) -> str | None:
    """"student, verified until 2027-06" for a concession ticket, as the holder's category was
    when it was bought (the order item keeps that date); None for any other ticket."""
    if ticket.fare_class not in ("student", "reduced"):
        return None  # the order item is read only for these (a scan of any other saves it)
    until = getattr(ticket.order_item, "concession_until", None)
    if until is None:
        return None
    return text(f"concession_{ticket.fare_class}", language, month=until.strftime("%Y-%m"))

# code → result (the ``SCAN_RESULTS`` word the API and the scanner page branch on)
VERDICTS: dict[str, str] = {
    "valid": "valid",
    "already_used": "already_used",
    "wrong_trip": "wrong_trip",
    "foreign_ticket": "wrong_trip",  # another company's: nothing more is said
    "not_yet_valid": "not_yet_valid",
    "expired": "expired",
    "cancelled": "cancelled",
    "refunded": "refunded",
    "unpaid": "unpaid",  # the ticket's order is not (or no longer) paid
    "booking_unpaid": "unpaid",  # a typed booking code of an unpaid order: no ticket yet
    "forged": "invalid",  # the signature does not match
    "unknown_key": "invalid",
    "not_a_ticket": "invalid",
    "unreadable": "invalid",
    "no_such_ticket": "invalid",  # a genuine QR naming no ticket here
    "unknown_code": "invalid",  # a well-formed short code nobody has
    "booking_code": "invalid",  # a paid booking's code, not a ticket code
    "code_typo": "invalid",  # fails its check character
    "code_length": "invalid",  # not 10 characters
}
SCAN_CODES = tuple(VERDICTS)
API_LANGUAGE = "en"  # the API's reason and the scan row's audit text


def result_of(code: str) -> str:
    return VERDICTS[code]


def _moment(at, ticket) -> Moment:
    return Moment(to_local(at, ticket.trip.timezone))


def reason_text(outcome, language: str | None = API_LANGUAGE) -> str:
    """The short, actionable line for a screen (the API's ``reason``), from ``scan:<code>``.

    ``outcome`` is a ``ScanOutcome``: its ``code``, the ``ticket`` when known, the first
    boarding for ``already_used`` and ``typed``, the code as typed (normalised).
    """
    code, ticket = outcome.code, outcome.ticket
    key = f"scan:{code}"
    if ticket is None:
        typed = outcome.typed or ""
        shown = format_short_code(typed) if code == "unknown_code" else typed
        return text(key, language, code=shown, booking=typed, count=len(typed))
    seat = ticket.seat or "-"
    if code == "valid":
        if concession := concession_text(ticket, language):
            return text("scan:valid_concession", language, seat=seat, concession=concession)
        if ticket.fare_class == "student":
            return text("scan:valid_student", language, seat=seat)
        return text(key, language, seat=seat, fare=text(f"class_{ticket.fare_class}", language))
    if code == "already_used":
        first = outcome.first_use
        if first is not None:
            return text("scan:already_used_on", language, seat=seat, when=_moment(first.scanned_at, ticket),
                        device=first.device_id)
        return text(key, language, seat=seat, when=_moment(ticket.status_changed_at or ticket.valid_from, ticket))
    if code == "wrong_trip":
        trip = ticket.trip
        return text(key, language, route=trip.route.code, seat=seat, when=_moment(trip.departure_at, ticket))
    if code == "unpaid":
        return text(key, language, booking=ticket.order.code)
    if code == "expired":
        return text(key, language, when=_moment(ticket.valid_until, ticket))
    if code == "not_yet_valid":
        return text(key, language, when=_moment(ticket.valid_from, ticket))
    return text(key, language)
