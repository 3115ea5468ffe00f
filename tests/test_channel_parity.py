"""Channel parity: the same journeys through the API, USSD and SMS give the same answers.

Each journey (search, buy two passengers paying each way, list, cancel one ticket, top up,
a failed M-Pesa prompt then the wallet) runs once per channel on the same fresh catalogue
(``build_world``: tables emptied between channels), and the facts each channel tells the
passenger are compared: price, currency, seats left, departure time, order total, ticket
seats and status, refund, wallet balance, what a failed payment offers next. Any
disagreement fails, naming the channel and the fact.

Channel texts are parsed for numbers, not sentences (the wording is the catalogue's and
will change): amounts in either order (``KES 1,600`` or ``1 600 KES``), ``HH:MM`` times,
seat numbers next to the route code. A fact a channel does not show is ``NOT_SHOWN`` and
skipped (SMS lists no seats-left figure, to keep one SMS). The SMS passenger's usual
payment method, which a trip choice starts, is set in the app (``PATCH /me``) for the
wallet and phone-balance rows: SMS has no way to choose it at purchase other than
``PAY <code> <method>`` after an order exists, used in the failed-M-Pesa row.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.money import MINOR_UNITS
from app.database import utcnow
from app.extensions import db
from app.ledger.service import Leg, post, provider_clearing, wallet_account
from app.messaging.models import OutboundMessage
from tests import factories
from tests.channels.scripts.runner import Conversation
from tests.conftest import _empty_all_tables

NOT_SHOWN = object()
PASSENGERS = 2
TOPUP_UNITS = 200
FAILING_PHONE = "+254711990000"  # the sandbox fails M-Pesa prompts to numbers ending 0000
FUNDED = 200_000  # KES 2,000 in the failing passenger's wallet, for the fallback row

_CODES = "|".join(MINOR_UNITS)
_AMOUNT = r"\d{1,3}(?:[,.\u00a0\u202f ]\d{3})*(?:[.,]\d{2})?"
_MONEY = re.compile(
    rf"(?:\b(?P<c1>{_CODES})\s?(?P<a1>{_AMOUNT})(?![\w]))|(?:(?<![\w,.])(?P<a2>{_AMOUNT})\s?(?P<c2>{_CODES})\b)"
)
_TIME = re.compile(r"\b(\d{2}:\d{2})\b")


def minor(text: str, currency: str) -> int:
    """``1,600`` / ``1 600`` / ``1,600.50`` / ``1 600,50`` in ``currency``'s minor units."""
    digits = re.sub(r"[\s\u00a0\u202f]", "", text)
    cents = 0
    exponent = MINOR_UNITS.get(currency, 2)
    decimal = re.search(r"[.,](\d{2})$", digits)
    if decimal and exponent:
        cents, digits = int(decimal.group(1)), digits[: decimal.start()]
    return int(re.sub(r"[.,]", "", digits)) * 10**exponent + cents


def money_in(text: str) -> list[tuple[int, str]]:
    """Every amount with its currency code in ``text``, in order."""
    found = []
    for m in _MONEY.finditer(text):
        currency = m.group("c1") or m.group("c2")
        found.append((minor((m.group("a1") or m.group("a2")).strip(), currency), currency))
    return found


def hhmm(iso: str) -> str:
    return iso[11:16]


# --- the three channels ---------------------------------------------------------------------


