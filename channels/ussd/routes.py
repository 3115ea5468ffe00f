"""``POST /channels/ussd`` and ``/channels/ussd/events``: Africa's Talking's USSD callbacks.

The gateway ends the session on anything but a 200 ``text/plain`` answer starting with
``CON `` or ``END ``, so every path here (missing fields, unknown phone, a rate limit, a
bug) answers one of those. Rate limits count per phone number, because every request
comes from the gateway's own address.
"""
from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request
from redis import RedisError
from sqlalchemy import select

from app.auth.models import User
from app.core.phone import InvalidPhone, mask_phone, normalize_phone
from app.extensions import db, limit_key, spend
from channels.i18n import t
from channels.security import answer_bad_input, require_channel_token
from channels.ussd import engine
from channels.ussd.store import get_store

log = logging.getLogger(__name__)

blp = Blueprint("ussd", __name__, url_prefix="/channels/ussd")

DEFAULT_RATE_LIMIT = "30 per minute"
MAX_TEXT = 1000  # a whole session's input history; anything longer is not a person typing


def _plain(body: str) -> Response:
    return Response(body, status=200, mimetype="text/plain")


# Input the shared guards refuse (a NUL in a field...) ends the session politely, as
# any other malformed request does; /events just acknowledges.
answer_bad_input(blp, lambda error: _plain(
    "OK" if request.path.endswith("/events") else "END " + t("error_generic", "en")))


def _phone() -> str | None:
    try:
        return normalize_phone(request.form.get("phoneNumber", ""), current_app.config.get("DEFAULT_COUNTRY", "KE"))
    except InvalidPhone:
        return None


def _over_limit(phone: str) -> bool:
    """Count this request against the phone's budget (the limiter's storage: Redis when
    configured, else memory; keyed by an HMAC of the number; Redis away: counted in memory)."""
    limits = current_app.config.get("USSD_RATE_LIMIT", DEFAULT_RATE_LIMIT)
    return spend((limits, limit_key("ussd", phone))) is not None


def _language_of(phone: str) -> str:
    return db.session.scalar(select(User.language).where(User.phone == phone)) or "en"


@blp.post("")
@require_channel_token
def ussd():
    session_id = (request.form.get("sessionId") or "").strip()[:100]
    phone = _phone()
    text = request.form.get("text")
    if not session_id or phone is None or text is None or len(text) > MAX_TEXT:
        log.warning("ussd callback refused: malformed (session %r)", session_id[:20])
        return _plain("END " + t("error_generic", "en"))
    if _over_limit(phone):
        log.info("ussd rate limit hit by %s", mask_phone(phone))
        return _plain("END " + t("rate_limited", _language_of(phone)))
    try:
        reply = engine.answer(get_store(), session_id=session_id, phone=phone, text=text)
    except RedisError as exc:  # the session state is out of reach: end politely, try again later
        db.session.rollback()
        log.warning("ussd step for %s ended: session store unreachable (%s)", mask_phone(phone), type(exc).__name__)
        reply = "END " + t("error_generic", _language_of(phone))
    except Exception:
        db.session.rollback()
        log.exception("ussd step failed for %s", mask_phone(phone))
        reply = "END " + t("error_generic", "en")
    return _plain(reply)


@blp.post("/events")
@require_channel_token
def events():
    """End-of-session notification: remember an ``Incomplete`` session for 5 minutes."""
    session_id = (request.form.get("sessionId") or "").strip()[:100]
    phone = _phone()
    status = request.form.get("status") or ""
    if session_id and phone:
        try:
            engine.session_ended(get_store(), session_id=session_id, phone=phone, status=status)
        except RedisError as exc:  # nothing to resume then: the passenger starts again
            log.warning("ussd end-of-session for %s not kept: session store unreachable (%s)",
                        mask_phone(phone), type(exc).__name__)
        except Exception:
            db.session.rollback()
            log.exception("ussd end-of-session notification failed for %s", mask_phone(phone))
    return _plain("OK")
