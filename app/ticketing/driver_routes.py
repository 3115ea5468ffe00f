"""Driver and carrier endpoints: online scans, offline manifests and uploads, conflicts.

Views translate HTTP to ``app.ticketing.scanning`` and ``app.ticketing.manifest``; the rules live
there so that the SMS ``CHECK <code>`` command answers exactly like the app. A scan
always answers 200 with a result and a reason; only access (401/403/404) and a
malformed body (422) are errors.
"""
from __future__ import annotations

import hashlib
import json

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from app.auth.decorators import auth_required, current_user, ensure_carrier_access
from app.extensions import db
from app.ticketing.schemas import (
    BatchRequestSchema, BatchResponseSchema, ConflictQuerySchema, ManifestQuerySchema, ManifestSchema,
    ScanConflictSchema, ScanRequestSchema, ScanResultSchema,
)
from app.ticketing.manifest import build_manifest
from app.ticketing.scan_models import ScanConflict
from app.ticketing.scanning import SCANNER_ROLES, authorize_trip, check_ticket, upload_batch

blp = Blueprint("scanning", __name__, url_prefix="/api/v1", description="Boarding: scans and manifests")


@blp.route("/scans")
class Scans(MethodView):
    @auth_required(*SCANNER_ROLES)
    @blp.arguments(ScanRequestSchema)
    @blp.response(200, ScanResultSchema)
    def post(self, data):
        """Check a QR payload or short code and board the ticket when it is good.

        Idempotent per (device_id, nonce): a retry returns the first answer.
        """
        return check_ticket(current_user(), **data)


@blp.route("/driver/trips/<int:trip_id>/manifest")
class Manifest(MethodView):
    @auth_required(*SCANNER_ROLES)
    @blp.arguments(ManifestQuerySchema, location="query")
    @blp.response(200, ManifestSchema)
    @blp.doc(responses={"304": {"description": "unchanged since the ETag sent in If-None-Match"}})
    def get(self, query, trip_id):
        """Tickets of the trip for offline checks (``?since=<cursor>`` for changes only)."""
        trip = authorize_trip(current_user(), trip_id)
        body = json.dumps(ManifestSchema().dump(build_manifest(trip, query["since"])), separators=(",", ":"))
        etag = hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]
        if request.if_none_match.contains(etag):
            response = Response(status=304)
        else:
            response = Response(body, mimetype="application/json")
        response.set_etag(etag)
        response.headers["Cache-Control"] = "private, no-cache"
        return response


@blp.route("/driver/trips/<int:trip_id>/scans:batch")
class ScanBatch(MethodView):
    @auth_required(*SCANNER_ROLES)
    @blp.arguments(BatchRequestSchema)
    @blp.response(200, BatchResponseSchema)
    def post(self, data, trip_id):
        """Upload offline scans; each is judged at its own ``scanned_at``, idempotent per nonce.

        Answers come in the order sent. A ticket boarded on two devices is flagged as a
        scan conflict for the carrier (``conflict: true``).
        """
        outcomes = upload_batch(current_user(), trip_id=trip_id, device_id=data["device_id"], scans=data["scans"])
        return {"results": outcomes}


@blp.route("/carriers/<int:carrier_id>/scan-conflicts")
class ScanConflicts(MethodView):
    @auth_required("carrier_admin", "platform_admin")
    @blp.arguments(ConflictQuerySchema, location="query")
    @blp.response(200, ScanConflictSchema(many=True))
    def get(self, query, carrier_id):
        """Tickets boarded on two devices (newest first, at most 500)."""
        ensure_carrier_access(current_user(), carrier_id)
        stmt = select(ScanConflict).where(ScanConflict.carrier_id == carrier_id)
        if query["trip_id"]:
            stmt = stmt.where(ScanConflict.trip_id == query["trip_id"])
        return list(db.session.scalars(stmt.order_by(ScanConflict.id.desc()).limit(500)))