class Api:
    name = "api"

    def __init__(self, client, world, user):
        self.client, self.world, self.user = client, world, user
        self.headers = factories.auth_headers(user)
        self.order = None

    def _get(self, url):
        response = self.client.get(url, headers=self.headers)
        assert response.status_code == 200, response.json
        return response.json

    def search(self, day):
        offers = self._get(f"/api/v1/trips/search?origin=Nairobi&destination=Nakuru&date={day.isoformat()}"
                           f"&passengers={PASSENGERS}")
        self.offers = offers
        return [{"time": hhmm(o["departure_at"]), "price": o["price"]["amount"] * PASSENGERS,
                 "currency": o["price"]["currency"], "seats": o["seats_left"]} for o in offers]

    def too_many(self, day, count):
        response = self.client.get(f"/api/v1/trips/search?origin=Nairobi&destination=Nakuru&date={day.isoformat()}"
                                   f"&passengers={count}")
        assert response.status_code == 422, response.json
        order = self.client.post("/api/v1/orders", headers=self.headers, json={
            "trip_id": self.world.trip.id, "origin_stop_id": self.world.nairobi.id,
            "destination_stop_id": self.world.nakuru.id, "passengers": [{}] * count})
        assert order.status_code == 422, order.json
        said = f"{order.json.get('detail')} {order.json.get('errors')}"
        return {"refused": True, "max": max(int(n) for n in re.findall(r"\d+", said) if int(n) < count)}

    def buy(self, day, method):
        self.search(day)
        offer = self.offers[0]
        response = self.client.post("/api/v1/orders", headers=self.headers, json={
            "trip_id": offer["trip_id"], "origin_stop_id": offer["origin"]["id"],
            "destination_stop_id": offer["destination"]["id"], "passengers": [{}] * PASSENGERS})
        assert response.status_code == 201, response.json
        self.order = response.json
        paid = self.client.post(f"/api/v1/orders/{self.order['id']}/payments", headers=self.headers,
                                json={"method": method, "phone": self.user.phone})
        assert paid.status_code == 202, paid.json
        self.payment = paid.json
        return {"total": self.order["total"]["amount"], "currency": self.order["total"]["currency"]}

    def after_failed_payment(self):
        order = self._get(f"/api/v1/orders/{self.order['id']}")
        return {"order_pending": order["status"] == "pending_payment",
                "offers_wallet": "wallet" in order["other_methods"] and "wallet" in self.payment["other_methods"]}

    def pay_again(self, method):
        paid = self.client.post(f"/api/v1/orders/{self.order['id']}/payments", headers=self.headers,
                                json={"method": method})
        assert paid.status_code == 202, paid.json

    def tickets(self):
        return sorted((t["seat"], t["status"], hhmm(t["departure_at"])) for t in self._get("/api/v1/tickets"))

    def cancel_first(self):
        ticket = min(self._get("/api/v1/tickets"), key=lambda t: int(t["seat"]))
        url = f"/api/v1/orders/{ticket['order_id']}"
        quote = self._get(f"{url}/cancellation-quote?ticket_ids={ticket['id']}")
        done = self.client.post(f"{url}/cancel", headers=self.headers, json={"ticket_ids": [ticket["id"]]})
        assert done.status_code == 200, done.json
        history = {t["id"]: t["status"] for t in self._get("/api/v1/tickets?scope=history")}
        return {"quoted": quote["refund"]["amount"], "refunded": done.json["refund"]["amount"],
                "cancelled_seat": ticket["seat"], "cancelled_status": history[ticket["id"]]}

    def balance(self):
        wallet = self._get("/api/v1/wallet")
        return wallet["balance"]["amount"], wallet["balance"]["currency"]

    def top_up(self, units):
        response = self.client.post("/api/v1/wallet/top-ups", headers=self.headers,
                                    json={"amount": {"amount": units * 100, "currency": "KES"}})
        assert response.status_code == 202, response.json


class Ussd:
    name = "ussd"
    METHOD_KEYS = {"mpesa": "1", "airtime": "2", "wallet": "3"}

    def __init__(self, client, world, user):
        self.talk = Conversation(client, user.phone)
        self.world, self.user = world, user

    def _trip_list(self, day):
        self.talk.dial("")
        self.talk.input("1")
        self.talk.input("Nairobi")
        self.talk.input("Nakuru")
        days_ahead = (day - factories.local_departure(0).astimezone(factories.NAIROBI).date()).days
        return self.talk.input("1" if days_ahead == 0 else "2")

    def search(self, day):
        screen = self._trip_list(day)
        currency = re.search(r"\b([A-Z]{3})\b", screen.split("\n")[0].replace("CON ", "")).group(1)
        offers = []
        for line in screen.split("\n")[1:]:
            m = re.match(r"^\d+ (\d{2}:\d{2}) .* (\d[\d,.\u00a0\u202f ]*) \((\d+)\)$", line)
            if m:
                offers.append({"time": m.group(1), "price": minor(m.group(2), currency) * PASSENGERS,
                               "currency": currency, "seats": int(m.group(3))})
        return offers

    def too_many(self, day, count):
        self._trip_list(day)
        asked = self.talk.input("1")
        again = self.talk.input(str(count))
        question = next(line for line in asked[4:].split("\n") if "?" in line)  # "How many...? (1-10)"
        refused = again.startswith("CON ") and question in again and "=" not in again
        return {"refused": refused, "max": max(int(n) for n in re.findall(r"\d+", question))}

    def buy(self, day, method):
        self._trip_list(day)
        self.talk.input("1")  # the first trip
        screen = self.talk.input(str(PASSENGERS))
        if not screen.startswith("CON ") or "=" not in screen:
            screen = self.talk.input("1")  # the class list: the first is the default class (standard)
        amount, currency = money_in(screen.split("=", 1)[1])[0]
        self.last = self.talk.input(self.METHOD_KEYS[method])
        return {"total": amount, "currency": currency}

    def after_failed_payment(self):
        """The passenger hangs up and dials again: the unpaid order is offered another way at once."""
        screen = self.talk.dial("")
        return {"order_pending": bool(money_in(screen)) and "1" in screen,
                "offers_wallet": bool(re.search(r"^(?:CON )?.*\b1\b.*", screen, re.M)) and "M-Pesa" in screen}

    def pay_again(self, method):
        keys = {"wallet": "1", "airtime": "2", "mpesa": "3"}  # the retry screen's order
        assert self.talk.input(keys[method]).startswith("END "), self.talk.answer

    def _ticket_lines(self, item):
        self.talk.dial("")
        screen = self.talk.input(item)
        lines = []
        for line in screen.split("\n"):
            tokens = line.split()
            route = next((i for i, tok in enumerate(tokens) if re.fullmatch(r"[A-Z0-9]{2,5}-[A-Z0-9]{2,5}", tok)), None)
            times = _TIME.findall(line)
            if route and times and tokens[0].isdigit():
                lines.append((tokens[0], tokens[route - 1], times[-1]))
        return lines

    def tickets(self):
        # "My tickets" lists the active tickets: each one shown is valid.
        return sorted((seat, "valid", time) for _, seat, time in self._ticket_lines("2"))

    def cancel_first(self):
        number, seat, _ = min(self._ticket_lines("3"), key=lambda line: int(line[1]))
        quote = self.talk.input(number)
        done = self.talk.input("1")
        assert done.startswith("END "), done
        cancelled_gone = seat not in [s for s, _, _ in self.tickets()]
        return {"quoted": money_in(quote)[0][0], "refunded": money_in(done)[0][0], "cancelled_seat": seat,
                "cancelled_status": "cancelled" if cancelled_gone else "still listed"}

    def balance(self):
        self.talk.dial("")
        return money_in(self.talk.input("4"))[0]

    def top_up(self, units):
        self.talk.dial("")
        self.talk.input("4")
        self.talk.input("1")
        assert self.talk.input(str(units)).startswith("END "), self.talk.answer


