"""Payout endpoints for the people who pay them, and status checks of disputed receipts.

A carrier admin sees and acts on its carrier's payouts under ``/carriers/{id}/payouts``
(another carrier's answer 404); a platform admin on every payout, also under
``/payouts`` (the platform's own: withdrawals, deleted accounts' wallets, reversals).
Each action is one transaction, committed here.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, Page
from sqlalchemy import func, select

from app.auth.decorators import auth_required, current_user, ensure_carrier_access
from app.catalog.models import Carrier
from app.errors import NotFound
from app.extensions import db, unit_of_work
from app.payouts import disputes, service
from app.payouts.schemas import (
    GiveBackSchema,
    MarkPaidSchema,
    PayoutDetailSchema,
    PayoutQuerySchema,
    PayoutSchema,
    StatusCheckCreateSchema,
    StatusCheckSchema,
)

blp = Blueprint("payouts", __name__, url_prefix="/api/v1",
                description="Payouts to M-Pesa (refunds, withdrawals, reversals) and status checks")

ADMINS = ("carrier_admin", "platform_admin")
STATE_CONFLICT = "Not possible in the payout's state (payout-state), or no API initiator (payouts-manual)"


class _QueryPage(Page):
    """Paginate a SQLAlchemy select: count it, then fetch one page."""

    @property
    def item_count(self):
        return db.session.scalar(select(func.count()).select_from(self.collection.subquery()))

    @property
    def items(self):
        query = self.collection.offset(self.page_params.first_item).limit(self.page_params.page_size)
        return db.session.scalars(query).all()


def _carrier(carrier_id: int) -> int:
    ensure_carrier_access(current_user(), carrier_id)
    if db.session.get(Carrier, carrier_id) is None:
        raise NotFound("No such carrier.")
    return carrier_id


def _committed(work):
    """One action, one transaction (run again, whole, if it lost a race); the payout as committed."""
    payout = unit_of_work(work)
    db.session.refresh(payout)  # a send job may have moved it since (inline jobs)
    return payout


# ---- one carrier's payouts


@blp.route("/carriers/<int:carrier_id>/payouts")
class CarrierPayouts(MethodView):
    @auth_required(*ADMINS)
    @blp.arguments(PayoutQuerySchema, location="query")
    @blp.response(200, PayoutSchema(many=True))
    @blp.paginate(_QueryPage)
    def get(self, args, carrier_id):
        """The carrier's payouts (its refunds to M-Pesa), newest first; ``status=pending``: to pay."""
        return service.payouts_query(current_user(), carrier_id=_carrier(carrier_id), status=args["status"])


@blp.route("/carriers/<int:carrier_id>/payouts/<int:payout_id>")
class CarrierPayout(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, PayoutDetailSchema)
    def get(self, carrier_id, payout_id):
        """One payout, with the number to pay and its history."""
        return service.visible_payout(current_user(), payout_id, _carrier(carrier_id))


@blp.route("/carriers/<int:carrier_id>/payouts/<int:payout_id>/paid")
class CarrierPayoutPaid(MethodView):
    @auth_required(*ADMINS)
    @blp.arguments(MarkPaidSchema)
    @blp.response(200, PayoutDetailSchema)
    @blp.alt_response(409, description=STATE_CONFLICT)
    def post(self, data, carrier_id, payout_id):
        """Mark it paid by hand, from the carrier's own M-Pesa, with the payment's reference."""
        carrier_id = _carrier(carrier_id)
        return _committed(lambda: service.mark_paid(current_user(), payout_id, data["reference"], carrier_id=carrier_id))


@blp.route("/carriers/<int:carrier_id>/payouts/<int:payout_id>/retry")
class CarrierPayoutRetry(MethodView):
    @auth_required(*ADMINS)
    @blp.response(202, PayoutDetailSchema)
    @blp.alt_response(409, description=STATE_CONFLICT)
    def post(self, carrier_id, payout_id):
        """Send a failed payout to M-Pesa again (a new attempt)."""
        carrier_id = _carrier(carrier_id)
        return _committed(lambda: service.retry(current_user(), payout_id, carrier_id=carrier_id))


