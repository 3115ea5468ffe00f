"""REST endpoints: upload a statement to reconcile it; list and register a carrier's shortcodes.

Views parse and render only; ``importing`` and ``shortcodes`` decide. A carrier's admins see
their own carrier, platform admins every carrier; another carrier's id answers 404, like one
that does not exist (``ensure_carrier_access``).
"""
from __future__ import annotations

from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.decorators import auth_required, current_user, ensure_carrier_access
from app.catalog.models import Carrier
from app.core.input_guard import body_limit
from app.core.money import money
from app.core.timeutil import isoformat
from app.errors import NotFound, Unprocessable
from app.extensions import db
from app.reconciliation.importing import ImportResult, import_statement, masked
from app.reconciliation.schemas import Reconciliation, ShortcodeIn, ShortcodeOut, StatementQuery, StatementUpload
from app.reconciliation.shortcodes import SHORTCODE, carrier_shortcodes, register_shortcode

blp = Blueprint("reconciliation", __name__, url_prefix="/api/v1",
                description="Carriers' M-Pesa statements matched against the payments recorded here")


def _carrier(carrier_id: int) -> Carrier:
    ensure_carrier_access(current_user(), carrier_id)
    carrier = db.session.get(Carrier, carrier_id)
    if carrier is None:
        raise NotFound("No such carrier.")
    return carrier


@blp.route("/carriers/<int:carrier_id>/statements")
class Statements(MethodView):
    @body_limit("STATEMENT_MAX_BYTES")
    @auth_required("carrier_admin", "platform_admin")
    @blp.arguments(StatementQuery, location="query")
    @blp.arguments(StatementUpload, location="files")
    @blp.response(200, Reconciliation)
    @blp.alt_response(409, description="A line of this statement was imported before with another amount, "
                                       "type or time (statement-conflicts); nothing was imported")
    def post(self, query, upload, carrier_id):
        """Reconcile an M-Pesa Org Portal statement (CSV, Paybill or Till layout) of one of the
        carrier's shortcodes.

        Each completed payment line is matched to a payment here by its receipt (Till lines
        without one here: by amount, payer and time, when exactly one payment fits). Lines are
        stored once per receipt: uploading the same file again adds nothing, an overlapping one
        adds only its new lines. A file that cannot be imported whole (not CSV, wrong columns,
        empty, a receipt listed twice, rows in the future, another carrier's shortcode) is
        refused with 422 and changes nothing; over `STATEMENT_MAX_BYTES` it is refused with 413
        before it is read.
        """
        carrier = _carrier(carrier_id)
        data = upload["file"].stream.read()
        result = import_statement(carrier, data, requested_shortcode=query["shortcode"], user_id=current_user().id)
        # Written in the schema's shape by ``answer`` (tests check it against the schema): a
        # month is thousands of lines, and marshmallow would take longer than the matching.
        return jsonify(answer(carrier, result))


@blp.route("/carriers/<int:carrier_id>/shortcodes")
class Shortcodes(MethodView):
    @auth_required("carrier_admin", "platform_admin")
    @blp.response(200, ShortcodeOut(many=True))
    def get(self, carrier_id):
        """The carrier's M-Pesa Paybill and Till numbers (what its statements can be of)."""
        return carrier_shortcodes(_carrier(carrier_id).id)


@blp.route("/carriers/<int:carrier_id>/shortcodes/<shortcode>")
class Shortcode(MethodView):
    @auth_required("platform_admin")
    @blp.arguments(ShortcodeIn)
    @blp.response(200, ShortcodeOut)
    @blp.alt_response(409, description="The shortcode is another carrier's (shortcode-taken), or Pull "
                                       "Transactions was asked for a Till (pull-paybill-only)")
    def put(self, data, carrier_id, shortcode):
        """Register (or change) one of the carrier's shortcodes. Platform admins only: a
        shortcode decides whose money a statement shows."""
        carrier = _carrier(carrier_id)
        if not SHORTCODE.match(shortcode):
            raise Unprocessable("A shortcode is 5 to 8 digits.", slug="invalid-shortcode",
                                errors={"shortcode": ["A shortcode is 5 to 8 digits."]})
        return register_shortcode(carrier.id, shortcode, data)


def answer(carrier: Carrier, result: ImportResult) -> dict:
    """The reconciliation exactly as ``schemas.Reconciliation`` writes it (times ISO 8601, UTC)."""
    currency = result.currency
    rec = result.reconciliation

    def line(row) -> dict:
        return {"receipt": row.receipt, "completed_at": isoformat(row.completed_at),
                "amount": money(row.amount, currency)}

    def matched(m) -> dict:
        return {**line(m.row), "payment_id": m.payment.id, "order_code": m.payment.order_code,
                "payment_status": m.payment.status, "matched_by": m.by}

    def tally(kind: str) -> dict:
        rows = result.by_kind.get(kind, [])
        return {"count": len(rows), "total": money(abs(sum(row.amount for row in rows)), currency)}

    return {
        "carrier_id": carrier.id, "shortcode": result.shortcode.shortcode, "layout": result.layout,
        "period_start": isoformat(result.period[0]), "period_end": isoformat(result.period[1]),
        "lines": {"in_file": len(result.rows), "not_completed": sum(not row.completed for row in result.rows),
                  "added": result.lines_added},
        "matched": [matched(m) for m in rec.matched],
        "unknown_here": [{**line(row), "account_reference": row.account_reference, "payer": masked(row.payer)}
                         for row in rec.unknown_here],
        "missing_from_statement": [
            {"receipt": ref.receipt, "payment_id": ref.id, "order_code": ref.order_code,
             "settled_at": isoformat(ref.settled_at),
             "amount": money(ref.amount, ref.currency)} for ref in rec.missing_from_statement],
        "amount_mismatch": [{**matched(m), "amount_here": money(m.payment.amount, m.payment.currency)}
                            for m in rec.amount_mismatch],
        "charges": tally("charge"), "sweeps": tally("sweep"), "other": tally("other"),
        "match_rate": result.match_rate,
    }
