"""SMS commands: parse a text into a command, call the domain service, phrase the reply.

Keywords are compared folded (case and accents ignored) in English, French and Swahili;
the reply is in the sender's language (``User.language``), and a new sender who writes
a French or Swahili keyword gets that language. Two-message dialogues (choose a trip by
number, confirm a cancellation with YES) keep their question in ``SmsPending`` for
``PENDING_MINUTES``. Business rules stay in the services; this file only translates.

Texts from feature phones are forgiving-read: trailing punctuation is dropped ("Bal."),
a near-miss keyword or place name is acted on when one candidate is close (difflib ratio
>= ``ACT_RATIO``), and only suggested ("did you mean ...?") when it is less close (>=
``SUGGEST_RATIO``) or when acting would be irreversible (STOP, YES). Two candidates of
different meaning are never guessed between: the sender gets the help text instead.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from app.core.money import MINOR_UNITS, format_money
from app.core.timeutil import to_local
from app.database import utcnow
from app.extensions import db
from channels.i18n import LANGUAGES, fold_keyword, short_date, t
from channels.sms.models import SmsPending

PENDING_MINUTES = 15
MAX_OFFERS = 4
ACT_RATIO = 0.85  # "TICKET", "TIKETS" (0.92 to TICKETS), "NAIROBY" (0.86 to Nairobi)
SUGGEST_RATIO = 0.7  # "HALP" (0.75 to HELP), "NARBI" (0.83 to Nairobi); "HELLO" (0.67) is not
NEVER_GUESSED = {"stop", "yes"}  # opting out and confirming a cancellation must be typed

KEYWORDS: dict[str, dict[str, str]] = {
    # command → {keyword: language it reveals}
    "buy": {"BUY": "en", "ACHETER": "fr", "NUNUA": "sw"},
    "tickets": {"TICKETS": "en", "BILLETS": "fr", "TIKETI": "sw"},
    "cancel": {"CANCEL": "en", "ANNULER": "fr", "GHAIRI": "sw"},
    "balance": {"BAL": "en", "BALANCE": "en", "SOLDE": "fr", "SALIO": "sw"},
    "topup": {"TOPUP": "en", "RECHARGE": "fr", "ONGEZA": "sw"},
    "lang": {"LANG": "en", "LANGUE": "fr", "LUGHA": "sw"},
    "help": {"HELP": "en", "AIDE": "fr", "MSAADA": "sw"},
    "stop": {"STOP": "en"},
    "check": {"CHECK": "en"},
    "yes": {"YES": "en", "OUI": "fr", "NDIYO": "sw", "NDIO": "sw"},
}
_LOOKUP = {word: (command, lang) for command, words in KEYWORDS.items() for word, lang in words.items()}
CURRENCY_WORDS = {"KES", "KSH", "KSHS", "SH", "SHS", "XOF", "CFA", "FCFA", "TZS", "UGX"}
FROM_WORDS = {"FROM", "DE", "DEPUIS", "KUTOKA"}  # before the origin: dropped
TO_WORDS = {"TO", "A", "VERS", "KWENDA", "HADI", "MPAKA"}  # between the two places
TODAY_WORDS = {"TODAY", "AUJOURDHUI", "LEO"}
TOMORROW_WORDS = {"TOMORROW", "DEMAIN", "KESHO"}
_DATE = re.compile(r"^(\d{1,2})[/.-]?(\d{2})$")


@dataclass
class Command:
    name: str  # a KEYWORDS key, "number" (a reply to a list) or "unknown"
    args: list[str]
    language: str | None  # the language the keyword revealed
    word: str = ""  # the keyword as typed (folded), named when it is not understood
    suggestion: str | None = None  # for "unknown": the one keyword it is close to


def close_match(word: str, candidates: dict[str, str]) -> tuple[str | None, float]:
    """The key of ``candidates`` (word → meaning) closest to ``word``, if only one meaning is close.

    Returns ``(key, ratio)``; ``(None, 0)`` when nothing reaches ``SUGGEST_RATIO`` or when
    close keys mean different things ("TOP": STOP or TOPUP?).
    """
    close = difflib.get_close_matches(word, list(candidates), n=5, cutoff=SUGGEST_RATIO)
    if not close or len({candidates[key] for key in close}) > 1:
        return None, 0.0
    return close[0], difflib.SequenceMatcher(None, word, close[0]).ratio()


def parse(text: str) -> Command:
    """``"Acheter Nairobi Nakuru 2"`` → ``Command("buy", ["NAIROBI", "NAKURU", "2"], "fr")``."""
    words = fold_keyword(text).replace("'", "").split()
    if words:
        words[0] = words[0].strip(".,;:!?")
    if not words or not words[0]:
        return Command("unknown", [], None)
    if words[0].isdigit() and len(words) == 1:
        return Command("number", words, None)
    if words[0] in _LOOKUP:
        command, language = _LOOKUP[words[0]]
        return Command(command, words[1:], language, words[0])
    key, ratio = close_match(words[0], {word: command for word, (command, _) in _LOOKUP.items()})
    if key is None:
        return Command("unknown", words[1:], None, words[0])
    command, language = _LOOKUP[key]
    if ratio >= ACT_RATIO and command not in NEVER_GUESSED:
        return Command(command, words[1:], language, words[0])
    return Command("unknown", words[1:], None, words[0], suggestion=key)


@dataclass
class Inbound:
    """One inbound SMS as the handlers need it."""

    phone: str
    user: object  # app.auth.models.User
    link_id: str | None
    message_id: str

    @property
    def lang(self) -> str:
        return self.user.language if self.user.language in LANGUAGES else "en"

    def t(self, key: str, **values) -> str:
        return t(key, self.lang, **values)


# --- pending questions -----------------------------------------------------------------

def _set_pending(phone: str, kind: str, data: dict) -> None:
    row = db.session.scalar(select(SmsPending).where(SmsPending.phone == phone))
    if row is None:
        row = SmsPending(phone=phone)
        db.session.add(row)
    row.kind, row.data = kind, data
    row.expires_at = utcnow() + timedelta(minutes=PENDING_MINUTES)


def _take_pending(phone: str, kind: str, take_if=None) -> dict | None:
    """The pending question's data; the question is removed unless ``take_if(data)`` is false."""
    row = db.session.scalar(select(SmsPending).where(SmsPending.phone == phone).with_for_update())
    if row is None or row.kind != kind or row.expires_at <= utcnow():
        return None
    data = dict(row.data)
    if take_if is None or take_if(data):
        db.session.delete(row)
        db.session.flush()
    return data


