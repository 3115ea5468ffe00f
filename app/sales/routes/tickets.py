"""A passenger's ticket and its QR code (the ticket list is ``GET /tickets``, in ``booking``).

Only the owner sees a ticket (``app.sales.tickets.own_ticket``, the rule USSD and SMS
use); anyone else gets 404, so ids cannot be probed. QR images
are cacheable: the payload is deterministic (Ed25519), so its hash is a strong ETag and
a phone re-opening its ticket gets 304 without the server drawing anything.
"""
from __future__ import annotations

import hashlib

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.decorators import auth_required, current_user
from app.errors import Conflict
from app.sales.callers import who_is_calling
from app.sales.tickets import own_ticket
from app.ticketing.models import Ticket
from app.ticketing.payload import PayloadUnavailable, payload_for
from app.ticketing.schemas import TicketDetailSchema
from tickets.qr import render_png, render_svg

blp = Blueprint("ticketing", __name__, url_prefix="/api/v1", description="Tickets and their QR codes")

QR_CACHE_CONTROL = "private, max-age=86400"


def owned_ticket(ticket_id: int) -> Ticket:
    return own_ticket(who_is_calling(user=current_user()), ticket_id)


@blp.route("/tickets/<int:ticket_id>")
class TicketDetail(MethodView):
    @auth_required()
    @blp.response(200, TicketDetailSchema)
    def get(self, ticket_id):
        """One of the caller's tickets, with its QR payload for the app to draw."""
        return owned_ticket(ticket_id)


def _qr_response(ticket_id: int, kind: str) -> Response:
    try:
        payload = payload_for(owned_ticket(ticket_id))
    except PayloadUnavailable:
        raise Conflict("This ticket cannot be put in a QR code; use its short code.",
                       slug="ticket-not-encodable") from None
    etag = hashlib.sha256(f"{kind}:{payload}".encode("ascii")).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        rendered = render_png(payload) if kind == "png" else render_svg(payload)
        response = Response(rendered.content, mimetype=rendered.media_type)
    response.set_etag(etag)
    response.headers["Cache-Control"] = QR_CACHE_CONTROL
    return response


@blp.route("/tickets/<int:ticket_id>/qr.png")
class TicketQrPng(MethodView):
    @auth_required()
    @blp.doc(responses={"200": {"description": "PNG", "content": {"image/png": {}}},
                        "304": {"description": "unchanged (If-None-Match)"}})
    def get(self, ticket_id):
        """The ticket's QR code as PNG (ETag; 304 on If-None-Match)."""
        return _qr_response(ticket_id, "png")


@blp.route("/tickets/<int:ticket_id>/qr.svg")
class TicketQrSvg(MethodView):
    @auth_required()
    @blp.doc(responses={"200": {"description": "SVG", "content": {"image/svg+xml": {}}},
                        "304": {"description": "unchanged (If-None-Match)"}})
    def get(self, ticket_id):
        """The ticket's QR code as SVG (ETag; 304 on If-None-Match)."""
        return _qr_response(ticket_id, "svg")
