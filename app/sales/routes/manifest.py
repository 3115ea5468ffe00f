"""``GET /api/v1/carriers/{carrier_id}/trips/{trip_id}/manifest``: who travels, for the people who run the trip.

Readable by the carrier's admins (and platform admins), the carrier's agents (the counter
prints it) and a driver assigned to that trip; anyone else, another carrier's staff
included, gets 404 as if the trip did not exist. ``Accept: text/csv`` gives CSV. The rows
come from ``app.booking.passenger_list``.
"""
from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema

from app.auth.decorators import auth_required, current_user, ensure_carrier_access
from app.booking.passenger_list import as_csv, passenger_list
from app.catalog.common import owned
from app.catalog.models import Trip
from app.catalog.service import is_driver_assigned
from app.core import fields
from app.core.money import MoneyField
from app.errors import NotFound
from app.reports.export import CSV, wants_csv

blp = Blueprint("manifests", __name__, url_prefix="/api/v1/carriers",
                description="Trip manifests: who travels (carrier admins, agents, the trip's driver)")

READERS = ("carrier_admin", "platform_admin", "agent", "driver")


class ManifestRowSchema(Schema):
    ticket_id = fields.Integer()
    seat = fields.String()
    passenger_name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True, metadata={"description": "the buyer's, masked"})
    fare_class = fields.String()
    origin = fields.String(metadata={"description": "boarding stop"})
    origin_code = fields.String()
    destination = fields.String(metadata={"description": "alighting stop"})
    destination_code = fields.String()
    channel = fields.String()
    paid = MoneyField(metadata={"description": "the fare paid for this passenger"})
    status = fields.String(metadata={"description": "the ticket's: valid, used, cancelled, refunded, expired"})
    boarded = fields.Boolean(metadata={"description": "a scan boarded it (and was not undone)"})
    no_show = fields.Boolean(metadata={"description": "its stop was left behind and it never boarded"})


class _ManifestTrip(Schema):
    id = fields.Integer()
    route_code = fields.String()
    route_name = fields.String()
    status = fields.String()
    vehicle = fields.String()
    departure_at = fields.String()
    arrival_at = fields.String()


class _Counts(Schema):
    tickets = fields.Integer()
    boarded = fields.Integer()
    no_shows = fields.Integer()
    seats = fields.Integer()


class PassengerManifestSchema(Schema):
    trip = fields.Nested(_ManifestTrip)
    counts = fields.Nested(_Counts)
    passengers = fields.List(fields.Nested(ManifestRowSchema))


def readable_trip(carrier_id: int, trip_id: int):
    """The trip if the caller may read its manifest; else 404 (never 403: ids do not leak)."""
    user = current_user()
    if user.role not in READERS:
        raise NotFound("No such trip.", slug="not-found")
    ensure_carrier_access(user, carrier_id)
    trip = owned(Trip, carrier_id, trip_id)
    if user.role == "driver" and not is_driver_assigned(user, trip.id):
        raise NotFound("No such trip.", slug="not-found")
    return trip


@blp.route("/<int:carrier_id>/trips/<int:trip_id>/manifest")
class Manifest(MethodView):
    @auth_required()
    @blp.response(200, PassengerManifestSchema)
    @blp.alt_response(200, description="the same rows as CSV (Accept: text/csv)", content_type=CSV,
                      schema={"type": "string"}, success=True)
    def get(self, carrier_id, trip_id):
        """One row per ticket: seat, passenger, masked phone, fare class, stops, channel, paid, status, boarded."""
        manifest = passenger_list(readable_trip(carrier_id, trip_id))
        if wants_csv():
            return Response(as_csv(manifest), mimetype=CSV, headers={
                "Content-Disposition": f'attachment; filename="manifest-trip-{trip_id}.csv"', "Vary": "Accept"})
        return manifest
