"""Carrier statements: a query over the ledger, scoped to the carrier's own admins.

Served from the money area, not from `app.ledger`: the view needs the carrier (catalog) and
the caller (auth), and the ledger sits below both. The OpenAPI tag stays `ledger`.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, pre_dump

from app.auth.decorators import auth_required, current_user, ensure_carrier_access
from app.catalog.models import Carrier
from app.core import fields
from app.core.money import MoneyField, money
from app.errors import NotFound
from app.extensions import db
from app.ledger.service import COUNTRY_ZONES, carrier_statement

blp = Blueprint("ledger", __name__, url_prefix="/api/v1", description="Carrier statements from the ledger")


class StatementQuery(Schema):
    date = fields.Date(load_default=None, metadata={"description": "local day (default: today)"})


class CountAmount(Schema):
    count = fields.Integer()
    amount = MoneyField(dump_only=True)


class StatementTotals(Schema):
    """One currency's totals; the service's integers go out as money in that currency."""

    currency = fields.String()
    sales = fields.Nested(CountAmount)
    refunds = fields.Nested(CountAmount)
    fees = MoneyField(dump_only=True, metadata={"description": "platform fees net of fees returned on refunds"})
    net_payable = MoneyField(dump_only=True, metadata={
        "description": "change of what the platform owes the carrier that day"})
    balance_payable = MoneyField(dump_only=True, metadata={"description": "what the platform owes the carrier now"})
    payouts_pending = MoneyField(dump_only=True, metadata={
        "description": "M-Pesa refunds waiting for the carrier's finance team"})

    @pre_dump
    def _as_money(self, totals: dict, **kwargs) -> dict:
        currency = totals["currency"]
        out = {**totals}
        for name in ("fees", "net_payable", "balance_payable", "payouts_pending"):
            out[name] = money(totals[name], currency)
        for name in ("sales", "refunds"):
            out[name] = {"count": totals[name]["count"], "amount": money(totals[name]["amount"], currency)}
        return out


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