class Sms:
    name = "sms"

    def __init__(self, client, world, user):
        self.client, self.world, self.user = client, world, user
        self.talk = Conversation(client, user.phone)

    def send(self, text: str) -> str:
        before = db.session.scalar(select(db.func.max(OutboundMessage.id))) or 0
        self.talk.sms(text)
        db.session.expire_all()
        replies = db.session.scalars(select(OutboundMessage.text).where(
            OutboundMessage.to_phone == self.user.phone, OutboundMessage.kind == "reply",
            OutboundMessage.id > before).order_by(OutboundMessage.id)).all()
        assert replies, f"no reply to {text!r}"
        return replies[-1]

    def search(self, day):
        reply = self.send(f"BUY NAIROBI NAKURU {day:%d%m} {PASSENGERS}")
        offers = []
        for line in reply.split("\n"):
            m = re.match(r"^\d+ (\d{2}:\d{2}) ", line)
            if m:
                amount, currency = money_in(line)[-1]
                offers.append({"time": m.group(1), "price": amount, "currency": currency, "seats": NOT_SHOWN})
        return offers

    def too_many(self, day, count):
        reply = self.send(f"BUY NAIROBI NAKURU {day:%d%m} {count}")
        listed = [line for line in reply.split("\n") if re.match(r"^\d+ \d{2}:\d{2} ", line)]
        return {"refused": not listed, "max": max(int(n) for n in re.findall(r"\d+", reply) if int(n) < count)}

    def buy(self, day, method):
        if method != "mpesa":  # the trip choice starts the passenger's usual method, set in the app
            response = self.client.patch("/api/v1/me", json={"preferred_payment": method},
                                         headers=factories.auth_headers(self.user))
            assert response.status_code == 200, response.json
        listed = self.search(day)[0]
        self.last = self.send("1")
        self.code = re.search(r"\b([A-Z0-9]{8})\b", self.last).group(1)
        shown = money_in(self.last)  # a failure reply names no total: the list said it
        amount, currency = shown[0] if shown else (listed["price"], listed["currency"])
        return {"total": amount, "currency": currency}

    def after_failed_payment(self):
        words = self.last.upper()
        return {"order_pending": f"PAY {self.code}" in words, "offers_wallet": "WALLET" in words}

    def pay_again(self, method):
        self.send(f"PAY {self.code} {method.upper()}")

    def _lines(self):
        reply = self.send("TICKETS")
        found = []
        for line in reply.split("\n"):
            seat = re.search(r"#(\S+)", line)
            times = _TIME.findall(line)
            if seat and times:
                found.append((line.split()[0], seat.group(1), times[-1]))
        return found

    def tickets(self):
        # TICKETS lists the active tickets: each one shown is valid.
        return sorted((seat, "valid", time) for _, seat, time in self._lines())

    def cancel_first(self):
        code, seat, _ = min(self._lines(), key=lambda line: int(line[1]))
        quote = self.send(f"CANCEL {code}")
        done = self.send("YES")
        cancelled_gone = seat not in [s for s, _, _ in self.tickets()]
        return {"quoted": money_in(quote)[0][0], "refunded": money_in(done)[0][0], "cancelled_seat": seat,
                "cancelled_status": "cancelled" if cancelled_gone else "still listed"}

    def balance(self):
        return money_in(self.send("BAL"))[0]

    def top_up(self, units):
        self.send(f"TOPUP {units}")


