"""Carrier statements: a query over the ledger, scoped to the carrier's own admins."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema

from app.auth.decorators import auth_required, current_user, ensure_carrier_access
from app.catalog.models import Carrier
from app.core import fields
from app.errors import NotFound
from app.extensions import db
from app.ledger.service import COUNTRY_ZONES, carrier_statement

blp = Blueprint("ledger", __name__, url_prefix="/api/v1", description="Carrier statements from the ledger")


class StatementQuery(Schema):
    date = fields.Date(load_default=None, metadata={"description": "local day (default: today)"})


class CountAmount(Schema):
    count = fields.Integer()
    amount = fields.Integer()


class StatementTotals(Schema):
    currency = fields.String()
    sales = fields.Nested(CountAmount)
    refunds = fields.Nested(CountAmount)
    fees = fields.Integer(metadata={"description": "platform fees net of fees returned on refunds"})
    net_payable = fields.Integer(metadata={"description": "change of what the platform owes the carrier that day"})
    balance_payable = fields.Integer(metadata={"description": "what the platform owes the carrier now"})
    payouts_pending = fields.Integer(metadata={"description": "M-Pesa refunds waiting for the carrier's finance team"})


class StatementSchema(Schema):
    carrier_id = fields.Integer()
    date = fields.String()
    timezone = fields.String()
    totals = fields.List(fields.Nested(StatementTotals))


@blp.route("/carriers/<int:carrier_id>/statement")
class Statement(MethodView):
    @auth_required("carrier_admin", "platform_admin")
    @blp.arguments(StatementQuery, location="query")
    @blp.response(200, StatementSchema)
    def get(self, args, carrier_id):
        """A carrier's daily statement: sales, refunds, fees and net payable."""
        ensure_carrier_access(current_user(), carrier_id)
        carrier = db.session.get(Carrier, carrier_id)
        if carrier is None:
            raise NotFound("No such carrier.")
        day = args["date"] or datetime.now(ZoneInfo(COUNTRY_ZONES.get(carrier.country, "UTC"))).date()
        return carrier_statement(carrier, day)
