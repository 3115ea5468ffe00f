"""Every USSD screen, as data, with the small handlers that call the sales use cases.

Handlers translate a keypad choice into one ``app.sales`` call and the result into the
next screen; rules (prices, the default fare class, passenger limits, which ticket can be
cancelled, refunds) stay there, so USSD answers what the app and SMS answer. Domain errors (``ApiError``) are caught by the engine and shown as a
short localized line on the same screen.
"""
from __future__ import annotations

from datetime import date, timedelta

from app.errors import Unprocessable
from app.messaging import amount_only
from app.sales.cancelling import cancel, cancellable_tickets, quote_to_cancel
from app.sales.common import (
    FARE_CLASSES,
    MAX_PASSENGERS,
    Money,
    check_passenger_count,
    default_fare_class,
)
from app.sales.offers import destinations_from, search_offers
from app.sales.orders import check_seats_left, get_order, hold_seats, release
from app.sales.paying import pay_order
from app.sales.places import fold_place as fold, match_cities, popular_cities, today_at
from app.sales.profile import set_language
from app.sales.tickets import active_tickets, get_ticket, resend_ticket
from app.sales.wallet import top_up, wallet_balance
from channels.i18n import LANGUAGE_NAMES, LANGUAGES, short_date, t
from channels.ussd.screens import End, Go, Menu, Picker, Prompt, Stay, clip

CITY_WIDTH = 11  # a city inside a sentence; lists show up to LABEL_WIDTH
POPULAR = 6
MATCHES = 8


def _amount(amount: int, currency: str, language: str) -> str:
    """``1,600`` / ``1 600``: the currency is said once in the screen's title."""
    return amount_only(amount, currency, language)


def _when(moment) -> tuple[date, str]:
    return moment.date(), moment.strftime("%H:%M")


# --- language ---------------------------------------------------------------------------

def _set_language(ctx, language: str):
    set_language(ctx.ensure_user(), language)  # commits
    ctx.state["lang"] = language
    return Go("home")


def _language_choice(language: str):
    return lambda ctx: _set_language(ctx, language)


# --- buy: from, to, day ---------------------------------------------------------------

def _cities(ctx, exclude: str | None = None) -> list[tuple[str, str]]:
    cities = [c for c in popular_cities(POPULAR + 1) if not exclude or fold(c) != fold(exclude)]
    return [(c, c) for c in cities[:POPULAR]]


def _destinations(ctx, limit: int = POPULAR) -> list[tuple[str, str]]:
    """Cities with a sellable trip from the chosen origin soon (never a place with no trip)."""
    return [(c, c) for c in destinations_from(ctx.data["origin"], limit)]


def _pick_origin(ctx, city):
    ctx.data["origin"] = city
    return Go("buy_destination")


def _pick_destination(ctx, city):
    ctx.data["destination"] = city
    return Go("buy_day")


def _search(ctx, text: str, exclude: str | None, pick, picker: str):
    matches = [c for c in match_cities(text, MATCHES) if not exclude or fold(c) != fold(exclude)]
    if not matches:
        return Stay(ctx.t("no_city"))
    if len(matches) == 1:
        return pick(ctx, matches[0])
    ctx.data["matches"] = matches
    return Go(picker)


def _search_destination(ctx, text: str):
    """Typed letters on "Where to?": only cities served from the origin are matched."""
    key = fold(text)
    matches = [city for city, _ in _destinations(ctx, limit=100) if key and fold(city).startswith(key)]
    if not matches:
        known = [c for c in match_cities(text, MATCHES) if fold(c) != fold(ctx.data["origin"])]
        return Stay(ctx.t("no_route" if known else "no_city"))
    if len(matches) == 1:
        return _pick_destination(ctx, matches[0])
    ctx.data["matches"] = matches[:MATCHES]
    return Go("pick_destination")


