"""The three channels of the parity test (tests/test_channel_parity.py), driven as a passenger would.

``Api`` uses the test client with a token, ``Ussd`` posts Africa's Talking USSD forms,
``Sms`` posts inbound SMS and reads the reply from the outbox. Each answers the same
questions (search, buy, tickets, cancel, balance, top up...) with plain facts parsed from
what the passenger is shown: numbers, amounts and times, never whole sentences, so the
catalogue's wording may change without breaking the comparison.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from app.core.money import MINOR_UNITS
from app.extensions import db
from app.messaging import t
from app.messaging.models import OutboundMessage
from app.catalog.models import FARE_CLASSES
from channels.sms.commands.parse import CLASS_SHOWN, KEYWORDS, METHOD_SHOWN
from tests import factories
from tests.channels.scripts.runner import Conversation

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

    def party_too_big(self, day, count):
        """More passengers than seats left: the search leaves the trip out, the hold refuses."""
        listed = self.client.get(f"/api/v1/trips/search?origin=Nairobi&destination=Nakuru&date={day.isoformat()}"
                                 f"&passengers={count}").json
        order = self.client.post("/api/v1/orders", headers=self.headers, json={
            "trip_id": self.world.trip.id, "origin_stop_id": self.world.nairobi.id,
            "destination_stop_id": self.world.nakuru.id, "passengers": [{}] * count})
        return {"refused": order.status_code == 409 and not listed, "orders": len(self._get("/api/v1/orders"))}

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

    def buy_class(self, day, fare_class):
        """Two seats of ``fare_class``: the total held, or refused (and no order kept)."""
        self.search(day)
        offer = self.offers[0]
        response = self.client.post("/api/v1/orders", headers=self.headers, json={
            "trip_id": offer["trip_id"], "origin_stop_id": offer["origin"]["id"],
            "destination_stop_id": offer["destination"]["id"], "passengers": [{"fare_class": fare_class}] * PASSENGERS})
        if response.status_code != 201:
            return {"refused": response.status_code, "orders": len(self._get("/api/v1/orders"))}
        return {"total": response.json["total"]["amount"], "orders": len(self._get("/api/v1/orders"))}

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

    def cancel_refused(self):
        ticket = min(self._get("/api/v1/tickets"), key=lambda t: int(t["seat"]))
        done = self.client.post(f"/api/v1/orders/{ticket['order_id']}/cancel", headers=self.headers,
                                json={"ticket_ids": [ticket["id"]]})
        return {"refused": done.status_code in (409, 422), "still valid": self.tickets()[0][1] == "valid"}

    def balance(self):
        wallet = self._get("/api/v1/wallet")
        return wallet["balance"]["amount"], wallet["balance"]["currency"]

    def top_up(self, units):
        response = self.client.post("/api/v1/wallet/top-ups", headers=self.headers,
                                    json={"amount": {"amount": units * 100, "currency": "KES"}})
        assert response.status_code == 202, response.json

    def withdraw(self, units):
        """Facts of a withdrawal to one's own M-Pesa: taken or refused, and the amount said."""
        response = self.client.post("/api/v1/wallet/withdrawals", headers=self.headers,
                                    json={"amount": {"amount": units * 100, "currency": "KES"}})
        if response.status_code != 202:
            return {"taken": False}
        return {"taken": True, "amount": response.json["amount"]["amount"]}


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
            m = re.match(rf"^\d+ (\d{{2}}:\d{{2}}) .*? ({_AMOUNT}) \((\d+)\)$", line)
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

    def party_too_big(self, day, count):
        """The list shows every trip with its seats left; choosing too many is refused on the spot."""
        self._trip_list(day)
        asked = self.talk.input("1")
        again = self.talk.input(str(count))
        question = next(line for line in asked[4:].split("\n") if "?" in line)
        api = Api(self.talk.client, self.world, self.user)
        return {"refused": again.startswith("CON ") and question in again and "=" not in again,
                "orders": len(api._get("/api/v1/orders"))}

    def buy(self, day, method):
        self._trip_list(day)
        self.talk.input("1")  # the first trip
        screen = self.talk.input(str(PASSENGERS))
        if not screen.startswith("CON ") or "=" not in screen:
            screen = self.talk.input("1")  # the class list: the first is the default class (standard)
        amount, currency = money_in(screen.split("=", 1)[1])[0]
        self.last = self.talk.input(self.METHOD_KEYS[method])
        return {"total": amount, "currency": currency}

    def buy_class(self, day, fare_class):
        """The class list puts the default (standard) first, then student, reduced."""
        self._trip_list(day)
        self.talk.input("1")
        self.talk.input(str(PASSENGERS))
        screen = self.talk.input(str(FARE_CLASSES.index(fare_class) + 1))
        orders = len(Api(self.talk.client, self.world, self.user)._get("/api/v1/orders"))
        if "=" not in screen:  # the class list again, one short line why
            return {"refused": 403 if screen.startswith("CON ") else screen, "orders": orders}
        return {"total": money_in(screen.split("=", 1)[1])[0][0], "orders": orders}

    def after_failed_payment(self):
        """The passenger hangs up and dials again: the unpaid order is named, then (1) its ways to pay."""
        screen = self.talk.dial("")
        ways = self.talk.input("1")
        return {"order_pending": bool(money_in(screen)) and "1" in screen,
                "offers_wallet": bool(re.search(r"^3 ", ways, re.M)) and "M-Pesa" in ways}

    def pay_again(self, method):
        assert self.talk.input(self.METHOD_KEYS[method]).startswith("END "), self.talk.answer

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

    def cancel_refused(self):
        """The cancel list offers only tickets that can be cancelled: none now."""
        listed = self._ticket_lines("3")
        return {"refused": not listed, "still valid": bool(self.tickets())}

    def balance(self):
        self.talk.dial("")
        return money_in(self.talk.input("4"))[0]

    def top_up(self, units):
        self.talk.dial("")
        self.talk.input("4")
        self.talk.input("1")
        assert self.talk.input(str(units)).startswith("END "), self.talk.answer

    def withdraw(self, units):
        """Wallet, 2 Withdraw, the amount, 1 Send: an END screen naming the amount, or the
        same screen again with a short line saying why not."""
        self.talk.dial("")
        self.talk.input("4")
        self.talk.input("2")
        self.talk.input(str(units))
        answer = self.talk.input("1")
        if not answer.startswith("END "):
            return {"taken": False}
        return {"taken": True, "amount": money_in(answer)[0][0]}


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

    def too_many(self, day, count):
        reply = self.send(f"BUY NAIROBI NAKURU {day:%d%m} {count}")
        listed = [line for line in reply.split("\n") if re.match(r"^\d+ \d{2}:\d{2} ", line)]
        return {"refused": not listed, "max": max(int(n) for n in re.findall(r"\d+", reply) if int(n) < count)}

    def party_too_big(self, day, count):
        reply = self.send(f"BUY NAIROBI NAKURU {day:%d%m} {count}")
        listed = [line for line in reply.split("\n") if re.match(r"^\d+ \d{2}:\d{2} ", line)]
        api = Api(self.client, self.world, self.user)
        return {"refused": not listed, "orders": len(api._get("/api/v1/orders"))}

    def search(self, day, method: str | None = None):
        """The list BUY answers; ``method`` adds the way to pay in the passenger's words (POCHI...)."""
        word = f" {METHOD_SHOWN[self.user.language][method]}" if method else ""
        reply = self.send(f"BUY NAIROBI NAKURU {day:%d%m} {PASSENGERS}{word}")
        offers = []
        for line in reply.split("\n"):
            m = re.match(r"^\d+ (\d{2}:\d{2}) ", line)
            if m:
                amount, currency = money_in(line)[-1]
                offers.append({"time": m.group(1), "price": amount, "currency": currency, "seats": NOT_SHOWN})
        return offers

    def buy(self, day, method):
        """The way to pay is named in BUY (``BUY ... 2 WALLET``), M-Pesa as the usual method without a word."""
        listed = self.search(day, None if method == "mpesa" else method)[0]
        self.last = self.send("1")
        self.code = re.search(r"\b([A-Z0-9]{8})\b", self.last).group(1)
        shown = money_in(self.last)  # a failure reply names no total: the list said it
        amount, currency = shown[0] if shown else (listed["price"], listed["currency"])
        return {"total": amount, "currency": currency}

    def buy_class(self, day, fare_class):
        """``BUY ... 2 STUDENT`` (the class in the passenger's language), then ``1``."""
        self.send(f"BUY NAIROBI NAKURU {day:%d%m} {PASSENGERS} {CLASS_SHOWN[self.user.language][fare_class]}")
        reply = self.send("1")
        orders = len(Api(self.client, self.world, self.user)._get("/api/v1/orders"))
        if not re.search(r"\b[A-Z0-9]{8}\b", reply) or not money_in(reply):
            return {"refused": 403 if t("error:concession-required", self.user.language) in reply else reply,
                    "orders": orders}
        return {"total": money_in(reply)[0][0], "orders": orders}

    def after_failed_payment(self):
        """The reply names the order's code and the wallet in the passenger's words (PORTEFEUILLE...)."""
        words = self.last.upper()
        return {"order_pending": self.code in words,
                "offers_wallet": METHOD_SHOWN[self.user.language]["wallet"] in words}

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
        return {"quoted": money_in(quote)[0][0], "refunded": money_in(done)[0][0], "cancelled_seat": seat,
                "cancelled_status": self.history_status(code)}

    def history_status(self, code: str) -> str:
        """HISTORY names what became of each past ticket with the catalogue's word for it."""
        line = next((line for line in self.send("HISTORY").split("\n") if line.startswith(code)), "")
        said = [status for status in ("used", "cancelled", "refunded", "expired")
                if t(f"sms_ticket_{status}", self.user.language) in line]
        return said[0] if said else f"not in HISTORY: {line!r}"

    def cancel_refused(self):
        code, _, _ = self._lines()[0]
        quote = self.send(f"CANCEL {code}")
        done = self.send("YES")  # nothing pending if the quote refused: nothing happens
        refused = "YES" not in quote.upper() and not money_in(done)
        return {"refused": refused, "still valid": bool(self.tickets())}

    def balance(self):
        return money_in(self.send("BAL"))[0]

    def top_up(self, units):
        self.send(f"TOPUP {units}")

    def withdraw(self, units):
        """``WITHDRAW 500`` in the passenger's language (RETIRER, TOA): the reply names the amount
        taken first, or says why not (no amount, or the limits' amounts after the word)."""
        word = next(word for word, language in KEYWORDS["withdraw"].items() if language == self.user.language)
        reply = self.send(f"{word} {units}")
        said = money_in(reply)
        taken = bool(said) and reply.find(said[0][1]) < 40 and "M-Pesa" in reply and said[0][0] == units * 100
        return {"taken": True, "amount": said[0][0]} if taken else {"taken": False}





