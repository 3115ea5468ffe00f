"""``POST /channels/sms/inbound``: Africa's Talking's inbound SMS callback.

Each message is recorded under the gateway's ``id`` (unique) and committed *before* it
is acted upon, so a replayed callback (the gateway retries what it thinks failed) finds
the row and does nothing: a ``BUY`` never buys twice. The reply goes out as an SMS after
the commit (``queue_sms``). The answer is 200 for anything parseable; the gateway has no
use for our errors, only the phone does. A number over ``SMS_INBOUND_RATE_LIMIT`` is
acknowledged and ignored (a flood gets no replies), and a text over ``MAX_COMMAND_TEXT``
gets the help reply without being read.

This adapter runs several units of work (``app.extensions.unit_of_work``), on purpose and
in this order: the message row (so that a replay finds it), the sender's account (so that
the sender exists even if the command fails), the command's own use case (``app.sales``
commits its own; a handler never runs inside another unit of work), then the reply.
"""
from __future__ import annotations

import hashlib
import logging

from flask import Blueprint, Response, current_app, request
from sqlalchemy.exc import IntegrityError

from app.core.phone import InvalidPhone, mask_phone, normalize_phone
from app.errors import ApiError
from app.extensions import db, limit_key, spend, unit_of_work
from app.jobs import jobs_held
from app.messaging import CONCATENATED_SEGMENT
from app.messaging.service import queue_sms
from app.sales.callers import AccountInactive, caller_for_phone
from channels.i18n import error_text, t
from channels.security import answer_bad_input, require_channel_token
from channels.sms import commands
from channels.sms.models import InboundSms

log = logging.getLogger(__name__)

blp = Blueprint("sms_inbound", __name__, url_prefix="/channels/sms")

MAX_TEXT = 1600  # the stored copy: ten concatenated SMS; more is not a person
# The longest text read as a command: three concatenated SMS (459 characters). A real
# command fits one; a longer text is answered with the help reply and not parsed, so
# no message can make reading it expensive (BUY + "A " x 800 once held a worker 4-8 s).
MAX_COMMAND_TEXT = 3 * CONCATENATED_SEGMENT


def _ok(body: str = "OK") -> Response:
    return Response(body, status=200, mimetype="text/plain")


# An SMS the shared guards refuse (a NUL or a lone surrogate in a field) is acknowledged
# and ignored, like one without a valid sender.
answer_bad_input(blp, lambda error: _ok("ignored"))


def _gateway_id(form) -> str:
    """AT's message id; without one, a digest of the message stands in for it."""
    given = (form.get("id") or "").strip()
    if given:
        return given[:100]
    raw = "|".join(form.get(k, "") for k in ("from", "to", "date", "text"))
    return "sha256:" + hashlib.sha256(raw.encode()).hexdigest()[:64]


def _record(form, phone: str, text: str) -> InboundSms | None:
    """Insert the message row, its own unit of work; None when this id was seen before."""

    def insert() -> InboundSms:
        row = InboundSms(gateway_id=_gateway_id(form), from_phone=phone, text=text[:MAX_TEXT],
                         link_id=(form.get("linkId") or None))
        db.session.add(row)
        return row

    try:  # one attempt: a duplicate id is a replay, not a race to run again
        return unit_of_work(insert, attempts=1)
    except IntegrityError:
        return None


def _too_long(phone: str) -> Response:
    """The help reply to a text too long to be a command: nothing parsed, nothing else done
    (a new number gets no account), in the language of the account if there is one."""

    def reply() -> None:
        try:
            user = caller_for_phone(phone, create=False)
        except AccountInactive as refused:
            queue_sms(phone, t("account_inactive", refused.language), "reply", user_id=refused.user_id)
        else:
            log.info("SMS from %s not read: over %d characters", mask_phone(phone), MAX_COMMAND_TEXT)
            queue_sms(phone, t("sms_help_commands", user.language if user else None), "reply",
                      user_id=user.id if user else None)

    unit_of_work(reply)
    return _ok()


def _refuse_inactive(phone: str, command_name: str, refused: AccountInactive) -> Response:
    log.info("SMS %s from %s refused: inactive account", command_name, mask_phone(phone))
    unit_of_work(lambda: queue_sms(phone, t("account_inactive", refused.language), "reply",
                                   user_id=refused.user_id))
    return _ok()


@blp.post("/inbound")
@require_channel_token
def inbound():
    form = request.form
    text = form.get("text")
    try:
        phone = normalize_phone(form.get("from", ""), current_app.config.get("DEFAULT_COUNTRY", "KE"))
    except InvalidPhone:
        log.warning("inbound SMS ignored: no valid sender")
        return _ok("ignored")
    if text is None:
        log.warning("inbound SMS from %s ignored: no text", mask_phone(phone))
        return _ok("ignored")
    if spend((current_app.config["SMS_INBOUND_RATE_LIMIT"], limit_key("sms-inbound", phone))) is not None:
        log.info("inbound SMS from %s ignored: over the number's limit", mask_phone(phone))
        return _ok("limited")  # acknowledged (no gateway retry); not stored, read or answered
    row = _record(form, phone, text)
    if row is None:
        log.info("inbound SMS %s from %s is a replay: ignored", _gateway_id(form)[:20], mask_phone(phone))
        return _ok("duplicate")
    if len(text) > MAX_COMMAND_TEXT:
        return _too_long(phone)

    command = commands.parse(text)
    try:  # its own unit of work: the sender exists even if the command below fails
        user = unit_of_work(lambda: caller_for_phone(phone, language=command.language))  # "NUNUA ..." → Swahili
    except AccountInactive as refused:
        return _refuse_inactive(phone, command.name, refused)
    msg = commands.Inbound(phone=phone, user=user, link_id=row.link_id, message_id=row.gateway_id)
    user_id = user.id
    with jobs_held():  # what the command set off (a payment confirming) comes after the reply
        try:
            if command.name == "unknown":
                reply = commands.not_understood(msg, command)
            else:
                reply = commands.HANDLERS[command.name](msg, command.args)
        except ApiError as exc:
            db.session.rollback()
            log.info("SMS %s from %s refused: %s", command.name, mask_phone(phone), exc.slug)
            reply = error_text(exc, msg.lang)
        except Exception:
            db.session.rollback()
            log.exception("SMS %s from %s failed", command.name, mask_phone(phone))
            reply = error_text(RuntimeError(), msg.lang)
        # The reply's unit of work, after the command's: it also commits what the handler
        # left for the conversation (a pending question) and the command's name on the row.
        unit_of_work(lambda: _reply(row, command.name, phone, reply, user_id))
    return _ok()


def _reply(row: InboundSms, command_name: str, phone: str, reply: str | None, user_id: int) -> None:
    row.command = command_name
    if reply:  # None: the handler's answer is already on its way (RESEND sends the ticket itself)
        queue_sms(phone, reply, "reply", user_id=user_id)