# --- BUY --------------------------------------------------------------------------------

class PlaceNotUnderstood(Exception):
    """What to name in the reply: the words not understood and, maybe, the place meant."""

    def __init__(self, word: str, suggestion: str | None = None):
        super().__init__(word)
        self.word, self.suggestion = word, suggestion


def _place_keys() -> dict[str, str]:
    """Folded stop and city names the catalog knows → the name to show (codes are too short to guess)."""
    from app.catalog.models import Stop

    rows = db.session.execute(select(Stop.name_key, Stop.name, Stop.city_key, Stop.city)).all()
    keys = {}
    for name_key, name, city_key, city in rows:
        keys.setdefault(city_key, city)
        keys.setdefault(name_key, name)
    keys.pop("", None)
    return keys


def _place(text: str, keys, fuzzy: bool) -> tuple[str | None, str | None]:
    """``(place to search, None)`` when ``text`` is a place (or, if ``fuzzy``, one near miss of one).

    Otherwise ``(None, name it is less close to)`` or ``(None, None)``.
    """
    from app.catalog.models import fold
    from app.catalog.service import UnknownStop, resolve_stop

    try:
        resolve_stop(text)
        return text, None
    except UnknownStop:
        if not fuzzy:
            return None, None
    names = keys()  # read only when a word is not a place as typed
    key, ratio = close_match(fold(text), {key: key for key in names})
    if key is None:
        return None, None
    return (key, None) if ratio >= ACT_RATIO else (None, fold_keyword(names[key]))