class Counter:
    """An agent of the carrier selling to the passenger (their phone number) at ``/api/v1/counter``:
    the rows where a counter sale applies (search, buy by M-Pesa or cash, the limits, a
    cancellation refused after departure); the passenger's own facts (tickets, wallet) are read
    as the passenger sees them, through the API."""

    name = "counter"
    JOURNEYS = ("search", "search, no standard fare sold", "buy 2 where no standard fare is sold", "12 passengers",
                "3 passengers, 2 seats left", "buy 2, pay by M-Pesa", "buy 2, cash at the counter (M-Pesa elsewhere)",
                "cancel after the trip left")

    def __init__(self, client, world, user):
        self.client, self.world, self.user = client, world, user
        self.passenger = Api(client, world, user)
        self.agent = factories.make_user("agent", carrier=world.carrier)
        db.session.commit()
        self.headers = factories.auth_headers(self.agent)
        opened = client.post("/api/v1/counter/drawer", json={"opening_float": 0}, headers=self.headers)
        assert opened.status_code == 201, opened.json

    def _seats(self):
        response = self.client.get(f"/api/v1/counter/trips/{self.world.trip.id}/seats?origin_stop_id="
                                   f"{self.world.nairobi.id}&destination_stop_id={self.world.nakuru.id}",
                                   headers=self.headers)
        assert response.status_code == 200, response.json
        return response.json

    def _default_class(self, fares):
        return "standard" if "standard" in fares else min(fares, key=lambda c: fares[c]["amount"])

    def search(self, day):
        trips = self.client.get(f"/api/v1/counter/trips?date={day.isoformat()}", headers=self.headers).json
        offers = []
        for trip in trips:
            seats = self._seats()
            fares = seats["fares"]
            price = fares[self._default_class(fares)]
            offers.append({"time": trip["departure_at"][11:16], "price": price["amount"] * PASSENGERS,
                           "currency": price["currency"],
                           "seats": sum(1 for s in seats["seats"] if s["status"] == "free")})
        return offers

    def _sell(self, count, method="mpesa"):
        return self.client.post("/api/v1/counter/sales", headers=self.headers, json={
            "trip_id": self.world.trip.id, "origin_stop_id": self.world.nairobi.id,
            "destination_stop_id": self.world.nakuru.id, "phone": self.user.phone, "method": method,
            "passengers": [{}] * count})

    def too_many(self, day, count):
        response = self._sell(count)
        assert response.status_code == 422, response.json
        said = f"{response.json.get('detail')} {response.json.get('errors')}"
        return {"refused": True, "max": max(int(n) for n in re.findall(r"\d+", said) if int(n) < count)}

    def party_too_big(self, day, count):
        response = self._sell(count)
        listed = [s for s in self._seats()["seats"] if s["status"] == "free"]
        return {"refused": response.status_code == 409 and len(listed) < count,
                "orders": len(self.passenger._get("/api/v1/orders"))}

    def buy(self, day, method):
        response = self._sell(PASSENGERS, method)
        assert response.status_code == 201, response.json
        return {"total": response.json["total"]["amount"], "currency": response.json["total"]["currency"]}

    def tickets(self):
        return self.passenger.tickets()

    def balance(self):
        return self.passenger.balance()

    def cancel_refused(self):
        order = self.passenger._get("/api/v1/orders")[0]
        done = self.client.post(f"/api/v1/counter/orders/{order['id']}/cancel", headers=self.headers)
        return {"refused": done.status_code in (409, 422), "still valid": self.tickets()[0][1] == "valid"}
CHANNELS = (Api, Ussd, Sms, Counter)
