"""Every USSD screen, as data, with the small handlers that call the domain services.

Handlers translate a keypad choice into one service call (catalog, booking, payments,
wallet) and the result into the next screen; rules (prices, refunds, seat limits) stay
in the services. Domain errors (``ApiError``) are caught by the engine and shown as a
short localized line on the same screen.
"""
from __future__ import annotations

from datetime import date, timedelta

from app.catalog.models import FARE_CLASSES, fold
from app.core.money import MINOR_UNITS, format_money
from app.core.timeutil import to_local
from app.database import utcnow
from app.extensions import db
from channels.i18n import LANGUAGE_NAMES, LANGUAGES, short_date, t
from channels.ussd.screens import End, Go, Menu, Picker, Prompt, Stay, clip

CITY_WIDTH = 11  # a city inside a sentence; lists show up to LABEL_WIDTH
POPULAR = 6
MATCHES = 8


def _amount(amount: int, currency: str) -> str:
    """``1,500`` (the currency is said once in the screen's title)."""
    return format_money(amount, currency).split(" ", 1)[1]


def _when(moment) -> tuple[date, str]:
    return moment.date(), moment.strftime("%H:%M")


# --- language ---------------------------------------------------------------------------

def _set_language(ctx, language: str):
    from app.accounts.service import update_profile

    update_profile(ctx.ensure_user(), {"language": language})  # commits
    ctx.state["lang"] = language
    return Go("home")


def _language_choice(language: str):
    return lambda ctx: _set_language(ctx, language)


# --- buy: from, to, day ---------------------------------------------------------------

def _cities(ctx, exclude: str | None = None) -> list[tuple[str, str]]:
    from app.catalog.service import popular_cities

    cities = [c for c in popular_cities(POPULAR + 1) if not exclude or fold(c) != fold(exclude)]
    return [(c, c) for c in cities[:POPULAR]]


def _destinations(ctx, limit: int = POPULAR) -> list[tuple[str, str]]:
    """Cities with a sellable trip from the chosen origin soon (never a place with no trip)."""
    from app.catalog.service import destinations_from

    return [(c, c) for c in destinations_from(ctx.data["origin"], limit)]


def _pick_origin(ctx, city):
    ctx.data["origin"] = city
    return Go("buy_destination")


def _pick_destination(ctx, city):
    ctx.data["destination"] = city
    return Go("buy_day")


def _search(ctx, text: str, exclude: str | None, pick, picker: str):
    from app.catalog.service import match_cities

    matches = [c for c in match_cities(text, MATCHES) if not exclude or fold(c) != fold(exclude)]
    if not matches:
        return Stay(ctx.t("no_city"))
    if len(matches) == 1:
        return pick(ctx, matches[0])
    ctx.data["matches"] = matches
    return Go(picker)


def _search_destination(ctx, text: str):
    """Typed letters on "Where to?": only cities served from the origin are matched."""
    from app.catalog.service import match_cities

    key = fold(text)
    matches = [city for city, _ in _destinations(ctx, limit=100) if key and fold(city).startswith(key)]
    if not matches:
        known = [c for c in match_cities(text, MATCHES) if fold(c) != fold(ctx.data["origin"])]
        return Stay(ctx.t("no_route" if known else "no_city"))
    if len(matches) == 1:
        return _pick_destination(ctx, matches[0])
    ctx.data["matches"] = matches[:MATCHES]
    return Go("pick_destination")


