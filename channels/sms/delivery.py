"""Africa's Talking delivery reports: POST /channels/sms/delivery (form-encoded).

One report shape serves two purposes: a premium SMS's report is about money (one charge
of an airtime payment, which settles when its last charge does: the use case
``app.sales.confirming.premium_sms_report``), and any other report updates the outbound
message row. Each report is one unit of work (a lost race runs again, whole).
Idempotent: a replayed report finds everything already settled and answers 200 again.
Intermediate statuses (Sent, Submitted, Buffered) change nothing.
"""
from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from sqlalchemy import select

from app.core.phone import mask_phone
from app.extensions import db, unit_of_work
from app.messaging.models import OutboundMessage
from app.messaging.states import SMS
from app.payments.review import park
from app.sales.confirming import premium_sms_report
from channels.security import answer_bad_input, require_channel_token

log = logging.getLogger(__name__)

blp = Blueprint("sms_delivery", __name__, url_prefix="/channels/sms")

FINAL_OK = {"Success"}
FINAL_FAILED = {"Failed", "Rejected", "AbsentSubscriber", "Expired"}


def _ok() -> Response:
    return Response("OK", status=200, mimetype="text/plain")


# A report the shared guards refuse (a NUL in a field...) is acknowledged and ignored:
# Africa's Talking would only retry the same bytes.
answer_bad_input(blp, lambda error: Response("ignored", status=200, mimetype="text/plain"))


def _apply(report: dict) -> None:
    message_id, status = report["id"], report["status"]
    reason = report.get("failureReason") or status
    if premium_sms_report(message_id, status, reason, report):
        return  # about money: an airtime charge or a premium payment
    message = db.session.scalar(
        select(OutboundMessage).where(OutboundMessage.provider_message_id == message_id).with_for_update()
        .execution_options(populate_existing=True)
    )
    if message is None:
        park("sms_delivery", "unknown_message", report, provider_ref=message_id)
        return
    if message.status not in ("queued", "sent"):
        return  # already final: a replay
    if status in FINAL_OK:
        SMS.transition(message, "delivered", actor="provider:africastalking", reason=status, locked=True)
    elif status in FINAL_FAILED:
        SMS.transition(message, "failed", actor="provider:africastalking", reason=reason, locked=True)
        message.failure_reason = reason[:80]


@blp.post("/delivery")
@require_channel_token
def delivery_report():
    report = request.form.to_dict()
    if not report.get("id") or not report.get("status"):
        log.warning("delivery report without id/status ignored")
        return Response("Missing id or status", status=400, mimetype="text/plain")
    try:
        unit_of_work(lambda: _apply(report))
    except Exception:
        log.exception("delivery report %s could not be processed; parked", report["id"])
        unit_of_work(lambda: park("sms_delivery", "processing_error", report, provider_ref=report["id"]))
    log.info("delivery report %s: %s for %s", report["id"], report["status"],
             mask_phone(report.get("phoneNumber")))
    return _ok()
