"""USSD, the passenger's tickets: list them, send one again, cancel one for its refund.

Which tickets are active, which can be cancelled and what the refund is are
``app.sales`` answers (the same as the app's and SMS's); this module renders them.
"""
from __future__ import annotations

from app.sales.cancelling import cancel, cancellable_tickets, cancellation_quote
from app.sales.tickets import active_tickets, get_ticket, resend_ticket
from channels.i18n import short_date
from channels.ussd.screens import End, Go


def ticket_view(view, lang: str) -> dict:
    """A ``app.sales.tickets.TicketView`` as the screens' values."""
    local = view.departure_local
    return {
        "code": view.code, "route": f"{view.origin_code}-{view.destination_code}",
        "when": f"{short_date(local.date(), lang)} {local.strftime('%H:%M')}", "seat": view.seat,
    }


def tickets(ctx) -> list:
    return [] if ctx.user is None else active_tickets(ctx.user)


def cancellable(ctx) -> list:
    return [] if ctx.user is None else cancellable_tickets(ctx.user)


def ticket_items(ctx, views=None):
    """``Seat 3 NBO-ELD 07 Dec 08:00``: the seat first, so two tickets of one trip differ."""
    views = tickets(ctx) if views is None else views
    return [(ctx.t("ticket_line", **ticket_view(view, ctx.lang)), view.id) for view in views]


def cancellable_items(ctx):
    return ticket_items(ctx, cancellable(ctx))


def my_ticket(ctx):
    """The chosen ticket, only if it is still the caller's (never trust stored ids blindly)."""
    return get_ticket(ctx.user, ctx.data.get("ticket_id"))


def ticket_params(ctx) -> dict:
    return ticket_view(my_ticket(ctx), ctx.lang)


def pick_ticket(screen: str):
    def action(ctx, ticket_id):
        ctx.data["ticket_id"] = ticket_id
        return Go(screen)

    return action


def resend(ctx):
    view = resend_ticket(ctx.user, ctx.data.get("ticket_id"), ctx.lang)
    return End(ctx.t("ticket_resent", code=view.code))


def load_quote(ctx):
    quote = cancellation_quote(ctx.user, ticket_ids=[ctx.data.get("ticket_id")], as_cancel=True)
    ctx.data["quote"] = {"code": quote.tickets[0].code, "amount": quote.refund.text(ctx.lang), "percent": quote.percent,
                         "refund_to": quote.refund_to}


def quote_text(ctx) -> str:
    """The quote says where the refund goes: back to the M-Pesa that paid, or the wallet."""
    return "cancel_quote_mpesa" if (ctx.data.get("quote") or {}).get("refund_to") == "mpesa" else "cancel_quote"


def do_cancel(ctx):
    done = cancel(ctx.user, ticket_ids=[ctx.data.get("ticket_id")])  # the way the money came, as quoted
    key = "cancelled_mpesa" if done.refund_to == "mpesa" else "cancelled"
    return End(ctx.t(key, code=done.tickets[0].code, amount=done.refund.text(ctx.lang)))  # the refund really made
