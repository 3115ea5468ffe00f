"""``/dev/outbox``: what the SMS outbox holds, for developers and demos."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select

from app.core.phone import InvalidPhone, normalize_phone
from app.errors import ApiError
from app.extensions import db
from app.messaging.models import OutboundMessage

blp = Blueprint("dev", __name__, url_prefix="/dev")


@blp.get("/outbox")
def outbox():
    query = select(OutboundMessage).order_by(OutboundMessage.id.desc()).limit(200)
    to = request.args.get("to")
    if to:
        try:
            phone = normalize_phone(to, current_app.config["DEFAULT_COUNTRY"])
        except InvalidPhone as exc:
            raise ApiError(str(exc), status=400, title="Invalid phone number", slug="invalid-phone") from None
        query = query.where(OutboundMessage.to_phone == phone)
    messages = db.session.scalars(query).all()
    return jsonify(
        [
            {
                "id": m.id,
                "to": m.to_phone,
                "text": m.text,
                "kind": m.kind,
                "created_at": m.created_at.isoformat(),
                "status": m.status,
            }
            for m in messages
        ]
    )
