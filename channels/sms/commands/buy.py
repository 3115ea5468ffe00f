"""BUY and the reply to its list: search, choose a trip by number, hold seats and start paying.

``BUY FROM TO (DDMM) (N) (CLASS) (METHOD)``: the count, the fare class and the payment
method may come in any order at the end (``BUY NAIROBI NAKURU 2 STUDENT``,
``ACHETER NAIROBI NAKURU PORTEFEUILLE ETUDIANT``). Offers, the passenger-count rule and the
default class (without a class word) are ``app.sales``' answers, the same as the API's
and USSD's; this module reads the words and renders the list. A class or method word not
understood is named, with "did you mean" when one is close; a class no listed trip sells
is said so before any list. The method is kept with the pending list: the reply to a list
choice pays that way, refused as ``PAY <code> <method>`` is (wallet too low, phone balance
that cannot make the total: the order stays unpaid, its seats held). Without a method word
the choice starts the passenger's usual method and says how to pay each other way.
"""
from __future__ import annotations

from datetime import date, timedelta

from app.errors import ApiError
from app.sales.common import MAX_PASSENGERS, check_passenger_count
from app.sales.offers import search_offers
from app.sales.orders import hold_seats
from app.sales.places import Places, place_index, today_at
from channels.i18n import SMS_SEGMENT, short_date
from channels.sms.commands.parse import CLASS_SHOWN, CLASS_WORDS, Inbound, join_method_words, read_choice, read_method
from channels.sms.commands.pay import start_and_reply
from channels.sms.commands.pending import set_pending, take_pending
from channels.sms.commands.places import (
    DATE,
    TODAY_WORDS,
    TOMORROW_WORDS,
    PlaceNotUnderstood,
    parse_day,
    split_places,
)

MAX_OFFERS = 4
DAY_WORDS = {word: word for word in TODAY_WORDS | TOMORROW_WORDS}  # near misses of these are days


def _read_words(args: list[str]):
    """``(place words, count, fare class, method, day word)`` from the words after BUY (None: not given)."""
    args = join_method_words(args)
    words = [part for word in args for part in (word.split("-") if not DATE.match(word) else [word]) if part]
    count, fare_class, method = 1, None, None
    for _ in range(3):  # "2 STUDENT WALLET", "WALLET 2", "STUDENT 2"...
        if words and words[-1].isdigit() and len(words[-1]) <= 2 and count == 1:
            count = int(words.pop())
        elif len(words) > 2 and fare_class is None and (choice := read_choice(words[-1], CLASS_WORDS)).value:
            fare_class = choice.value
            words.pop()
        elif len(words) > 2 and method is None and (way := read_method(words[-1])).value:
            method = way.value
            words.pop()
    day_word = None
    if len(words) > 2 and parse_day(words[-1], date(2000, 1, 1)):
        day_word = words.pop()
    elif len(words) > 2 and (near := read_choice(words[-1], DAY_WORDS).value):  # "TOMOROW"
        words.pop()
        day_word = near
    return words, count, fare_class, method, day_word


def _class_not_understood(msg: Inbound, words: list[str], places: Places) -> str | None:
    """When the places read without the last word, that word was meant as a class or a method: say so."""
    if len(words) < 3:
        return None
    rest = words[:-1]
    if len(rest) > 2 and rest[-1].isdigit() and len(rest[-1]) <= 2:  # "... 2 VIP"
        rest = rest[:-1]
    try:
        split_places(rest, places)
    except PlaceNotUnderstood:
        return None
    word, choice = words[-1], read_choice(words[-1], CLASS_WORDS)
    day = read_choice(word, DAY_WORDS).suggestion  # "TOMOR": a day, not a class
    if day and not choice.suggestion:
        return msg.t("sms_did_you_mean", word=word[:20], suggestion=day)
    way = read_method(word).suggestion  # "WALLIT": a way to pay
    if way and not choice.suggestion:
        return msg.t("sms_did_you_mean", word=word[:20], suggestion=msg.method_word(way))
    if choice.suggestion:
        return msg.t("sms_did_you_mean_class", word=word[:20], suggestion=msg.class_word(choice.suggestion))
    shown = CLASS_SHOWN[msg.lang]
    return msg.t("sms_unknown_class", word=word[:20], classes=", ".join(shown.values()), example=shown["student"])