def _parse_day(value: str, today: date) -> date | None:
    if value == "1":
        return today
    if value == "2":
        return today + timedelta(days=1)
    if len(value) == 4 and value.isdigit():
        try:
            day = date(today.year, int(value[2:]), int(value[:2]))
        except ValueError:
            return None
        return day if day >= today else day.replace(year=today.year + 1)
    return None


def _choose_day(ctx, value: str):
    today = today_at(ctx.data["origin"])
    day = _parse_day(value, today)
    if day is None:
        return Stay(ctx.t("bad_date"))
    offers = search_offers(ctx.data["origin"], ctx.data["destination"], day)
    ctx.data["day"] = day.isoformat()
    ctx.data["offers"] = [
        {
            "trip_id": o.trip_id, "origin_stop_id": o.origin_stop_id,
            "destination_stop_id": o.destination_stop_id, "time": o.departure_local.strftime("%H:%M"),
            "carrier": o.carrier_name, "seats": o.seats_left, "prices": o.prices, "currency": o.currency,
            "fare_class": o.fare_class,
        }
        for o in offers
    ]
    return Go("buy_trip")


def _day_label(ctx) -> str:
    return short_date(date.fromisoformat(ctx.data["day"]), ctx.lang)


def _currencies(ctx) -> list[str]:
    return sorted({offer["currency"] for offer in ctx.data.get("offers", [])})


def _trip_items(ctx):
    """``08:00 Coast Express 1,500 (10)``: the title says what the price and (10) mean."""
    single = len(_currencies(ctx)) == 1
    items = []
    for index, offer in enumerate(ctx.data.get("offers", [])):
        # The default class, decided by app.sales (a session stored before it existed: same rule).
        price = offer["prices"][offer.get("fare_class") or default_fare_class(offer["prices"])]
        shown = (_amount(price, offer["currency"], ctx.lang) if single
                 else Money(price, offer["currency"]).text(ctx.lang))
        label = ctx.t("trip_line", time=offer["time"], carrier=clip(offer["carrier"], 14),
                      price=shown, seats=offer["seats"])
        items.append((label, index))
    return items


def _trip_params(ctx):
    """The currency is named once, in the title (two carriers in two currencies: both)."""
    return {"day": _day_label(ctx), "currency": "/".join(_currencies(ctx))}


def _offer(ctx) -> dict:
    return ctx.data["offers"][ctx.data["offer"]]


def _pick_trip(ctx, index):
    ctx.data["offer"] = index
    if _offer(ctx)["seats"] < 1:
        return Stay(_sold_out(ctx))
    return Go("buy_count")


def _sold_out(ctx) -> str:
    return t("error:sold-out", ctx.lang)


def _max_count(ctx) -> int:
    """The one limit of every channel (seats are checked live when they are held)."""
    return MAX_PASSENGERS


def _choose_count(ctx, value: str):
    try:
        ctx.data["count"] = check_passenger_count(int(value) if value.isdigit() else 0)
    except Unprocessable:  # the screen already says 1-max
        return Stay(ctx.t("invalid"))
    check_seats_left(_offer(ctx)["trip_id"], ctx.data["count"])  # now, not the list's figure
    classes = [c for c in FARE_CLASSES if c in _offer(ctx)["prices"]]
    if len(classes) == 1:
        return _create_order(ctx, classes[0])
    return Go("buy_class")


def _class_items(ctx):
    """The default class first (its price is the one the trip list showed), then the others."""
    offer = _offer(ctx)
    default = offer.get("fare_class") or default_fare_class(offer["prices"])
    classes = [default] + [c for c in FARE_CLASSES if c in offer["prices"] and c != default]
    return [(f"{ctx.t('class_' + c)} {Money(offer['prices'][c], offer['currency']).text(ctx.lang)}", c)
            for c in classes]


# --- buy: order and payment -------------------------------------------------------------

def _create_order(ctx, fare_class: str):
    offer = _offer(ctx)
    order = hold_seats(
        ctx.ensure_user(), trip_id=offer["trip_id"], origin_stop_id=offer["origin_stop_id"],
        destination_stop_id=offer["destination_stop_id"], passengers=ctx.data["count"], fare_class=fare_class,
        channel="ussd",
    )
    ctx.data["order_id"] = order.id
    ctx.data["fare_class"] = fare_class
    return Go("buy_pay")


