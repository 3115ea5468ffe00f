"""Wire shapes of tickets, scans, manifests and scan conflicts (marshmallow 4).

Times are ISO 8601 with offset in the trip's departure-stop zone (the public contract);
a ticket shown to its passenger uses the passenger's own boarding stop.
"""
from __future__ import annotations

from flask import current_app
from marshmallow import Schema, ValidationError, validate, validates_schema

from app.catalog.service import stop_times
from app.core import fields
from app.core.timeutil import isoformat
from app.ticketing.payload import PayloadUnavailable, payload_for
from app.ticketing.scan_models import SCAN_RESULTS
from app.ticketing.scanning import initials
from tickets.shortcode import format_short_code

# A real payload is 133 characters; longer garbage is still judged "invalid" (not 422)
# up to this bound, so a scanner that read a wrong barcode gets a reason to act on.
MAX_PAYLOAD_INPUT = 1000
MAX_BATCH = 200  # 200 scans of ~250 bytes stay well under MAX_CONTENT_LENGTH (64 KiB)


def _one_of_payload_or_code(data: dict) -> None:
    if ("qr_payload" in data) == ("short_code" in data):
        raise ValidationError("Send either qr_payload or short_code.", "_schema")


class ScanRequestSchema(Schema):
    EXAMPLE = {"trip_id": 1, "short_code": "7KQ4-M2XP", "device_id": "scanner-kda123a",
               "nonce": "5f1c9e2a-4d1b-4a8e-9c55-0d2f3b7e8a10", "scanned_at": "2026-03-01T07:52:10+03:00"}
    trip_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    qr_payload = fields.String(validate=validate.Length(min=1, max=MAX_PAYLOAD_INPUT))
    short_code = fields.String(validate=validate.Length(min=1, max=32))
    device_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    nonce = fields.String(required=True, validate=validate.Length(min=1, max=64))
    scanned_at = fields.AwareDateTime(load_default=None, metadata={"description": "default: now"})

    @validates_schema
    def _one_input(self, data, **kwargs):
        _one_of_payload_or_code(data)


class BatchScanSchema(Schema):
    nonce = fields.String(required=True, validate=validate.Length(min=1, max=64))
    qr_payload = fields.String(validate=validate.Length(min=1, max=MAX_PAYLOAD_INPUT))
    short_code = fields.String(validate=validate.Length(min=1, max=32))
    scanned_at = fields.AwareDateTime(required=True, metadata={"description": "when it happened on the device"})
    device_result = fields.String(
        load_default=None, validate=validate.OneOf(SCAN_RESULTS),
        metadata={"description": "what the device showed offline; `valid` for a ticket the server finds "
                                 "cancelled, refunded or unpaid is reported as a scan conflict"},
    )

    @validates_schema
    def _one_input(self, data, **kwargs):
        _one_of_payload_or_code(data)


class BatchRequestSchema(Schema):
    EXAMPLE = {"device_id": "scanner-kda123a", "scans": [
        {"nonce": "0b6f", "short_code": "7KQ4-M2XP", "scanned_at": "2026-03-01T07:52:10+03:00"},
        {"nonce": "0b70", "short_code": "H3WD-9TNA", "scanned_at": "2026-03-01T07:53:02+03:00"}]}
    device_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    scans = fields.List(fields.Nested(BatchScanSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_BATCH))


class TicketSummarySchema(Schema):
    """What a driver may see: no name, no code."""

    id = fields.Integer()
    trip_id = fields.Integer()
    seat = fields.String()
    initials = fields.Function(lambda t: initials(t.passenger_name))
    fare_class = fields.String()
    status = fields.String()


def _first_use(outcome):
    first = outcome.first_use
    if first is None:
        return None
    return {"at": isoformat(first.scanned_at), "device_id": first.device_id}  # UTC: when it happened


class ScanResultSchema(Schema):
    result = fields.String(metadata={"description": "valid | already_used | wrong_trip | not_yet_valid | "
                                                    "expired | cancelled | refunded | unpaid | invalid"})
    code = fields.String(metadata={"description": "which case it is, for a program to branch on "
                                                  "(docs/ticket-format.md 6.3): e.g. forged, code_typo, booking_unpaid"})
    reason = fields.String(metadata={"description": "short, human, actionable (English)"})
    boarded = fields.Boolean(metadata={"description": "true only for result valid"})
    ticket = fields.Nested(TicketSummarySchema, allow_none=True)
    first_use = fields.Function(_first_use, metadata={"description": "already_used: when and where"})
    replayed = fields.Boolean(metadata={"description": "a retried (device_id, nonce): the first answer"})
    conflict = fields.Boolean(metadata={"description": "boarded on another device too"})
    scanned_at = fields.Timestamp(lambda o: o.scan.scanned_at if o.scan else None, allow_none=True)