CHANNELS = (Api, Ussd, Sms)


# --- the journeys ---------------------------------------------------------------------------


def _day():
    return factories.local_departure(1).astimezone(factories.NAIROBI).date()


def journey_search(channel, world):
    facts = {}
    for number, offer in enumerate(channel.search(_day()), 1):
        facts.update({f"offer {number} {key}": value for key, value in offer.items()})
    facts["offers"] = len(channel.search(_day()))
    return facts


def _bought(channel, facts):
    for number, (seat, status, time) in enumerate(channel.tickets(), 1):
        facts.update({f"ticket {number} seat": seat, f"ticket {number} status": status,
                      f"ticket {number} departure": time})
    facts["balance"] = channel.balance()
    return facts


def journey_buy(method):
    def run(channel, world):
        if method == "wallet":
            channel.top_up(20 * 100)  # KES 2,000, through the same channel
        return _bought(channel, dict(channel.buy(_day(), method)))

    run.__name__ = f"journey_buy_{method}"
    return run


def journey_cancel_one(channel, world):
    channel.buy(_day(), "mpesa")
    facts = channel.cancel_first()
    return _bought(channel, facts)


def journey_top_up(channel, world):
    channel.top_up(TOPUP_UNITS)
    return {"balance": channel.balance()}


def journey_mpesa_fails_then_wallet(channel, world):
    facts = dict(channel.buy(_day(), "mpesa"))
    facts.update(channel.after_failed_payment())
    channel.pay_again("wallet")
    return _bought(channel, facts)


def journey_too_many(channel, world):
    """The same limit, said before any trip is offered (SMS listed trips, then refused)."""
    return channel.too_many(_day(), 12)


def no_standard_fare(world):
    """The pair sells only student and reduced fares: every channel takes the same default class."""
    for fare_class in ("standard",):
        db.session.delete(world.fares[("NBO", "NKR", fare_class)])
    db.session.commit()


JOURNEYS = {
    "search": (journey_search, None),
    "search, no standard fare sold": (journey_search, None, no_standard_fare),
    "buy 2 where no standard fare is sold": (journey_buy("mpesa"), None, no_standard_fare),
    "12 passengers": (journey_too_many, None),
    "buy 2, pay by M-Pesa": (journey_buy("mpesa"), None),
    "buy 2, pay by phone balance": (journey_buy("airtime"), None),
    "buy 2, pay by wallet": (journey_buy("wallet"), None),
    "list, cancel one with its refund": (journey_cancel_one, None),
    "top up": (journey_top_up, None),
    "M-Pesa fails, pay by wallet": (journey_mpesa_fails_then_wallet, FAILING_PHONE),
}


def _fresh_world(phone):
    """The same catalogue for every channel: tables emptied, the world built again."""
    db.session.rollback()
    _empty_all_tables()
    world = factories.build_world()
    user = world.passenger
    if phone:
        user = factories.make_user(phone=phone, name="Fallback Passenger")
        post("topup", f"test-funding:{user.id}", [
            Leg(provider_clearing("sandbox"), -FUNDED, "KES"), Leg(wallet_account(user.id), FUNDED, "KES"),
        ], now=utcnow() - timedelta(minutes=1))
        db.session.commit()
    return world, user


@pytest.mark.parametrize("journey", list(JOURNEYS))
def test_every_channel_gives_the_same_answers(client, journey):
    run, phone, *setup = JOURNEYS[journey]
    answers = {}
    for channel_class in CHANNELS:
        world, user = _fresh_world(phone)
        for step in setup:
            step(world)
        answers[channel_class.name] = run(channel_class(client, world, user), world)
    reference = answers["api"]
    assert reference, "the API told nothing"
    disagreements = []
    for name, facts in answers.items():
        for fact in sorted(set(reference) | set(facts)):
            mine, theirs = facts.get(fact, "<missing>"), reference.get(fact, "<missing>")
            if mine is NOT_SHOWN or theirs is NOT_SHOWN:
                continue
            if mine != theirs:
                disagreements.append(f"{journey}: {name} says {fact} = {mine!r}, the API {theirs!r}")
    assert not disagreements, "\n".join(disagreements)