def _order_view(ctx):
    return get_order(ctx.ensure_user(), ctx.data["order_id"])


def _confirm_params(ctx):
    order = _order_view(ctx)
    offer = _offer(ctx)
    return {
        "origin": clip(ctx.data["origin"], CITY_WIDTH), "destination": clip(ctx.data["destination"], CITY_WIDTH),
        "when": f"{_day_label(ctx)} {offer['time']}", "count": ctx.data["count"],
        "fare_class": ctx.t("class_" + ctx.data["fare_class"]),
        "total": order.total.text(ctx.lang),
    }


def _pay(method: str):
    def action(ctx):
        outcome = pay_order(ctx.ensure_user(), ctx.data["order_id"], method, phone=ctx.phone)
        if outcome.failed:  # the seats stay held: the same menu offers the other methods
            return Stay(ctx.t("payment_failed", reason=outcome.message or ctx.t("error_generic")))
        return End(ctx.t(f"paid_{method}"))

    return action


def _cancel_order(ctx):
    release(ctx.ensure_user(), ctx.data["order_id"])
    return Go("home")


def _retry_params(ctx):
    view = _order_view(ctx)
    return {"code": view.code, "total": view.total.text(ctx.lang)}


# --- my tickets, cancel -----------------------------------------------------------------

def _ticket_view(view, lang: str) -> dict:
    """A ``app.sales.tickets.TicketView`` as the screens' values."""
    local = view.departure_local
    return {
        "code": view.code, "route": f"{view.origin_code}-{view.destination_code}",
        "when": f"{short_date(local.date(), lang)} {local.strftime('%H:%M')}", "seat": view.seat,
    }


def _tickets(ctx) -> list:
    return [] if ctx.user is None else active_tickets(ctx.user)


def _cancellable(ctx) -> list:
    return [] if ctx.user is None else cancellable_tickets(ctx.user)


def _ticket_items(ctx, views=None):
    """``Seat 3 NBO-ELD 07 Dec 08:00``: the seat first, so two tickets of one trip differ."""
    views = _tickets(ctx) if views is None else views
    return [(ctx.t("ticket_line", **_ticket_view(view, ctx.lang)), view.id) for view in views]


def _my_ticket(ctx):
    """The chosen ticket, only if it is still the caller's (never trust stored ids blindly)."""
    return get_ticket(ctx.user, ctx.data.get("ticket_id"))


def _pick_ticket(screen: str):
    def action(ctx, ticket_id):
        ctx.data["ticket_id"] = ticket_id
        return Go(screen)

    return action


def _resend(ctx):
    view = resend_ticket(ctx.user, ctx.data.get("ticket_id"), ctx.lang)
    return End(ctx.t("ticket_resent", code=view.code))


def _load_quote(ctx):
    quote = quote_to_cancel(ctx.user, ctx.data.get("ticket_id"))
    ctx.data["quote"] = {"code": quote.tickets[0].code, "amount": quote.refund.text(ctx.lang), "percent": quote.percent}


def _do_cancel(ctx):
    done = cancel(ctx.user, ticket_ids=[ctx.data.get("ticket_id")], refund_to="wallet")
    return End(ctx.t("cancelled", code=done.tickets[0].code, amount=done.refund.text(ctx.lang)))  # the refund really made


# --- wallet -----------------------------------------------------------------------------

def _load_balance(ctx):
    balance = wallet_balance(ctx.user)
    ctx.data["balance"] = balance.text(ctx.lang)
    ctx.data["currency"] = balance.currency


def _topup(ctx, value: str):
    if not value.isdigit() or int(value) == 0:
        return Stay(ctx.t("invalid"))
    outcome = top_up(ctx.ensure_user(), int(value), phone=ctx.phone, major=True)
    if outcome.failed:
        return Stay(ctx.t("payment_failed", reason=outcome.message or ""))
    return End(ctx.t("topup_started", amount=outcome.money.text(ctx.lang)))


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

