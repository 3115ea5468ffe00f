"""Carrier money endpoints: the daily report, closing days, settlements.

Carrier admins of that carrier and platform admins only; any other carrier's id answers
404, as if absent (``ensure_carrier_access``), before anything else is looked at. Marking a
settlement paid is the platform's act (it pays): 403 for a carrier admin. ``Accept:
text/csv`` turns the report and the settlements into CSV (``app.reports.export``).
"""
from __future__ import annotations

from types import SimpleNamespace

from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.decorators import auth_required, current_user, ensure_carrier_access
from app.auth.idempotency import idempotent
from app.catalog.models import Carrier
from app.errors import Forbidden, NotFound
from app.extensions import db
from app.reports import closing, export, settlements
from app.reports.days import parse_day
from app.reports.report import daily_report
from app.reports.schemas import (
    ClosedDaysSchema,
    DailyQuery,
    DailyReportSchema,
    SettlementCreateSchema,
    SettlementDetailSchema,
    SettlementPaidSchema,
    SettlementSchema,
)

blp = Blueprint("reports", __name__, url_prefix="/api/v1",
                description="Carrier money: daily reports from the ledger, closed days, settlements")

ADMINS = ("carrier_admin", "platform_admin")
CSV_DOC = dict(content_type=export.CSV, schema={"type": "string"}, success=True)


def _carrier(carrier_id: int) -> Carrier:
    ensure_carrier_access(current_user(), carrier_id)
    carrier = db.session.get(Carrier, carrier_id)
    if carrier is None:
        raise NotFound("No such carrier.")
    return carrier


def _actor() -> str:
    return f"user:{current_user().id}"


@blp.route("/carriers/<int:carrier_id>/reports/daily")
class DailyReport(MethodView):
    @auth_required(*ADMINS)
    @blp.arguments(DailyQuery, location="query")
    @blp.response(200, DailyReportSchema)
    @blp.alt_response(200, description="the same report as CSV (Accept: text/csv)", **CSV_DOC)
    def get(self, args, carrier_id):
        """A day's sales from the ledger: totals, breakdowns by route, trip, channel, payment method and
        fare class, boarding, and adjustments of earlier closed days."""
        carrier = _carrier(carrier_id)
        report = daily_report(carrier, parse_day(args["date"], carrier))
        return export.report_csv(report) if export.wants_csv() else report


@blp.route("/carriers/<int:carrier_id>/reports/daily/<day>/close")
class CloseDay(MethodView):
    @auth_required(*ADMINS)
    @idempotent
    @blp.response(200, ClosedDaysSchema)
    @blp.alt_response(409, description="The day is not over (day-not-over), already closed (day-closed), "
                                       "or too many days would close at once (close-earlier-days-first)")
    def post(self, carrier_id, day):
        """Close the day ``YYYY-MM-DD`` (and every open day before it since the last closed one): its figures
        never change again; later money about it shows as an adjustment on the day it happens."""
        carrier = _carrier(carrier_id)
        through = parse_day(day, carrier, field="day")
        return {"closed": [row.report for row in closing.close_through(carrier.id, through, actor=_actor())]}


@blp.route("/carriers/<int:carrier_id>/settlements")
class Settlements(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, SettlementSchema(many=True))
    @blp.alt_response(200, description="the same page as CSV (Accept: text/csv)", **CSV_DOC)
    @blp.paginate(page_size=50, max_page_size=500)
    def get(self, carrier_id, pagination_parameters):
        """The carrier's settlements, latest period first (paged: X-Pagination header)."""
        carrier = _carrier(carrier_id)
        p = pagination_parameters
        rows, p.item_count = settlements.list_settlements(
            carrier.id, offset=(p.page - 1) * p.page_size, limit=p.page_size)
        return export.settlements_csv(carrier.id, rows) if export.wants_csv() else rows

    @auth_required(*ADMINS)
    @idempotent
    @blp.arguments(SettlementCreateSchema)
    @blp.response(201, SettlementDetailSchema)
    @blp.alt_response(409, description="A day of the period is not closed (day-not-closed) or already "
                                       "settled (already-settled)")
    def post(self, data, carrier_id):
        """A pending settlement of a period of closed days: their gross, refunds, commission, fees and net."""
        carrier = _carrier(carrier_id)
        row = settlements.create_settlement(carrier.id, data["period_start"], data["period_end"], actor=_actor())
        return _detail(row)


@blp.route("/carriers/<int:carrier_id>/settlements/<int:settlement_id>")
class SettlementOne(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, SettlementDetailSchema)
    def get(self, carrier_id, settlement_id):
        """One settlement with its status history."""
        carrier = _carrier(carrier_id)
        return _detail(settlements.get_settlement(carrier.id, settlement_id))


@blp.route("/carriers/<int:carrier_id>/settlements/<int:settlement_id>/paid")
class SettlementPaid(MethodView):
    @auth_required(*ADMINS)
    @idempotent
    @blp.arguments(SettlementPaidSchema)
    @blp.response(200, SettlementDetailSchema)
    @blp.alt_response(409, description="Already paid with another reference (settlement-state)")
    def post(self, data, carrier_id, settlement_id):
        """Record that the platform paid this settlement (platform admins), with the transfer's reference."""
        carrier = _carrier(carrier_id)
        if current_user().role != "platform_admin":
            raise Forbidden("The platform pays settlements: a platform admin marks them paid.",
                            slug="platform-admins-only")
        row = settlements.mark_paid(carrier.id, settlement_id, data["reference"].strip(), actor=_actor())
        return _detail(row)


def _detail(row) -> SimpleNamespace:
    """The settlement's columns and its status history, for ``SettlementDetailSchema``."""
    return SimpleNamespace(**{c.key: getattr(row, c.key) for c in row.__table__.columns},
                           history=settlements.history(row))