def _split_places(words: list[str]) -> tuple[str, str]:
    """Two places from the words, or ``PlaceNotUnderstood`` naming the part not understood.

    Multi-word names ("KISUMU CITY") are tried at each split, first as typed, then with
    near misses; "FROM A TO B" is read as "A B" too (``buy`` already made "A-B" two words).
    """
    if len(words) > 2 and words[0] in FROM_WORDS:
        words = words[1:]
    cuts = []
    for cut in range(1, len(words)):
        if words[cut] in TO_WORDS and cut + 1 < len(words):
            cuts.append((" ".join(words[:cut]), " ".join(words[cut + 1:])))
        cuts.append((" ".join(words[:cut]), " ".join(words[cut:])))
    loaded: dict[str, str] = {}

    def keys() -> dict[str, str]:
        if not loaded:
            loaded.update(_place_keys())
        return loaded

    for fuzzy in (False, True):
        best = (-1, False, " ".join(words), None)  # (sides understood, has a hint, word to name, hint)
        for origin_text, destination_text in cuts:
            origin, origin_hint = _place(origin_text, keys, fuzzy)
            destination, destination_hint = _place(destination_text, keys, fuzzy)
            if origin and destination:
                return origin, destination
            word, hint = (origin_text, origin_hint) if not origin else (destination_text, destination_hint)
            if not origin and not destination and not origin_hint:
                word, hint = (" ".join(words), None) if not destination_hint else (destination_text, destination_hint)
            best = max(best, (bool(origin) + bool(destination), bool(hint), word, hint),
                       key=lambda option: option[:2])
    raise PlaceNotUnderstood(best[2], best[3])


