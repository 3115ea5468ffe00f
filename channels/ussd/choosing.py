"""USSD, buying a ticket: from where, to where, which day, which trip, how many, which class.

Each handler turns a keypad choice into one ``app.sales`` call (offers, destinations, the
passenger limit, seats left, holding the seats) and the result into the next screen; the
screens themselves are listed in ``channels.ussd.menus``. Paying for the seats held here
is ``channels.ussd.paying``.
"""
from __future__ import annotations

from datetime import date, timedelta

from app.errors import Unprocessable
from app.messaging import amount_only
from app.sales.common import FARE_CLASSES, MAX_PASSENGERS, Money, check_passenger_count, default_fare_class
from app.sales.offers import destinations_from, search_offers
from app.sales.orders import check_seats_left, hold_seats
from app.sales.places import fold_place as fold
from app.sales.places import match_cities, popular_cities, today_at
from channels.i18n import short_date, t
from channels.ussd.screens import Go, Stay, clip

CITY_WIDTH = 11  # a city inside a sentence; lists show up to LABEL_WIDTH
POPULAR = 6
MATCHES = 8


# --- from, to, day ----------------------------------------------------------------------

def cities(ctx, exclude: str | None = None) -> list[tuple[str, str]]:
    """The busiest cities to leave from (the first list of "Buy ticket")."""
    found = [c for c in popular_cities(POPULAR + 1) if not exclude or fold(c) != fold(exclude)]
    return [(c, c) for c in found[:POPULAR]]


def destinations(ctx, limit: int = POPULAR) -> list[tuple[str, str]]:
    """Cities with a sellable trip from the chosen origin soon (never a place with no trip)."""
    return [(c, c) for c in destinations_from(ctx.data["origin"], limit)]


def pick_origin(ctx, city):
    ctx.data["origin"] = city
    return Go("buy_destination")


def pick_destination(ctx, city):
    ctx.data["destination"] = city
    return Go("buy_day")


def search_origin(ctx, text: str):
    """Typed letters on "From where?": any city starting with them."""
    matches = match_cities(text, MATCHES)
    if not matches:
        return Stay(ctx.t("no_city"))
    if len(matches) == 1:
        return pick_origin(ctx, matches[0])
    ctx.data["matches"] = matches
    return Go("pick_origin")


def search_destination(ctx, text: str):
    """Typed letters on "Where to?": only cities served from the origin are matched."""
    key = fold(text)
    matches = [city for city, _ in destinations(ctx, limit=100) if key and fold(city).startswith(key)]
    if not matches:
        known = [c for c in match_cities(text, MATCHES) if fold(c) != fold(ctx.data["origin"])]
        return Stay(ctx.t("no_route" if known else "no_city"))
    if len(matches) == 1:
        return pick_destination(ctx, matches[0])
    ctx.data["matches"] = matches[:MATCHES]
    return Go("pick_destination")


def origin_params(ctx) -> dict:
    return {"origin": clip(ctx.data["origin"], CITY_WIDTH)}


def route_params(ctx) -> dict:
    """The chosen cities, cut to fit a sentence."""
    return {"origin": clip(ctx.data["origin"], CITY_WIDTH), "destination": clip(ctx.data["destination"], CITY_WIDTH)}


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


def choose_day(ctx, value: str):
    """1 today, 2 tomorrow, or DDMM (local to the origin): the trips on offer that day."""
    day = _parse_day(value, today_at(ctx.data["origin"]))
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


# --- trip, count, class -----------------------------------------------------------------

def day_label(ctx) -> str:
    return short_date(date.fromisoformat(ctx.data["day"]), ctx.lang)


def _currencies(ctx) -> list[str]:
    return sorted({offer["currency"] for offer in ctx.data.get("offers", [])})


def trip_items(ctx):
    """``08:00 Coast Express 1,500 (10)``: the title says what the price and (10) mean."""
    single = len(_currencies(ctx)) == 1
    items = []
    for index, offer in enumerate(ctx.data.get("offers", [])):
        # The default class, decided by app.sales (a session stored before it existed: same rule).
        price = offer["prices"][offer.get("fare_class") or default_fare_class(offer["prices"])]
        shown = (amount_only(price, offer["currency"], ctx.lang) if single
                 else Money(price, offer["currency"]).text(ctx.lang))
        label = ctx.t("trip_line", time=offer["time"], carrier=clip(offer["carrier"], 14),
                      price=shown, seats=offer["seats"])
        items.append((label, index))
    return items


def trip_params(ctx):
    """The currency is named once, in the title (two carriers in two currencies: both)."""
    return {"day": day_label(ctx), "currency": "/".join(_currencies(ctx))}


def offer(ctx) -> dict:
    """The trip picked from the list."""
    return ctx.data["offers"][ctx.data["offer"]]


def pick_trip(ctx, index):
    ctx.data["offer"] = index
    if offer(ctx)["seats"] < 1:
        return Stay(t("error:sold-out", ctx.lang))
    return Go("buy_count")


def count_params(ctx) -> dict:
    """The one limit of every channel (seats are checked live when they are held)."""
    return {"max": MAX_PASSENGERS}


def choose_count(ctx, value: str):
    try:
        ctx.data["count"] = check_passenger_count(int(value) if value.isdigit() else 0)
    except Unprocessable:  # the screen already says 1-max
        return Stay(ctx.t("invalid"))
    chosen = offer(ctx)
    check_seats_left(chosen["trip_id"], ctx.data["count"], origin_stop_id=chosen["origin_stop_id"],
                     destination_stop_id=chosen["destination_stop_id"])  # now, on the leg, not the list's figure
    classes = [c for c in FARE_CLASSES if c in offer(ctx)["prices"]]
    if len(classes) == 1:
        return create_order(ctx, classes[0])
    return Go("buy_class")


def class_items(ctx):
    """The default class first (its price is the one the trip list showed), then the others."""
    chosen = offer(ctx)
    default = chosen.get("fare_class") or default_fare_class(chosen["prices"])
    classes = [default] + [c for c in FARE_CLASSES if c in chosen["prices"] and c != default]
    return [(f"{ctx.t('class_' + c)} {Money(chosen['prices'][c], chosen['currency']).text(ctx.lang)}", c)
            for c in classes]


def create_order(ctx, fare_class: str):
    """Hold the seats (a ``pending_payment`` order), then the pay screen."""
    chosen = offer(ctx)
    order = hold_seats(
        ctx.ensure_user(), trip_id=chosen["trip_id"], origin_stop_id=chosen["origin_stop_id"],
        destination_stop_id=chosen["destination_stop_id"], passengers=ctx.data["count"], fare_class=fare_class,
        channel="ussd",
    )
    ctx.data["order_id"] = order.id
    ctx.data["fare_class"] = fare_class
    return Go("buy_pay")
