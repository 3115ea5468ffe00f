"""Africa's Talking delivery reports: POST /channels/sms/delivery (form-encoded).

One report shape serves two purposes: a premium SMS's report is the result of one airtime
charge (``app.payments.airtime.settle_charge``: the payment settles when its last charge
does), and any other
report updates the outbound message row. Idempotent: a replayed report finds everything
already settled and answers 200 again. Intermediate statuses (Sent, Submitted, Buffered)
change nothing.
"""
from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core.phone import mask_phone
from app.extensions import db
from app.messaging.models import OutboundMessage
from app.messaging.states import SMS
from app.payments.airtime import settle_charge
from app.payments.messages import airtime_failure_message
from app.payments.models import Payment
from app.payments.review import park
from app.payments.settlement import settle_failure, settle_success
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
    if settle_charge(message_id, status, reason, source="sms_delivery", raw=report):
        return  # one premium message of an airtime payment
    payment = db.session.scalar(
        select(Payment).where(Payment.provider == "africastalking", Payment.provider_ref == message_id)
    )
    if payment is not None:
        if status in FINAL_OK:
            settle_success(payment.id, amount=payment.amount, currency=payment.currency, receipt=message_id,
                           source="sms_delivery", raw=report)
        elif status in FINAL_FAILED:
            settle_failure(payment.id, code=reason[:20], reason=reason,
                           message=airtime_failure_message(reason), source="sms_delivery")
        return
    message = db.session.scalar(
        select(OutboundMessage).where(OutboundMessage.provider_message_id == message_id).with_for_update()
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
    for attempt in (1, 2):
        try:
            _apply(report)
            db.session.commit()
            break
        except IntegrityError:
            db.session.rollback()
        except Exception:
            db.session.rollback()
            log.exception("delivery report %s could not be processed; parked", report["id"])
            park("sms_delivery", "processing_error", report, provider_ref=report["id"])
            db.session.commit()
            break
    log.info("delivery report %s: %s for %s", report["id"], report["status"],
             mask_phone(report.get("phoneNumber")))
    return _ok()
