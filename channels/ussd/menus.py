"""Every USSD screen, in the order a passenger meets them: the menu as data.

Why one table: ``channels.ussd.engine`` walks it (numbers, paging, back, main menu) and a
test renders every screen in every language with worst-case values. The handlers are
small and live by what they do: ``choosing`` (from, to, day, trip, count, class, holding
the seats), ``paying`` (the pay screens, an unpaid order on dialling back, top-ups) and
``tickets`` (my tickets, resend, cancel); the language and "continue where you left off"
are here. Rules (prices, the default fare class, passenger limits, which ticket can be
cancelled, refunds) stay in ``app.sales``, so USSD answers what the app and SMS answer.
Domain errors (``ApiError``) are caught by the engine and shown as a short localized
line on the same screen.
"""
from __future__ import annotations

from app.sales.profile import set_language
from channels.i18n import LANGUAGE_NAMES, LANGUAGES
from channels.ussd import choosing, paying, tickets
from channels.ussd.screens import End, Go, Menu, Picker, Prompt


# --- language ---------------------------------------------------------------------------

def _set_language(ctx, language: str):
    set_language(ctx.ensure_user(), language)  # commits
    ctx.state["lang"] = language
    return Go("home")


def _language_choice(language: str):
    return lambda ctx: _set_language(ctx, language)


# --- resume -----------------------------------------------------------------------------

def _resume_yes(ctx):
    snapshot = ctx.data.get("resume") or {}
    if not snapshot.get("screen") or snapshot["screen"] not in SCREENS:
        return Go("home")
    for key in ("screen", "stack", "page", "items", "data", "lang"):
        ctx.state[key] = snapshot.get(key) or ({} if key == "data" else [] if key in ("stack", "items") else snapshot.get(key))
    return Go(snapshot["screen"], push=False, enter=False)


def _resume_no(ctx):
    ctx.data.pop("resume", None)
    return Go("home") if ctx.user is not None else Go("lang_first", push=False)


# --- the screens ------------------------------------------------------------------------

def _matches(ctx):
    return [(c, c) for c in ctx.data.get("matches", [])]


_SCREEN_LIST = [
    Picker("lang_first", "choose_language", back=False, resumable=False,
           items=lambda ctx: [(LANGUAGE_NAMES[code], code) for code in LANGUAGES], on_pick=_set_language),
    Menu("resume", "resume", back=False, resumable=False, choices={"1": _resume_yes, "2": _resume_no}),
    Menu("home", "home", back=False, resumable=False,
         choices={"1": "buy_origin", "2": "tickets", "3": "cancel", "4": "wallet", "5": "language"}),
    # Buying: choosing.
    Picker("buy_origin", "ask_origin", items=lambda ctx: choosing.cities(ctx), on_pick=choosing.pick_origin,
           on_text=choosing.search_origin),
    Picker("pick_origin", "pick_city", items=_matches, on_pick=choosing.pick_origin),
    Picker("buy_destination", "ask_destination",
           params=choosing.origin_params,
           items=lambda ctx: choosing.destinations(ctx), on_pick=choosing.pick_destination,
           on_text=choosing.search_destination, empty="no_destinations"),
    Picker("pick_destination", "pick_city", items=_matches, on_pick=choosing.pick_destination),
    Prompt("buy_day", "ask_day", on_input=choosing.choose_day, params=choosing.route_params),
    Picker("buy_trip", "ask_trip", params=choosing.trip_params, items=choosing.trip_items,
           on_pick=choosing.pick_trip, empty="no_trips"),
    Prompt("buy_count", "ask_count", params=choosing.count_params, on_input=choosing.choose_count),
    Picker("buy_class", "ask_class", items=choosing.class_items, on_pick=choosing.create_order),
    # Buying: paying (0 gives the seats back).
    Menu("buy_pay", "confirm", params=paying.confirm_params, back=False,
         choices={**paying.PAY_KEYS, "0": paying.cancel_order}),
    # Dialling back with an unpaid order whose payment failed (channels.ussd.engine): first
    # which order, with no key that pays; then the same methods as above, 0 back to the order.
    Menu("unpaid", "unpaid_order", params=paying.unpaid_params, back=False, resumable=False,
         choices={"1": "pay_unpaid", "2": "home"}),
    Menu("pay_unpaid", "pay_unpaid", params=paying.pay_unpaid_params, resumable=False, choices=paying.PAY_KEYS),
    # My tickets, cancel.
    Picker("tickets", "tickets_title", items=tickets.ticket_items, on_pick=tickets.pick_ticket("ticket"),
           empty="no_tickets"),
    Menu("ticket", "ticket_detail", params=tickets.ticket_params, choices={"1": tickets.resend}),
    Picker("cancel", "cancel_title", items=tickets.cancellable_items, on_pick=tickets.pick_ticket("cancel_confirm"),
           empty="no_tickets"),
    Menu("cancel_confirm", tickets.quote_text, on_enter=tickets.load_quote,
         params=lambda ctx: {k: v for k, v in ctx.data["quote"].items() if k != "refund_to"},
         choices={"1": tickets.do_cancel}),
    # Wallet, language.
    Menu("wallet", "wallet", on_enter=paying.load_balance, params=lambda ctx: {"balance": ctx.data["balance"]},
         choices={"1": "topup", "2": "withdraw"}),
    Prompt("topup", "ask_topup", params=lambda ctx: {"currency": ctx.data.get("currency", "KES")},
           on_input=paying.topup),
    # Withdraw to one's own M-Pesa: the amount, then a confirmation naming the fee.
    Prompt("withdraw", "ask_withdraw", params=paying.withdraw_params, on_input=paying.ask_withdraw),
    Menu("withdraw_confirm", "withdraw_confirm", params=paying.withdraw_confirm_params, resumable=False,
         choices={"1": paying.withdraw}),
    Menu("language", "language_help", choices={
        "1": _language_choice("en"), "2": _language_choice("fr"), "3": _language_choice("sw"),
        "4": lambda ctx: End(ctx.t("help_ussd")),
    }),
]
SCREENS = {screen.name: screen for screen in _SCREEN_LIST}