@blp.route("/carriers/<int:carrier_id>/payouts/<int:payout_id>/return")
class CarrierPayoutReturn(MethodView):
    @auth_required(*ADMINS)
    @blp.arguments(GiveBackSchema)
    @blp.response(200, PayoutDetailSchema)
    @blp.alt_response(409, description=STATE_CONFLICT)
    def post(self, data, carrier_id, payout_id):
        """Give a pending or failed payout back to the passenger's wallet instead."""
        carrier_id = _carrier(carrier_id)
        return _committed(lambda: service.give_back(current_user(), payout_id, data["reason"], carrier_id=carrier_id))


# ---- every payout (platform admins)


@blp.route("/payouts")
class Payouts(MethodView):
    @auth_required("platform_admin")
    @blp.arguments(PayoutQuerySchema, location="query")
    @blp.response(200, PayoutSchema(many=True))
    @blp.paginate(_QueryPage)
    def get(self, args):
        """Every payout, newest first (``carrier_id``: one carrier's; ``status=pending``: to pay)."""
        return service.payouts_query(current_user(), carrier_id=args["carrier_id"], status=args["status"])


@blp.route("/payouts/<int:payout_id>")
class PayoutOne(MethodView):
    @auth_required("platform_admin")
    @blp.response(200, PayoutDetailSchema)
    def get(self, payout_id):
        return service.visible_payout(current_user(), payout_id)


@blp.route("/payouts/<int:payout_id>/paid")
class PayoutPaid(MethodView):
    @auth_required("platform_admin")
    @blp.arguments(MarkPaidSchema)
    @blp.response(200, PayoutDetailSchema)
    @blp.alt_response(409, description=STATE_CONFLICT)
    def post(self, data, payout_id):
        """Mark it paid by hand, from the platform's M-Pesa, with the payment's reference."""
        return _committed(lambda: service.mark_paid(current_user(), payout_id, data["reference"]))


@blp.route("/payouts/<int:payout_id>/retry")
class PayoutRetry(MethodView):
    @auth_required("platform_admin")
    @blp.response(202, PayoutDetailSchema)
    @blp.alt_response(409, description=STATE_CONFLICT)
    def post(self, payout_id):
        """Send a failed payout to M-Pesa again (a new attempt)."""
        return _committed(lambda: service.retry(current_user(), payout_id))


@blp.route("/payouts/<int:payout_id>/return")
class PayoutReturn(MethodView):
    @auth_required("platform_admin")
    @blp.arguments(GiveBackSchema)
    @blp.response(200, PayoutDetailSchema)
    @blp.alt_response(409, description=STATE_CONFLICT)
    def post(self, data, payout_id):
        """Give a pending or failed payout back to the passenger's wallet instead."""
        return _committed(lambda: service.give_back(current_user(), payout_id, data["reason"]))


# ---- status checks of disputed receipts


@blp.route("/status-checks")
class StatusChecks(MethodView):
    @auth_required(*ADMINS)
    @blp.arguments(StatusCheckCreateSchema)
    @blp.response(202, StatusCheckSchema)
    @blp.alt_response(404, description="No payment of your carrier with this receipt")
    @blp.alt_response(409, description="No Daraja API initiator (status-check-unavailable)")
    def post(self, data):
        """Ask M-Pesa how a receipt a passenger disputes went; read the answer with GET."""
        check = unit_of_work(lambda: disputes.ask_about_receipt(current_user(), data["receipt"]))
        db.session.refresh(check)
        return check


@blp.route("/status-checks/<int:check_id>")
class StatusCheckOne(MethodView):
    @auth_required(*ADMINS)
    @blp.response(200, StatusCheckSchema)
    def get(self, check_id):
        return disputes.visible_check(current_user(), check_id)