def buy(msg: Inbound, args: list[str]) -> str:
    """Up to ``MAX_OFFERS`` trips with seats for everyone (as many as fit one SMS); a number replied buys one."""
    words, count, fare_class, method, day_word = _read_words(args)
    if len(words) < 2:
        return msg.t("sms_buy_usage")
    try:
        check_passenger_count(count)  # before any search: no list that is then refused
    except ApiError:
        return msg.t("sms_passenger_range", max=MAX_PASSENGERS)
    places = place_index()  # one query: every split below is read against it
    try:
        origin, destination = split_places(words, places)
    except PlaceNotUnderstood as unknown:
        class_reply = _class_not_understood(msg, words, places)
        if class_reply:
            return class_reply
        if unknown.suggestion:
            return msg.t("sms_did_you_mean_place", place=unknown.word[:30], suggestion=unknown.suggestion[:30])
        return msg.t("sms_unknown_place", place=unknown.word[:30])
    today = today_at(origin)
    days = [parse_day(day_word, today)] if day_word else [today, today + timedelta(days=1)]
    without_class = False
    for day in days:  # no date given: today, else tomorrow (evening buyers travel next morning)
        offers = search_offers(origin, destination, day, passengers=count)
        without_class = without_class or bool(offers)
        offers = [o for o in offers if fare_class is None or fare_class in o.prices][:MAX_OFFERS]
        if offers:
            break
    names = {"origin": origin.title()[:15], "destination": destination.title()[:15], "day": short_date(day, msg.lang)}
    if not offers and fare_class and without_class:
        return msg.t("sms_class_not_sold", fare_class=msg.class_word(fare_class), **names)
    if not offers:
        return msg.t("sms_no_trips", **names)
    if fare_class:
        lines = [msg.t("sms_offers_head_class", count=count, fare_class=msg.class_word(fare_class), **names)]
    else:
        lines = [msg.t("sms_offers_head", count=count, **names)]
    choices = []
    for number, offer in enumerate(offers, 1):
        price = offer.total(count, fare_class)  # without a class word: the offer's default class
        line = f"{number} {offer.departure_local:%H:%M} {offer.carrier_name[:14]} {msg.money(price)}"
        if number > 1 and len("\n".join(lines + [line])) > SMS_SEGMENT:
            break  # one SMS: the soonest trips that fit (the first one always)
        lines.append(line)
        choices.append({"trip_id": offer.trip_id, "origin_stop_id": offer.origin_stop_id,
                        "destination_stop_id": offer.destination_stop_id, "fare_class": fare_class or offer.fare_class})
    set_pending(msg.phone, "buy", {"choices": choices, "count": count, "method": method})
    return "\n".join(lines)


def choose(msg: Inbound, args: list[str]) -> str:
    """A bare number: the trip picked from the last BUY list; seats are held and payment starts.

    The method named in BUY is used as ``PAY <code> <method>`` would be (no switch to
    M-Pesa); without one, the passenger's usual method.
    """
    number = int(args[0])
    pending = take_pending(msg.phone, "buy", take_if=lambda data: 1 <= number <= len(data["choices"]))
    if pending is None:
        return msg.t("sms_nothing_pending")
    if not 1 <= number <= len(pending["choices"]):  # a slip of the thumb: the list stays
        return msg.t("sms_choose_range", last=len(pending["choices"]))
    choice = pending["choices"][number - 1]
    order = hold_seats(msg.user, trip_id=choice["trip_id"], origin_stop_id=choice["origin_stop_id"],
                       destination_stop_id=choice["destination_stop_id"], passengers=pending["count"],
                       fare_class=choice["fare_class"], channel="sms")
    if pending.get("method"):
        return start_and_reply(msg, order, pending["method"], fallback=False)
    return start_and_reply(msg, order, msg.user.preferred_payment or "mpesa")