def _parse_day(word: str, today: date) -> date | None:
    if word in TODAY_WORDS:
        return today
    if word in TOMORROW_WORDS:
        return today + timedelta(days=1)
    match = _DATE.match(word)
    if not match:
        return None
    try:
        day = date(today.year, int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None
    return day if day >= today else day.replace(year=today.year + 1)


def buy(msg: Inbound, args: list[str]) -> str:
    from app.booking.service import MAX_PASSENGERS
    from app.catalog.service import resolve_stop, search_trips

    words = [part for word in args for part in (word.split("-") if not _DATE.match(word) else [word]) if part]
    count = 1
    if words and words[-1].isdigit() and len(words[-1]) <= 2:
        count = int(words.pop())
    day_word = words.pop() if len(words) > 2 and _parse_day(words[-1], date(2000, 1, 1)) else None
    if len(words) < 2:
        return msg.t("sms_buy_usage")
    if not 1 <= count <= MAX_PASSENGERS:  # before any search: no list that is then refused
        return msg.t("sms_passenger_range", max=MAX_PASSENGERS)
    try:
        origin, destination = _split_places(words)
    except PlaceNotUnderstood as unknown:
        if unknown.suggestion:
            return msg.t("sms_did_you_mean_place", place=unknown.word[:30], suggestion=unknown.suggestion[:30])
        return msg.t("sms_unknown_place", place=unknown.word[:30])
    today = to_local(utcnow(), resolve_stop(origin)[0].timezone).date()
    days = [_parse_day(day_word, today)] if day_word else [today, today + timedelta(days=1)]
    for day in days:  # no date given: today, else tomorrow (evening buyers travel next morning)
        offers = [o for o in search_trips(origin, destination, day) if o.seats_left >= count][:MAX_OFFERS]
        if offers:
            break
    names = {"origin": origin.title()[:15], "destination": destination.title()[:15], "day": short_date(day, msg.lang)}
    if not offers:
        return msg.t("sms_no_trips", **names)
    lines = [msg.t("sms_offers_head", count=count, **names)]
    choices = []
    for number, offer in enumerate(offers, 1):
        fare_class = "standard" if "standard" in offer.prices else min(offer.prices, key=offer.prices.get)
        price = format_money(offer.prices[fare_class] * count, offer.currency)
        lines.append(f"{number} {offer.departure_local:%H:%M} {offer.carrier_name[:14]} {price}")
        choices.append({"trip_id": offer.trip.id, "origin_stop_id": offer.origin_stop.id,
                        "destination_stop_id": offer.destination_stop.id, "fare_class": fare_class})
    _set_pending(msg.phone, "buy", {"choices": choices, "count": count})
    return "\n".join(lines)


def choose(msg: Inbound, args: list[str]) -> str:
    """A bare number: the trip picked from the last BUY list; order and payment start."""
    from app.booking.service import create_order
    from app.payments.airtime import AirtimeAmountNotPayable
    from app.payments.service import start_payment

    number = int(args[0])
    pending = _take_pending(msg.phone, "buy", take_if=lambda data: 1 <= number <= len(data["choices"]))
    if pending is None:
        return msg.t("sms_nothing_pending")
    if not 1 <= number <= len(pending["choices"]):  # a slip of the thumb: the list stays
        return msg.t("sms_choose_range", last=len(pending["choices"]))
    choice = pending["choices"][number - 1]
    order = create_order(
        msg.user, trip_id=choice["trip_id"], origin_stop_id=choice["origin_stop_id"],
        destination_stop_id=choice["destination_stop_id"], channel="sms",
        passengers=[{"fare_class": choice["fare_class"], "seat": None, "name": None}] * pending["count"],
    )
    method = msg.user.preferred_payment or "mpesa"
    total = format_money(order.total_amount, order.currency)
    try:
        payment = start_payment(order, method, phone=msg.phone, link_id=msg.link_id if method == "airtime" else None)
    except AirtimeAmountNotPayable:
        # Phone balance can only pay sums of the operator's price points: nothing was sent,
        # so offer M-Pesa at once (the prompt on the phone still asks for consent, the PIN).
        db.session.rollback()
        payment = start_payment(order, "mpesa", phone=msg.phone)
        if payment.status == "failed":
            return msg.t("payment_failed", reason=payment.message or "")
        return msg.t("sms_airtime_to_mpesa", code=order.code, total=total)
    if payment.status == "failed":
        return msg.t("payment_failed", reason=payment.message or "")
    return msg.t(f"sms_order_{method}", code=order.code, total=total)


# --- tickets, cancel ----------------------------------------------------------------------

def _ticket_line(ticket, lang: str) -> str:
    from app.booking.pricing import departure_at_stop
    from tickets.shortcode import format_short_code

    order = ticket.order
    local = to_local(departure_at_stop(ticket.trip, order.origin_stop_id), order.origin.timezone)
    return (f"{format_short_code(ticket.short_code)} {order.origin.code}-{order.destination.code} "
            f"{short_date(local.date(), lang)} {local:%H:%M} #{ticket.seat}")


def tickets(msg: Inbound, args: list[str]) -> str:
    from app.booking.service import list_tickets

    active = list_tickets(msg.user)
    if not active:
        return msg.t("no_tickets")
    return "\n".join([msg.t("tickets_title")] + [_ticket_line(ticket, msg.lang) for ticket in active[:5]])


def cancel(msg: Inbound, args: list[str]) -> str:
    from app.booking.cancellation import quote_cancellation
    from app.ticketing.models import Ticket
    from tickets.shortcode import format_short_code, normalize_short_code

    if not args:
        return msg.t("sms_cancel_usage")
    code = normalize_short_code("".join(args))
    ticket = db.session.scalar(
        select(Ticket).where(Ticket.short_code == code, Ticket.user_id == msg.user.id, Ticket.status == "valid")
    )
    if ticket is None:
        return msg.t("sms_no_such_ticket", code=" ".join(args)[:14])
    quote = quote_cancellation(ticket.order, [ticket.id])
    _set_pending(msg.phone, "cancel", {"ticket_id": ticket.id, "order_id": ticket.order_id})
    return msg.t("sms_cancel_quote", code=format_short_code(code), amount=format_money(quote.amount, quote.currency),
                 percent=quote.percent)


def confirm(msg: Inbound, args: list[str]) -> str:
    from app.booking.cancellation import cancel_tickets
    from app.ticketing.models import Ticket
    from tickets.shortcode import format_short_code

    pending = _take_pending(msg.phone, "cancel")
    if pending is None:
        return msg.t("sms_nothing_pending")
    ticket = db.session.get(Ticket, pending["ticket_id"])
    code = format_short_code(ticket.short_code)
    currency = ticket.order.currency
    refund = cancel_tickets(msg.user, pending["order_id"], [pending["ticket_id"]], refund_to="wallet")
    return msg.t("cancelled", code=code, amount=format_money(refund.amount if refund else 0, currency))


# --- wallet, preferences, help ---------------------------------------------------------------

def balance(msg: Inbound, args: list[str]) -> str:
    from app.wallet.service import get_wallet, wallet_currency

    wallet = get_wallet(msg.user.id, create=False)
    amount, currency = (wallet.balance, wallet.currency) if wallet else (0, wallet_currency())
    return msg.t("sms_balance", balance=format_money(amount, currency))


def topup(msg: Inbound, args: list[str]) -> str:
    from app.payments.service import start_topup
    from app.wallet.service import wallet_currency

    args = [word for word in args if word not in CURRENCY_WORDS]  # "TOPUP KES 200", "TOPUP 200 KSH"
    if len(args) != 1 or not args[0].isdigit():
        return msg.t("sms_topup_usage")
    currency = wallet_currency()
    amount = int(args[0]) * 10 ** MINOR_UNITS.get(currency, 2)
    payment = start_topup(msg.user, amount, phone=msg.phone)
    if payment.status == "failed":
        return msg.t("payment_failed", reason=payment.message or "")
    return msg.t("topup_started", amount=format_money(amount, currency))


def lang(msg: Inbound, args: list[str]) -> str:
    from app.accounts.service import update_profile

    choice = args[0].lower() if args else ""
    if choice not in LANGUAGES:
        return msg.t("sms_lang_usage")
    update_profile(msg.user, {"language": choice})
    return msg.t("sms_lang_set")


def stop(msg: Inbound, args: list[str]) -> str:
    """Marketing opt-out only: tickets and receipts are the service itself and keep coming."""
    msg.user.marketing_opt_out = True
    return msg.t("sms_stopped")


def sms_device_id(user_id: int) -> str:
    """The "device" of scans made by SMS: the account, not its number (scans outlive it)."""
    return f"sms:user-{user_id}"


def check(msg: Inbound, args: list[str]) -> str:
    """A driver or conductor types a passenger's code: valid for my trip? Boards it if so."""
    from app.ticketing.scanning import SCANNER_ROLES, check_ticket

    if msg.user.role not in SCANNER_ROLES:
        return msg.t("sms_not_driver")
    if not args:
        return msg.t("sms_check_usage")
    code = "".join(args)
    outcome = check_ticket(msg.user, trip_id=None, short_code=code, device_id=sms_device_id(msg.user.id),
                           nonce=msg.message_id, source="sms")
    return f"{code[:12]}: {outcome.reason}"


def help_(msg: Inbound, args: list[str]) -> str:
    return msg.t("sms_help")


def not_understood(msg: Inbound, command: Command) -> str:
    """An unknown first word: "did you mean X?" when one keyword is close, else the help text."""
    if command.suggestion:
        return msg.t("sms_did_you_mean", word=command.word[:20], suggestion=command.suggestion)
    return msg.t("sms_help")


HANDLERS = {
    "buy": buy, "number": choose, "tickets": tickets, "cancel": cancel, "yes": confirm,
    "balance": balance, "topup": topup, "lang": lang, "stop": stop, "check": check,
    "help": help_, "unknown": help_,
}