def _origin_zone(ctx) -> str:
    from app.catalog.service import resolve_stop

    return resolve_stop(ctx.data["origin"])[0].timezone


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
    from app.catalog.service import search_trips

    today = to_local(utcnow(), _origin_zone(ctx)).date()
    day = _parse_day(value, today)
    if day is None:
        return Stay(ctx.t("bad_date"))
    offers = search_trips(ctx.data["origin"], ctx.data["destination"], day)
    ctx.data["day"] = day.isoformat()
    ctx.data["offers"] = [
        {
            "trip_id": o.trip.id, "origin_stop_id": o.origin_stop.id,
            "destination_stop_id": o.destination_stop.id, "time": o.departure_local.strftime("%H:%M"),
            "carrier": o.carrier_name, "seats": o.seats_left, "prices": o.prices, "currency": o.currency,
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
        price = offer["prices"].get("standard") or min(offer["prices"].values())
        shown = _amount(price, offer["currency"]) if single else format_money(price, offer["currency"])
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
    from app.booking.service import MAX_PASSENGERS

    return max(1, min(_offer(ctx)["seats"], MAX_PASSENGERS))


def _choose_count(ctx, value: str):
    if not value.isdigit() or not 1 <= int(value) <= _max_count(ctx):
        return Stay(ctx.t("invalid"))
    ctx.data["count"] = int(value)
    classes = [c for c in FARE_CLASSES if c in _offer(ctx)["prices"]]
    if len(classes) == 1:
        return _create_order(ctx, classes[0])
    return Go("buy_class")


def _class_items(ctx):
    offer = _offer(ctx)
    return [
        (f"{ctx.t('class_' + c)} {format_money(offer['prices'][c], offer['currency'])}", c)
        for c in FARE_CLASSES if c in offer["prices"]
    ]


# --- buy: order and payment -------------------------------------------------------------

def _create_order(ctx, fare_class: str):
    from app.booking.service import create_order

    offer = _offer(ctx)
    user = ctx.ensure_user()
    order = create_order(
        user, trip_id=offer["trip_id"], origin_stop_id=offer["origin_stop_id"],
        destination_stop_id=offer["destination_stop_id"],
        passengers=[{"fare_class": fare_class, "seat": None, "name": None} for _ in range(ctx.data["count"])],
        channel="ussd",
    )
    ctx.data["order_id"] = order.id
    ctx.data["fare_class"] = fare_class
    return Go("buy_pay")


def _order(ctx):
    from app.booking.models import Order

    return db.session.get(Order, ctx.data["order_id"])


def _confirm_params(ctx):
    order = _order(ctx)
    offer = _offer(ctx)
    return {
        "origin": clip(ctx.data["origin"], CITY_WIDTH), "destination": clip(ctx.data["destination"], CITY_WIDTH),
        "when": f"{_day_label(ctx)} {offer['time']}", "count": ctx.data["count"],
        "fare_class": ctx.t("class_" + ctx.data["fare_class"]),
        "total": format_money(order.total_amount, order.currency),
    }


def _pay(method: str):
    def action(ctx):
        from app.payments.service import start_payment

        payment = start_payment(_order(ctx), method, phone=ctx.phone)
        if payment.status == "failed":
            return Stay(ctx.t("payment_failed", reason=payment.message or payment.failure_reason or ""))
        return End(ctx.t(f"paid_{method}"))

    return action


def _cancel_order(ctx):
    from app.booking.service import release_order

    release_order(ctx.ensure_user(), ctx.data["order_id"])
    return Go("home")


# --- my tickets, cancel -----------------------------------------------------------------

def _ticket_view(ticket, lang: str) -> dict:
    from app.booking.pricing import departure_at_stop
    from tickets.shortcode import format_short_code

    order = ticket.order
    local = to_local(departure_at_stop(ticket.trip, order.origin_stop_id), order.origin.timezone)
    return {
        "code": format_short_code(ticket.short_code), "route": f"{order.origin.code}-{order.destination.code}",
        "when": f"{short_date(local.date(), lang)} {local.strftime('%H:%M')}", "seat": ticket.seat or "-",
    }


def _tickets(ctx) -> list:
    from app.booking.service import list_tickets

    return [] if ctx.user is None else list_tickets(ctx.user)


def _ticket_items(ctx):
    """``Seat 3 NBO-ELD 07 Dec 08:00``: the seat first, so two tickets of one trip differ."""
    return [(ctx.t("ticket_line", **_ticket_view(ticket, ctx.lang)), ticket.id) for ticket in _tickets(ctx)]


def _my_ticket(ctx):
    """The chosen ticket, only if it is still the caller's (never trust stored ids blindly)."""
    from app.ticketing.models import Ticket

    ticket = db.session.get(Ticket, ctx.data.get("ticket_id"))
    if ticket is None or ctx.user is None or ticket.user_id != ctx.user.id:
        from app.errors import NotFound

        raise NotFound("No such ticket.", slug="ticket-not-found")
    return ticket


def _pick_ticket(screen: str):
    def action(ctx, ticket_id):
        ctx.data["ticket_id"] = ticket_id
        return Go(screen)

    return action


def _resend(ctx):
    from app.messaging.service import queue_sms
    from app.ticketing.issuing import ticket_sms_text

    ticket = _my_ticket(ctx)
    queue_sms(ctx.user.phone, ticket_sms_text(ticket, ctx.lang), "ticket", user_id=ctx.user.id)
    db.session.commit()
    return End(ctx.t("ticket_resent", code=_ticket_view(ticket, ctx.lang)["code"]))


def _load_quote(ctx):
    from app.booking.cancellation import quote_cancellation

    ticket = _my_ticket(ctx)
    quote = quote_cancellation(ticket.order, [ticket.id])
    ctx.data["quote"] = {
        "code": _ticket_view(ticket, ctx.lang)["code"], "amount": format_money(quote.amount, quote.currency),
        "percent": quote.percent,
    }


def _do_cancel(ctx):
    from app.booking.cancellation import cancel_tickets

    ticket = _my_ticket(ctx)
    refund = cancel_tickets(ctx.user, ticket.order_id, [ticket.id], refund_to="wallet")
    amount = format_money(refund.amount, refund.currency) if refund is not None else ctx.data["quote"]["amount"]
    return End(ctx.t("cancelled", code=ctx.data["quote"]["code"], amount=amount))


# --- wallet -----------------------------------------------------------------------------

def _load_balance(ctx):
    from app.wallet.service import get_wallet, wallet_currency

    wallet = get_wallet(ctx.user.id, create=False) if ctx.user else None
    currency = wallet.currency if wallet else wallet_currency()
    ctx.data["balance"] = format_money(wallet.balance if wallet else 0, currency)
    ctx.data["currency"] = currency


def _topup(ctx, value: str):
    from app.payments.service import start_topup

    if not value.isdigit() or int(value) == 0:
        return Stay(ctx.t("invalid"))
    currency = ctx.data.get("currency", "KES")
    amount = int(value) * 10 ** MINOR_UNITS.get(currency, 2)
    payment = start_topup(ctx.ensure_user(), amount, phone=ctx.phone)
    if payment.status == "failed":
        return Stay(ctx.t("payment_failed", reason=payment.message or ""))
    return End(ctx.t("topup_started", amount=format_money(amount, currency)))


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
    Picker("tickets", "tickets_title", items=_ticket_items, on_pick=_pick_ticket("ticket"), empty="no_tickets"),
    Menu("ticket", "ticket_detail", params=lambda ctx: _ticket_view(_my_ticket(ctx), ctx.lang),
         choices={"1": _resend}),
    Picker("cancel", "cancel_title", items=_ticket_items, on_pick=_pick_ticket("cancel_confirm"),
           empty="no_tickets"),
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
