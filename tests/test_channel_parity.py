"""Channel parity: the same journeys through the API, USSD, SMS and the counter give the same answers.

Each journey (search, buy two passengers paying each way, list, cancel one ticket, top up,
a failed M-Pesa prompt then the wallet) runs once per channel on the same fresh catalogue
(``build_world``: tables emptied between channels), and the facts each channel tells the
passenger are compared: price, currency, seats left, departure time, order total, ticket
seats and status, refund, wallet balance, what a failed payment offers next. Any
disagreement fails, naming the channel and the fact.

Channel texts are parsed for numbers, not sentences (the wording is the catalogue's and
will change): amounts in either order (``KES 1,600`` or ``1 600 KES``), ``HH:MM`` times,
seat numbers next to the route code. A fact a channel does not show is ``NOT_SHOWN`` and
skipped (SMS lists no seats-left figure, to keep one SMS). SMS names the way to pay in
BUY, in the passenger's language (``BUY ... 2 POCHI``), for the wallet and phone-balance
rows, as USSD picks it on a menu and the API in the request; the failed-M-Pesa row pays
again with ``PAY <code> <method>``. The counter (an agent selling to the passenger's phone
number) runs the rows where a counter sale applies (``Counter.JOURNEYS``), plus its own:
cash at the counter against M-Pesa in the app, and cash refused to the passenger's channels.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete

from app.catalog.pricerules.models import PriceRule
from app.concessions.models import Concession
from app.database import utcnow
from app.extensions import db
from app.ledger.service import Leg, post, provider_clearing, wallet_account
from app.sales.orders import hold_seats
from tests import factories
from tests.channel_drivers import CHANNELS, FAILING_PHONE, FUNDED, NOT_SHOWN, TOPUP_UNITS
from tests.conftest import _empty_all_tables

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


def journey_cash_at_the_counter(channel, world):
    """Cash at the counter buys what M-Pesa buys elsewhere: the same total, seats and times."""
    return _bought(channel, dict(channel.buy(_day(), "cash" if channel.name == "counter" else "mpesa")))


def journey_cancel_one(channel, world):
    channel.buy(_day(), "mpesa")
    facts = channel.cancel_first()
    return _bought(channel, facts)


def journey_cancel_after_departure(channel, world):
    """The trip has left the passenger's stop (the ticket is still valid until arrival): no
    channel cancels it (SMS used to accept any valid ticket)."""
    channel.buy(_day(), "mpesa")
    world.trip.departure_at = utcnow() - timedelta(minutes=5)
    world.trip.arrival_at = utcnow() + timedelta(hours=5)
    db.session.commit()
    return channel.cancel_refused()


def journey_top_up(channel, world):
    channel.top_up(TOPUP_UNITS)
    return {"balance": channel.balance()}


def journey_withdraw(channel, world):
    """From the funded wallet: KES 500 to one's own M-Pesa, the balance after it, and more than
    the wallet holds refused (nothing taken)."""
    done = channel.withdraw(500)
    return {"withdrawal": done, "balance": channel.balance(), "too much": channel.withdraw(5_000),
            "balance after refusal": channel.balance()}


def journey_mpesa_fails_then_wallet(channel, world):
    facts = dict(channel.buy(_day(), "mpesa"))
    facts.update(channel.after_failed_payment())
    channel.pay_again("wallet")
    return _bought(channel, facts)


def journey_too_many(channel, world):
    """The same limit, said before any trip is offered (SMS listed trips, then refused)."""
    return channel.too_many(_day(), 12)


def journey_party_too_big(channel, world):
    """Two seats left, a party of three: no channel sells it (USSD capped by a stale count)."""
    return channel.party_too_big(_day(), 3)


def eight_seats_taken(world):
    """Someone else holds eight of the ten seats."""
    other = factories.make_user()
    db.session.commit()
    hold_seats(other, trip_id=world.trip.id, origin_stop_id=world.nairobi.id,
               destination_stop_id=world.nakuru.id, passengers=8, channel="api")


def no_standard_fare(world):
    """The pair sells only student and reduced fares: every channel takes the same default class
    (the cheapest, reduced: the passenger holds it, or no channel would sell it)."""
    for fare_class in ("standard",):
        db.session.delete(world.fares[("NBO", "NKR", fare_class)])
    db.session.commit()
    a_reduced_fare_holder(world)


def no_concession(world):
    """The passenger holds no concession (the world's passenger holds both)."""
    db.session.execute(delete(Concession).where(Concession.user_id == world.passenger.id))
    db.session.commit()


def a_student(world):
    """The passenger holds the carrier's student concession (only)."""
    no_concession(world)
    factories.hold_concessions(world.passenger, world.carrier, ("student",))
    db.session.commit()


def a_reduced_fare_holder(world):
    no_concession(world)
    factories.hold_concessions(world.passenger, world.carrier, ("reduced",))
    db.session.commit()


def price_rules(world):
    """A morning peak (+20 %, the trip leaves at 08:00), a last-minute KES 50 and a demand band
    that does not apply yet: every channel shows and charges the same price."""
    for name, columns in (("Morning peak", {"change_percent": 20, "hour_from": 6, "hour_until": 10}),
                          ("Last minute", {"change_amount": 5000, "max_days_before": 2}),
                          ("Nearly full", {"change_percent": 50, "min_load_percent": 90})):
        db.session.add(PriceRule(carrier_id=world.carrier.id, name=name, priority=100, **columns))
    db.session.commit()


def journey_buy_class(fare_class):
    def run(channel, world):
        return channel.buy_class(_day(), fare_class)

    run.__name__ = f"journey_buy_{fare_class}"
    return run


JOURNEYS = {
    "search": (journey_search, None),
    "search, no standard fare sold": (journey_search, None, no_standard_fare),
    "buy 2 where no standard fare is sold": (journey_buy("mpesa"), None, no_standard_fare),
    "12 passengers": (journey_too_many, None),
    "3 passengers, 2 seats left": (journey_party_too_big, None, eight_seats_taken),
    "buy 2, pay by M-Pesa": (journey_buy("mpesa"), None),
    "buy 2, pay by phone balance": (journey_buy("airtime"), None),
    "buy 2, pay by wallet": (journey_buy("wallet"), None),
    "buy 2, cash at the counter (M-Pesa elsewhere)": (journey_cash_at_the_counter, None),
    "list, cancel one with its refund": (journey_cancel_one, None),
    "cancel after the trip left": (journey_cancel_after_departure, None),
    "top up": (journey_top_up, None),
    "M-Pesa fails, pay by wallet": (journey_mpesa_fails_then_wallet, FAILING_PHONE),
    "withdraw to M-Pesa, then more than the wallet holds": (journey_withdraw, FAILING_PHONE),
    "search with price rules": (journey_search, None, price_rules),
    "buy 2 with price rules": (journey_buy("mpesa"), None, price_rules),
    "student fare, not a student": (journey_buy_class("student"), None, no_concession),
    "reduced fare, not a holder": (journey_buy_class("reduced"), None, a_student),
    "student fare, a student, with price rules": (journey_buy_class("student"), None, a_student, price_rules),
}


def _fresh_world(phone, language):
    """The same catalogue for every channel: tables emptied, the world built again."""
    db.session.rollback()
    _empty_all_tables()
    world = factories.build_world()
    user = world.passenger
    if phone:
        user = factories.make_user(phone=phone, name="Fallback Passenger")
    user.language = language
    db.session.commit()
    if phone:
        post("topup", f"test-funding:{user.id}", [
            Leg(provider_clearing("sandbox"), -FUNDED, "KES"), Leg(wallet_account(user.id), FUNDED, "KES"),
        ], now=utcnow() - timedelta(minutes=1))
        db.session.commit()
    return world, user


@pytest.mark.parametrize("language", ["en", "fr", "sw"])
@pytest.mark.parametrize("journey", list(JOURNEYS))
def test_every_channel_gives_the_same_answers(client, journey, language):
    run, phone, *setup = JOURNEYS[journey]
    answers = {}
    for channel_class in CHANNELS:
        if journey not in getattr(channel_class, "JOURNEYS", JOURNEYS):
            continue  # the counter sells and cancels; it does not top up wallets or withdraw
        world, user = _fresh_world(phone, language)
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
                disagreements.append(f"{journey} ({language}): {name} says {fact} = {mine!r}, the API {theirs!r}")
    assert not disagreements, "\n".join(disagreements)


def test_the_counter_rows_name_journeys_that_exist():
    """A typo in ``Counter.JOURNEYS`` would skip a row silently."""
    for channel_class in CHANNELS:
        assert set(getattr(channel_class, "JOURNEYS", JOURNEYS)) <= set(JOURNEYS), channel_class.name
