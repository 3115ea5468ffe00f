"""API the driver's scanner page (``/scan``) adds to scans and manifests: undo a boarding.

Thin views over ``app.ticketing.boarding``; same roles and access answers as the scan
endpoints (``driver`` assigned to the trip, or ``carrier_admin`` of its carrier).
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, validate

from app.auth.decorators import auth_required, current_user
from app.core import fields
from app.ticketing.boarding import undo_boarding
from app.ticketing.scanning import SCANNER_ROLES

blp = Blueprint("scanner", __name__, url_prefix="/api/v1/driver", description="Boarding: undo")


class UndoRequestSchema(Schema):
    EXAMPLE = {"device_id": "scanner-kda123a", "undone_at": "2026-03-01T07:53:40+03:00"}
    device_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    undone_at = fields.AwareDateTime(load_default=None, metadata={"description": "when, on the device; default now"})


class UndoResultSchema(Schema):
    ticket_id = fields.Integer()
    status = fields.Function(lambda s: s.ticket.status)
    seat = fields.Function(lambda s: s.ticket.seat)
    boarded_at = fields.Timestamp(attribute="scanned_at")
    boarded_on_device = fields.String(attribute="device_id")
    undone_at = fields.Timestamp(allow_none=True)
    undone_by = fields.Integer(attribute="undone_by_id")


@blp.route("/trips/<int:trip_id>/boardings/<int:ticket_id>/undo")
class UndoBoarding(MethodView):
    @auth_required(*SCANNER_ROLES)
    @blp.arguments(UndoRequestSchema)
    @blp.response(200, UndoResultSchema)
    @blp.alt_response(409, description="the ticket is not boarded (not-boarded)")
    def post(self, data, trip_id, ticket_id):
        """Undo a boarding made by mistake: the ticket is valid again; who and when are kept."""
        return undo_boarding(current_user(), trip_id=trip_id, ticket_id=ticket_id, **data)
