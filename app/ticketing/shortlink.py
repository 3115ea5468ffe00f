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
"""
from __future__ import annotations

from flask import Blueprint, Response, render_template_string
from sqlalchemy import select

from app.core.timeutil import isoformat, local_label
from app.extensions import db, limiter
from app.ticketing.models import Ticket
from app.ticketing.payload import PayloadUnavailable, payload_for
from app.ticketing.scanning import initials
from tickets.shortcode import format_short_code, is_well_formed, normalize_short_code

blp = Blueprint("ticket_shortlink", __name__)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{ title }}</title>
<style>body{font-family:sans-serif;max-width:28em;margin:1em auto;padding:0 1em}
.qr svg{width:100%;height:auto;max-width:22em}</style></head>
<body><h1>{{ title }}</h1>
{% if ticket %}<p>{{ route }}<br>From {{ origin }}: <time datetime="{{ departure_iso }}">{{ departure }}</time><br>Seat <b>{{ ticket.seat }}</b>
{% if who %}&middot; {{ who }}{% endif %} &middot; {{ ticket.fare_class }}<br>
Code <b>{{ code }}</b> &middot; status <b>{{ ticket.status }}</b></p>
{% if svg %}<div class="qr">{{ svg|safe }}</div><p>Show this code to the driver.</p>{% endif %}
{% else %}<p>{{ message }}</p>{% endif %}
</body></html>"""

_HEADERS = {
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
}


def _page(status: int, **context) -> Response:
    context.setdefault("ticket", None)
    response = Response(render_template_string(_PAGE, **context), status=status, mimetype="text/html")
    response.headers.update(_HEADERS)
    return response


@blp.get("/t/<string:code>")
@limiter.limit("30 per minute")
def short_link(code: str):
    """The ticket page for a short code; 404 page says "mistyped?" or "unknown"."""
    from tickets.qr import render_svg

    normalized = normalize_short_code(code)
    if not is_well_formed(normalized):
        return _page(404, title="Check the code", message="This code has a typo: compare it with your SMS.")
    ticket = db.session.scalar(select(Ticket).where(Ticket.short_code == normalized))
    if ticket is None:
        return _page(404, title="Ticket not found", message="No ticket has this code.")
    svg = None
    if ticket.status == "valid":
        try:
            svg = render_svg(payload_for(ticket)).content
        except PayloadUnavailable:
            svg = None  # the short code still works at the door
    from app.catalog.service import departure_at_stop

    trip, origin = ticket.trip, ticket.order.origin
    departs = departure_at_stop(trip, origin.id)
    return _page(
        200, title="Safiri ticket", ticket=ticket, svg=svg, who=initials(ticket.passenger_name),
        code=format_short_code(ticket.short_code), route=trip.route.name, origin=origin.name,
        departure=local_label(departs, origin.timezone), departure_iso=isoformat(departs, origin.timezone),
    )
