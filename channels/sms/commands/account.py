"""LANG, STOP, HELP, CHECK (drivers) and the answer to a first word not understood."""
from __future__ import annotations

from app.sales.profile import opt_out, set_language
from app.ticketing.check_reply import check_reply
from app.ticketing.scanning import SCANNER_ROLES, check_ticket
from channels.i18n import LANGUAGES
from channels.sms.commands.parse import Command, Inbound, parse


def lang(msg: Inbound, args: list[str]) -> str:
    """``LANG FR``: every later reply (and ticket SMS) in that language."""
    choice = args[0].lower() if args else ""
    if choice not in LANGUAGES:
        return msg.t("sms_lang_usage")
    set_language(msg.user, choice)
    return msg.t("sms_lang_set")


def stop(msg: Inbound, args: list[str]) -> str:
    """Marketing opt-out only: tickets and receipts are the service itself and keep coming."""
    opt_out(msg.user)
    return msg.t("sms_stopped")


def sms_device_id(user_id: int) -> str:
    """The "device" of scans made by SMS: the account, not its number (scans outlive it)."""
    return f"sms:user-{user_id}"


def check(msg: Inbound, args: list[str]) -> str:
    """A driver or conductor types a passenger's code: valid for my trip? Boards it if so."""
    if msg.user.role not in SCANNER_ROLES:
        return msg.t("sms_not_driver")
    if not args:
        return msg.t("sms_check_usage")
    code = "".join(args)
    outcome = check_ticket(msg.user, trip_id=None, short_code=code, device_id=sms_device_id(msg.user.id),
                           nonce=msg.message_id, source="sms")
    return check_reply(outcome, code, msg.lang)


def help_(msg: Inbound, args: list[str]) -> str:
    """The commands in one SMS; ``HELP BUY`` and ``HELP PAY`` explain the options of those two."""
    topic = parse(" ".join(args[:1])).name if args else None
    if topic in ("buy", "pay"):
        return msg.t(f"sms_help_{topic}")
    return msg.t("sms_help_commands")


def not_understood(msg: Inbound, command: Command) -> str:
    """An unknown first word: "did you mean X?" when one keyword is close, else the help text."""
    if command.suggestion:
        return msg.t("sms_did_you_mean", word=command.word[:20], suggestion=command.suggestion)
    return msg.t("sms_help_commands")
