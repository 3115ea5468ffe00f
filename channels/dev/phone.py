"""``/dev/phone``: a feature-phone simulator for developers and demos (never in production).

It drives the real endpoints from the browser — ``POST /channels/ussd`` as Africa's
Talking would, ``POST /channels/sms/inbound`` for typed SMS — so what a developer sees is
exactly what a passenger would. ``GET /dev/phone/conversation`` is the phone's message
thread: the SMS it sent (inbound SMS rows) and the SMS it received (the outbox), oldest
first like any messaging app.

Decision on time: the thread is shown in Africa/Nairobi time (``PHONE_ZONE``), with the
zone's name. The simulated phone is a Kenyan phone (``DEFAULT_COUNTRY`` KE) and every SMS
text quotes Kenyan local times, so the thread and the texts agree whatever zone the
developer's browser is in. ``at`` keeps the exact instant (ISO 8601 with the offset).
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from sqlalchemy import select

from app.core.phone import InvalidPhone, normalize_phone
from app.core.timeutil import isoformat, to_local
from app.errors import ApiError
from app.extensions import db
from app.messaging.models import OutboundMessage
from channels.sms.models import InboundSms

blp = Blueprint("dev_phone", __name__, url_prefix="/dev", template_folder="templates", static_folder="static",
                static_url_path="/phone-static")

PHONE_ZONE = "Africa/Nairobi"
THREAD_LIMIT = 200  # the latest messages of each direction


@blp.get("/phone")
def phone():
    return render_template(
        "dev/phone.html",
        service_code="*384*1234#",
        token=current_app.config.get("CHANNEL_TOKEN") or "",
        zone=PHONE_ZONE,
    )


def _entry(direction: str, row_id: int, text: str, at, status: str | None) -> dict:
    local = to_local(at, PHONE_ZONE)
    return {
        "direction": direction,  # "sent" by the simulated phone, or "received" by it
        "id": row_id,
        "text": text,
        "at": isoformat(at, PHONE_ZONE),
        "at_local": f"{local:%a %d %b %H:%M} {local.tzname()}",
        "status": status,
    }


def conversation(phone: str) -> list[dict]:
    """Both directions of one phone's SMS, oldest first (a reply never before its request)."""
    sent = db.session.scalars(
        select(InboundSms).where(InboundSms.from_phone == phone)
        .order_by(InboundSms.received_at.desc(), InboundSms.id.desc()).limit(THREAD_LIMIT)
    ).all()
    received = db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.to_phone == phone)
        .order_by(OutboundMessage.created_at.desc(), OutboundMessage.id.desc()).limit(THREAD_LIMIT)
    ).all()
    keyed = [((m.received_at, 0, m.id), _entry("sent", m.id, m.text, m.received_at, None)) for m in sent]
    keyed += [((m.created_at, 1, m.id), _entry("received", m.id, m.text, m.created_at, m.status))
              for m in received]
    return [entry for _, entry in sorted(keyed, key=lambda pair: pair[0])]


@blp.get("/phone/conversation")
def phone_conversation():
    try:
        phone = normalize_phone(request.args.get("phone", ""), current_app.config["DEFAULT_COUNTRY"])
    except InvalidPhone as exc:
        raise ApiError(str(exc), status=400, title="Invalid phone number", slug="invalid-phone") from None
    return jsonify(conversation(phone))
