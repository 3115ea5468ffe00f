"""``GET /api/v1/carriers/{carrier_id}/dashboard``: what the ``/carrier`` page draws, as JSON or CSV.

Carrier-scoped like the statement: a carrier admin sees only their carrier (another id
answers 404, not 403, so ids leak nothing), a platform admin any. One request answers every
table (today and the last 30 local days); ``?format=csv&table=<name>`` (or ``Accept:
text/csv``) answers one table as CSV, the download behind each table's button.
"""
from __future__ import annotations

import csv
import io

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, validate

from app.auth.decorators import auth_required, current_user, ensure_carrier_access
from app.carrier_page import money_queues
from app.carrier_page.queries import occupancy, sales, scan_conflicts, window_for
from app.catalog.models import Carrier
from app.core import fields
from app.database import utcnow
from app.errors import BadRequest, NotFound
from app.extensions import db

blp = Blueprint("carrier_dashboard", __name__, url_prefix="/api/v1",
                description="The carrier dashboard's figures (the /carrier page)")

# The columns of each table, in CSV order.
TABLES: dict[str, tuple[str, ...]] = {
    "sales_by_channel": ("date", "channel", "currency", "count", "amount"),
    "sales_by_method": ("date", "method", "currency", "count", "amount"),
    "occupancy": ("trip_id", "departure_at", "route", "status", "seats", "sold", "boarded", "occupancy_percent"),
    "scan_conflicts": ("id", "kind", "trip_id", "ticket", "found_at", "first_device", "first_scanned_at",
                       "second_device", "second_scanned_at"),
    "suspense": ("item", "at", "source", "reason", "receipt", "order", "amount", "currency"),
    "pending_payouts": ("payout_id", "created_at", "kind", "status", "order", "amount", "currency", "phone", "reason"),
    "unmatched_statement_lines": ("kind", "receipt", "at", "shortcode", "amount", "expected", "currency", "details"),
}
QUEUES = ("suspense", "pending_payouts", "unmatched_statement_lines")


class DashboardQuery(Schema):
    format = fields.String(load_default=None, validate=validate.OneOf(["json", "csv"]),
                           metadata={"description": "csv: one table as CSV (also `Accept: text/csv`)"})
    table = fields.String(load_default=None, validate=validate.OneOf(list(TABLES)),
                          metadata={"description": "the table to download as CSV"})


class Section(Schema):
    available = fields.Boolean(metadata={"description": "false: the data behind it is not on this server yet"})
    rows = fields.List(fields.Dict())


class DashboardSchema(Schema):
    carrier_id = fields.Integer()
    carrier = fields.String()
    currency = fields.String()
    timezone = fields.String()
    today = fields.String(metadata={"description": "the carrier's local day"})
    first_day = fields.String(metadata={"description": "first local day of the 30-day window"})
    days = fields.List(fields.String())
    tables = fields.Dict(keys=fields.String(), values=fields.Nested(Section),
                         metadata={"description": "amounts in minor units; " + ", ".join(TABLES)})


def dashboard(carrier: Carrier, user) -> dict:
    window = window_for(carrier, utcnow())
    tables = {
        "sales_by_channel": {"available": True, "rows": sales(carrier, window, "channel")},
        "sales_by_method": {"available": True, "rows": sales(carrier, window, "method")},
        "occupancy": {"available": True, "rows": occupancy(carrier, window)},
        "scan_conflicts": {"available": True, "rows": scan_conflicts(carrier, window)},
    }
    for name in QUEUES:
        tables[name] = getattr(money_queues, name)(carrier, window, user)
    return {"carrier_id": carrier.id, "carrier": carrier.name, "currency": carrier.currency,
            "timezone": window.zone.key, "today": window.today.isoformat(), "first_day": window.first.isoformat(),
            "days": [day.isoformat() for day in window.days()], "tables": tables}


def as_csv(name: str, rows: list[dict], carrier_id: int) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=TABLES[name], extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="carrier-{carrier_id}-{name}.csv"'
    return response


def _wants_csv(args: dict) -> bool:
    if args["format"]:
        return args["format"] == "csv"
    return request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv"


@blp.route("/carriers/<int:carrier_id>/dashboard")
class Dashboard(MethodView):
    @auth_required("carrier_admin", "platform_admin")
    @blp.arguments(DashboardQuery, location="query")
    @blp.response(200, DashboardSchema)
    def get(self, args, carrier_id):
        """The carrier dashboard: sales by channel and method, occupancy, scan conflicts, money queues."""
        ensure_carrier_access(current_user(), carrier_id)
        carrier = db.session.get(Carrier, carrier_id)
        if carrier is None:
            raise NotFound("No such carrier.")
        body = dashboard(carrier, current_user())
        if not _wants_csv(args):
            return body
        if not args["table"]:
            raise BadRequest("Name the table to download: ?table=" + "|".join(TABLES) + ".")
        return as_csv(args["table"], body["tables"][args["table"]]["rows"], carrier.id)