_SCREEN_LIST = [
    Picker("lang_first", "choose_language", back=False, resumable=False,
           items=lambda ctx: [(LANGUAGE_NAMES[code], code) for code in LANGUAGES], on_pick=_set_language),
    Menu("resume", "resume", back=False, resumable=False, choices={"1": _resume_yes, "2": _resume_no}),
    Menu("home", "home", back=False, resumable=False,
         choices={"1": "buy_origin", "2": "tickets", "3": "cancel", "4": "wallet", "5": "language"}),
    Picker("buy_origin", "ask_origin", items=_cities, on_pick=_pick_origin,
           on_text=lambda ctx, text: _search(ctx, text, None, _pick_origin, "pick_origin")),
    Picker("pick_origin", "pick_city", items=lambda ctx: [(c, c) for c in ctx.data.get("matches", [])],
           on_pick=_pick_origin),
    Picker("buy_destination", "ask_destination",
           params=lambda ctx: {"origin": clip(ctx.data["origin"], CITY_WIDTH)},
           items=lambda ctx: _destinations(ctx), on_pick=_pick_destination, on_text=_search_destination,
           empty="no_destinations"),
    Picker("pick_destination", "pick_city", items=lambda ctx: [(c, c) for c in ctx.data.get("matches", [])],
           on_pick=_pick_destination),
    Prompt("buy_day", "ask_day", on_input=_choose_day,
           params=lambda ctx: {"origin": clip(ctx.data["origin"], CITY_WIDTH),
                               "destination": clip(ctx.data["destination"], CITY_WIDTH)}),
    Picker("buy_trip", "ask_trip", params=_trip_params, items=_trip_items, on_pick=_pick_trip, empty="no_trips"),
    Prompt("buy_count", "ask_count", params=lambda ctx: {"max": _max_count(ctx)}, on_input=_choose_count),
    Picker("buy_class", "ask_class", items=_class_items, on_pick=_create_order),
    Menu("buy_pay", "confirm", params=_confirm_params, back=False,
         choices={"1": _pay("mpesa"), "2": _pay("airtime"), "3": _pay("wallet"), "0": _cancel_order}),
    # Dialing back with an unpaid order whose payment failed (channels.ussd.engine): the seats
    # are still held, so offer the other ways at once.
    Menu("retry_pay", "retry_pay", params=_retry_params, back=False, resumable=False,
         choices={"1": _pay("wallet"), "2": _pay("airtime"), "3": _pay("mpesa"), "0": "home"}),
    Picker("tickets", "tickets_title", items=_ticket_items, on_pick=_pick_ticket("ticket"), empty="no_tickets"),
    Menu("ticket", "ticket_detail", params=lambda ctx: _ticket_view(_my_ticket(ctx), ctx.lang),
         choices={"1": _resend}),
    Picker("cancel", "cancel_title", items=lambda ctx: _ticket_items(ctx, _cancellable(ctx)),
           on_pick=_pick_ticket("cancel_confirm"), empty="no_tickets"),
    Menu("cancel_confirm", "cancel_quote", on_enter=_load_quote, params=lambda ctx: ctx.data["quote"],
         choices={"1": _do_cancel}),
    Menu("wallet", "wallet", on_enter=_load_balance, params=lambda ctx: {"balance": ctx.data["balance"]},
         choices={"1": "topup"}),
    Prompt("topup", "ask_topup", params=lambda ctx: {"currency": ctx.data.get("currency", "KES")},
           on_input=_topup),
    Menu("language", "language_help", choices={
        "1": _language_choice("en"), "2": _language_choice("fr"), "3": _language_choice("sw"),
        "4": lambda ctx: End(ctx.t("help_ussd")),
    }),
]
SCREENS = {screen.name: screen for screen in _SCREEN_LIST}
