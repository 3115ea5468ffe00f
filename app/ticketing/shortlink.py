"""``GET /t/<short_code>``: the ticket's QR on a plain page, for SMS passengers.

Decision: the short code is a bearer secret (45 random bits plus a check symbol), the
same thing the SMS already gives the passenger to read out at the door, so the page
adds no new power: whoever holds the code could already board with it. Hence no
sign-in, but: a rate limit per address (enumeration of 2^45 codes is hopeless at it),
initials instead of the name, ``no-store`` and ``no-referrer`` so the code does not
leak through caches or outbound links, ``noindex`` for search engines, and no QR for a
ticket that can no longer board. Works without JavaScript on any small browser.

Times: the departure is the one the ticket SMS gives, the trip leaving the passenger's
boarding stop, in that stop's zone with the offset spelled out (never bare UTC).

Language: the ticket holder's (the language of their SMS), unless ``?lang=`` asks for
another; a page with no ticket follows the browser's Accept-Language. Every text comes
from the message catalogue; the date is written by Babel in that language. The page
names the carrier and the passenger's own stops (boarding, alighting), and a banner says
at first sight whether the ticket is valid, used, cancelled, refunded or expired.
"""
from __future__ import annotations

from babel import Locale
from babel.dates import format_datetime
from flask import Blueprint, Response, render_template, request
from sqlalchemy import select

from app.catalog.service import departure_at_stop
from app.core.timeutil import isoformat, to_local
from app.database import utcnow
from app.extensions import db, limiter
from app.messaging import LANGUAGES, lang_or_default, text
from app.messaging.formats import babel_locale
from app.ticketing.models import Ticket
from app.ticketing.payload import PayloadUnavailable, payload_for
from app.ticketing.scanning import initials
from app.ticketing.verdicts import concession_text
from tickets.qr import render_svg
from tickets.shortcode import format_short_code, is_well_formed, normalize_short_code

# The page's style sheet is a served file: the CSP allows no inline style (app.core.security_headers).
blp = Blueprint("ticket_shortlink", __name__, template_folder="templates", static_folder="static",
                static_url_path="/t/assets")

_HEADERS = {
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
}
LABELS = ("carrier", "from", "to", "departure", "seat", "passenger", "fare", "code")


def _language(ticket: Ticket | None) -> str:
    """``?lang=`` when we speak it, else the ticket holder's language, else the browser's."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    holder = ticket.order.user if ticket is not None else None
    if holder is not None and holder.language:
        return lang_or_default(holder.language)
    return lang_or_default(request.accept_languages.best_match(LANGUAGES))


def _page(status: int, lang: str, **context) -> Response:
    context.setdefault("ticket", None)
    languages = [(code, Locale.parse(code).get_display_name(code).capitalize()) for code in LANGUAGES]
    html = render_template("ticketing/ticket_page.html", lang=lang, languages=languages,
                           language_label=text("page_language", lang), **context)
    response = Response(html, status=status, mimetype="text/html")
    response.headers.update(_HEADERS)
    response.headers["Content-Language"] = lang
    return response


def page_state(ticket: Ticket, now=None) -> str:
    """What the banner says: the ticket's status, and ``expired`` once its window closed."""
    now = now or utcnow()
    if ticket.status == "valid" and now >= ticket.valid_until:
        return "expired"
    return ticket.status


def _departure_label(moment, tz_name: str, lang: str) -> str:
    """``Mon 07 Dec 2026 10:30 EAT (UTC+03:00)``, day and month in ``lang`` (Babel)."""
    local = to_local(moment, tz_name)
    offset = local.strftime("%z")
    abbreviation = local.tzname() or ""
    zone = f"{abbreviation} " if abbreviation[:1].isalpha() else ""
    day = format_datetime(local, "EEE dd MMM y HH:mm", locale=babel_locale(lang))
    return f"{day} {zone}(UTC{offset[:3]}:{offset[3:]})"


@blp.get("/t/<string:code>")
@limiter.limit("30 per minute")
def short_link(code: str):
    """The ticket page for a short code; 404 page says "mistyped?" or "unknown"."""
    normalized = normalize_short_code(code)
    if not is_well_formed(normalized):
        lang = _language(None)
        return _page(404, lang, title=text("page_typo_title", lang), message=text("page_typo", lang))
    ticket = db.session.scalar(select(Ticket).where(Ticket.short_code == normalized))
    if ticket is None:
        lang = _language(None)
        return _page(404, lang, title=text("page_not_found_title", lang), message=text("page_not_found", lang))
    lang = _language(ticket)
    state = page_state(ticket)
    svg = None
    if state == "valid":
        try:
            svg = render_svg(payload_for(ticket)).content
        except PayloadUnavailable:
            svg = None  # the short code still works at the door
    order = ticket.order
    origin, destination = order.origin, order.destination
    departs = departure_at_stop(ticket.trip, origin.id)
    return _page(
        200, lang, title=text("page_title", lang), ticket=ticket, svg=svg, who=initials(ticket.passenger_name),
        state=state, banner=text(f"page_banner_{state}", lang), show_qr=text("page_show_qr", lang),
        labels={name: text(f"page_{name}", lang) for name in LABELS},
        carrier=ticket.trip.carrier.name, origin=origin.name, destination=destination.name,
        fare=concession_text(ticket, lang) or text(f"class_{ticket.fare_class}", lang),
        code=format_short_code(ticket.short_code),
        departure=_departure_label(departs, origin.timezone, lang),
        departure_iso=isoformat(departs, origin.timezone),
    )
