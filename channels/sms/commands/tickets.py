"""TICKETS, HISTORY, RESEND and CANCEL (with its YES): the passenger's own tickets only.

A ticket is named by its short code (``ABCDE-FGHIJ``, typed with or without the dash).
Which tickets are active, cancellable and what a cancellation refunds are ``app.sales``'
answers (the same as the API's and USSD's). Lists stay within one SMS: past trips up to
``MAX_HISTORY`` (newest first); active tickets as many as fit, soonest first, then "+N
more"; each line ``code route date time seat``.
"""
from __future__ import annotations

from app.errors import NotFound
from app.sales.cancelling import cancel as cancel_tickets, cancellation_quote
from app.sales.tickets import active_tickets, find_ticket_by_code, resend_ticket, trip_history
from channels.i18n import SMS_SEGMENT, short_date
from channels.sms.commands.parse import Inbound
from channels.sms.commands.pending import set_pending, take_pending

MAX_HISTORY = 3  # the most recent; fewer when long stop codes or words would need a second SMS


def _ticket_line(view, lang: str) -> str:
    """``ABCDE-FGHIJ NBO-NKR 07 Dec 08:00 #3`` from a ``TicketView``."""
    when = view.departure_local
    return (f"{view.code} {view.origin_code}-{view.destination_code} "
            f"{short_date(when.date(), lang)} {when:%H:%M} #{view.seat}")


def tickets(msg: Inbound, args: list[str]) -> str:
    """The active tickets, soonest first."""
    active = active_tickets(msg.user)
    if not active:
        return msg.t("no_tickets")
    lines = [msg.t("tickets_title")]
    for index, view in enumerate(active):
        line, left_after = _ticket_line(view, msg.lang), len(active) - index - 1
        tail = [msg.t("sms_more_tickets", count=left_after)] if left_after else []
        if index and len("\n".join(lines + [line] + tail)) > SMS_SEGMENT:
            # one SMS: the soonest tickets, and how many more (CANCEL/RESEND take any code)
            return "\n".join(lines + [msg.t("sms_more_tickets", count=len(active) - index)])
        lines.append(line)
    return "\n".join(lines)


def history(msg: Inbound, args: list[str]) -> str:
    """Past trips (used, cancelled, refunded, expired), newest first, each with what became of it."""
    past = trip_history(msg.user)
    if not past:
        return msg.t("sms_no_history")
    lines = [msg.t("sms_history_title")]
    for index, view in enumerate(past[:MAX_HISTORY]):
        status = "expired" if view.status == "valid" else view.status  # valid but past its window
        line = f"{_ticket_line(view, msg.lang)} {msg.t('sms_ticket_' + status)}"
        if index and len("\n".join(lines + [line])) > SMS_SEGMENT:
            break  # one SMS: the most recent that fit
        lines.append(line)
    return "\n".join(lines)


def _own_active_ticket(msg: Inbound, args: list[str]):
    """The sender's active ticket named by ``args`` (a ``TicketView``), else None."""
    try:
        view = find_ticket_by_code(msg.user, "".join(args))
    except NotFound:
        return None
    return view if view.active else None


def resend(msg: Inbound, args: list[str]) -> str | None:
    """The ticket SMS again (a lost or deleted message). Sales sends it: no other reply."""
    if not args:
        active = active_tickets(msg.user)
        if len(active) != 1:  # none, or which one?
            return msg.t("sms_resend_usage")
        view = active[0]
    else:
        view = _own_active_ticket(msg, args)
        if view is None:
            return msg.t("sms_no_such_ticket", code=" ".join(args)[:14])
    resend_ticket(msg.user, view.id, msg.lang)
    return None


def cancel(msg: Inbound, args: list[str]) -> str:
    """The refund quote first; YES within ``PENDING_MINUTES`` cancels."""
    if not args:
        return msg.t("sms_cancel_usage")
    view = _own_active_ticket(msg, args)
    if view is None:
        return msg.t("sms_no_such_ticket", code=" ".join(args)[:14])
    quote = cancellation_quote(msg.user, ticket_ids=[view.id], as_cancel=True)  # refused here when cancel would be
    set_pending(msg.phone, "cancel", {"ticket_id": view.id})
    key = "sms_cancel_quote_mpesa" if quote.refund_to == "mpesa" else "sms_cancel_quote"
    return msg.t(key, code=view.code, amount=msg.money(quote.refund), percent=quote.percent)


def confirm(msg: Inbound, args: list[str]) -> str:
    """YES to the last quote: cancel, refund the way the money came (as quoted), and say the
    refund actually made and where it went."""
    pending = take_pending(msg.phone, "cancel")
    if pending is None:
        return msg.t("sms_nothing_pending")
    result = cancel_tickets(msg.user, ticket_ids=[pending["ticket_id"]])
    key = "cancelled_mpesa" if result.refund_to == "mpesa" else "cancelled"
    return msg.t(key, code=result.tickets[0].code, amount=msg.money(result.refund))