class BatchResultSchema(ScanResultSchema):
    nonce = fields.Function(lambda o: o.scan.nonce if o.scan else None)


class BatchResponseSchema(Schema):
    results = fields.List(fields.Nested(BatchResultSchema))


class ManifestQuerySchema(Schema):
    since = fields.String(load_default=None, metadata={
        "description": "cursor of the previous manifest (anything else: 400 bad-cursor)"})


class ManifestTicketSchema(Schema):
    id = fields.Integer()
    seat = fields.String()
    initials = fields.String(allow_none=True)
    fare_class = fields.String()
    short_code_hash = fields.String(metadata={"description": "sha256 hex of the normalised short code"})
    status = fields.String()
    valid_from = fields.String()
    valid_until = fields.String()


class ManifestTripSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    route_code = fields.String()
    departure_at = fields.String()
    arrival_at = fields.String()
    seat_layout = fields.List(fields.String(), metadata={
        "description": "the vehicle's seat labels in index order: a QR payload's seat index "
                       "maps to its label here (docs/ticket-format.md 1.5)"})


class ManifestSchema(Schema):
    format = fields.String()
    trip = fields.Nested(ManifestTripSchema)
    full = fields.Boolean(metadata={"description": "false: only tickets changed since the cursor"})
    cursor = fields.String(metadata={"description": "send as ?since= next time"})
    tickets = fields.List(fields.Nested(ManifestTicketSchema))
    revoked_ticket_ids = fields.List(fields.Integer(), metadata={"description": "all cancelled/refunded"})


# --- the passenger's ticket ---------------------------------------------------------

def _leg(ticket) -> dict:
    order = ticket.order
    times = {rs.stop_id: at for rs, at in stop_times(ticket.trip)}
    zone = order.origin.timezone
    return {
        "id": ticket.trip_id,
        "status": ticket.trip.status,
        "route": {"code": ticket.trip.route.code, "name": ticket.trip.route.name},
        "origin": {"code": order.origin.code, "name": order.origin.name},
        "destination": {"code": order.destination.code, "name": order.destination.name},
        "departure_at": isoformat(times.get(order.origin_stop_id), zone),
        "arrival_at": isoformat(times.get(order.destination_stop_id), zone),
    }


def _qr_payload(ticket) -> str | None:
    try:
        return payload_for(ticket)
    except PayloadUnavailable:
        return None


class TicketDetailSchema(Schema):
    id = fields.Integer()
    number = fields.Function(lambda t: f"{t.order.code}-{t.seat}",
                             metadata={"description": "booking code and seat, for the helpline"})
    order_id = fields.Integer()
    seat = fields.String()
    fare_class = fields.String()
    passenger_name = fields.String(allow_none=True)
    status = fields.String()
    valid_from = fields.Timestamp(zone=lambda t: t.order.origin.timezone)
    valid_until = fields.Timestamp(zone=lambda t: t.order.origin.timezone)
    short_code = fields.Function(lambda t: format_short_code(t.short_code))
    trip = fields.Function(_leg, metadata={
        "description": "the passenger's leg: times at their own boarding and alighting stops, in the boarding stop's zone",
        "type": "object", "properties": {
            "id": {"type": "integer"}, "status": {"type": "string"},
            "route": {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
            "origin": {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
            "destination": {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
            "departure_at": {"type": "string", "format": "date-time", "example": "2026-03-01T08:00:00+03:00"},
            "arrival_at": {"type": "string", "format": "date-time", "example": "2026-03-01T11:30:00+03:00"}}})
    qr_payload = fields.Function(_qr_payload, allow_none=True,
                                 metadata={"description": "the signed QR text (null if it cannot be encoded)"})
    short_link = fields.Function(
        lambda t: f"{current_app.config['PUBLIC_BASE_URL']}/t/{t.short_code}",
        metadata={"description": "public page with the QR; the code in it is the bearer secret"},
    )


class ConflictScanSchema(Schema):
    scan_id = fields.Integer(attribute="id")
    device_id = fields.String()
    user_id = fields.Integer()
    scanned_at = fields.Timestamp()
    received_at = fields.Timestamp()


class ScanConflictSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "double_boarding (two devices) or boarded_revoked "
                                                  "(let in offline after a cancellation or refund; no first)"})
    trip_id = fields.Integer()
    ticket_id = fields.Integer()
    seat = fields.Function(lambda c: c.ticket.seat)
    first = fields.Nested(ConflictScanSchema, attribute="first_scan", allow_none=True)
    second = fields.Nested(ConflictScanSchema, attribute="second_scan")
    created_at = fields.Timestamp()


class ConflictQuerySchema(Schema):
    trip_id = fields.Integer(load_default=None, validate=validate.Range(min=1))
