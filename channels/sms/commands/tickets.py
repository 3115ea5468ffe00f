"""TICKETS, HISTORY, RESEND and CANCEL (with its YES): the passenger's own tickets only.

A ticket is named by its short code (``ABCDE-FGHIJ``, typed with or without the dash).
Lists stay within one SMS: active tickets up to ``MAX_LISTED``, past trips up to
``MAX_HISTORY`` (newest first), each line ``code route date time seat``.
"""
from __future__ import annotations

from sqlalchemy import select

from app.core.money import format_money
from app.core.timeutil import to_local
from app.extensions import db
from channels.i18n import short_date
from channels.sms.commands.parse import Inbound
from channels.sms.commands.pending import set_pending, take_pending

MAX_LISTED = 5  # existing behaviour of TICKETS (may take two SMS with five tickets)
MAX_HISTORY = 3  # 3 lines of at most 43 characters and the title: one SMS


def _ticket_line(ticket, lang: str) -> str:
    from app.booking.pricing import departure_at_stop
    from tickets.shortcode import format_short_code

    order = ticket.order
    local = to_local(departure_at_stop(ticket.trip, order.origin_stop_id), order.origin.timezone)
    return (f"{format_short_code(ticket.short_code)} {order.origin.code}-{order.destination.code} "
            f"{short_date(local.date(), lang)} {local:%H:%M} #{ticket.seat}")


def tickets(msg: Inbound, args: list[str]) -> str:
    """The active tickets, soonest first."""
    from app.booking.service import list_tickets

    active = list_tickets(msg.user)
    if not active:
        return msg.t("no_tickets")
    return "\n".join([msg.t("tickets_title")] + [_ticket_line(ticket, msg.lang) for ticket in active[:MAX_LISTED]])


def history(msg: Inbound, args: list[str]) -> str:
    """Past trips (used, cancelled, refunded, expired), newest first, each with what became of it."""
    from app.booking.service import list_tickets

    past = list_tickets(msg.user, scope="history")
    if not past:
        return msg.t("sms_no_history")
    lines = [msg.t("sms_history_title")]
    for ticket in past[:MAX_HISTORY]:
        status = "expired" if ticket.status == "valid" else ticket.status  # valid but past its window
        lines.append(f"{_ticket_line(ticket, msg.lang)} {msg.t('sms_ticket_' + status)}")
    return "\n".join(lines)


def _own_valid_ticket(msg: Inbound, args: list[str]):
    from app.ticketing.models import Ticket
    from tickets.shortcode import normalize_short_code

    code = normalize_short_code("".join(args))
    return db.session.scalar(
        select(Ticket).where(Ticket.short_code == code, Ticket.user_id == msg.user.id, Ticket.status == "valid")
    )


def resend(msg: Inbound, args: list[str]) -> str:
    """The ticket SMS again (a lost or deleted message): the reply is the ticket itself."""
    from app.booking.service import list_tickets
    from app.ticketing.issuing import ticket_sms_text

    if not args:
        active = list_tickets(msg.user)
        if len(active) != 1:  # none, or which one?
            return msg.t("sms_resend_usage")
        return ticket_sms_text(active[0], msg.lang)
    ticket = _own_valid_ticket(msg, args)
    if ticket is None:
        return msg.t("sms_no_such_ticket", code=" ".join(args)[:14])
    return ticket_sms_text(ticket, msg.lang)


def cancel(msg: Inbound, args: list[str]) -> str:
    """The refund quote first; YES within ``PENDING_MINUTES`` cancels."""
    from app.booking.cancellation import quote_cancellation
    from tickets.shortcode import format_short_code

    if not args:
        return msg.t("sms_cancel_usage")
    ticket = _own_valid_ticket(msg, args)
    if ticket is None:
        return msg.t("sms_no_such_ticket", code=" ".join(args)[:14])
    quote = quote_cancellation(ticket.order, [ticket.id])
    set_pending(msg.phone, "cancel", {"ticket_id": ticket.id, "order_id": ticket.order_id})
    return msg.t("sms_cancel_quote", code=format_short_code(ticket.short_code),
                 amount=format_money(quote.amount, quote.currency), percent=quote.percent)


def confirm(msg: Inbound, args: list[str]) -> str:
    """YES to the last quote: cancel, refund to the wallet, and say the refund actually made."""
    from app.booking.cancellation import cancel_tickets
    from app.ticketing.models import Ticket
    from tickets.shortcode import format_short_code

    pending = take_pending(msg.phone, "cancel")
    if pending is None:
        return msg.t("sms_nothing_pending")
    ticket = db.session.get(Ticket, pending["ticket_id"])
    code = format_short_code(ticket.short_code)
    currency = ticket.order.currency
    refund = cancel_tickets(msg.user, pending["order_id"], [pending["ticket_id"]], refund_to="wallet")
    return msg.t("cancelled", code=code, amount=format_money(refund.amount if refund else 0, currency))
