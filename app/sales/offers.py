"""Search offers: the trips a passenger can buy, priced and counted the same for every channel.

Why a use case over the catalog's search: the catalog knows trips and fares; what a
passenger is *offered* adds decisions that were made per channel — the passenger count
(checked first, so no list is shown and then refused), the default fare class and the
price it implies, and that a trip without enough seats for the party is not offered.
Times are the departure at the passenger's own stop, in that stop's zone. Prices are the
carrier's base fares with its price rules applied (``app.booking.pricing``), the same way the
quote and the hold price them; ``pricing`` says how, per class. Search reads the fares and
rules it lists as kept for seconds (``app.catalog.cache``); the hold reads both afresh.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from app.booking.pricing import price, ride_for
from app.catalog.pricerules.engine import Priced
from app.catalog.pricerules.service import shown_rules_of
from app.catalog.service import OfferedTrip, StopView, destinations_from as served, search_trips
from app.sales.common import Money, check_passenger_count, default_fare_class


@dataclass(frozen=True)
class Offer:
    """One trip as the passenger going from ``origin_stop`` to ``destination_stop`` sees it."""

    trip: OfferedTrip
    carrier_name: str
    origin_stop: StopView
    destination_stop: StopView
    departure_local: datetime  # at origin_stop, in its zone
    arrival_local: datetime  # at destination_stop, shown in origin_stop's zone too
    seats_left: int
    prices: dict[str, int]  # fare class → minor units, in catalogue order
    currency: str
    fare_class: str  # the class chosen when the passenger does not choose
    pricing: dict[str, Priced]  # fare class → base fare, rules applied, result

    @property
    def trip_id(self) -> int:
        return self.trip.id

    @property
    def origin_stop_id(self) -> int:
        return self.origin_stop.id

    @property
    def destination_stop_id(self) -> int:
        return self.destination_stop.id

    @property
    def price(self) -> Money:
        """One seat of the default class."""
        return Money(self.prices[self.fare_class], self.currency)

    def total(self, passengers: int = 1, fare_class: str | None = None) -> Money:
        """What ``passengers`` seats of ``fare_class`` (default class) cost together."""
        return Money(self.prices[fare_class or self.fare_class] * passengers, self.currency)


    @property
    def quote(self) -> Priced:
        """How one seat of the default class is priced."""
        return self.pricing[self.fare_class]


def _offer(found, rules, now) -> Offer:
    ride = ride_for(found.trip.route_id, found.trip.seat_count, found.departure_local, found.seats_left, now)
    pricing = {c: price(amount, found.currency, c, rules, ride) for c, amount in found.prices.items()}
    prices = {c: priced.amount for c, priced in pricing.items()}
    return Offer(
        trip=found.trip, carrier_name=found.carrier_name, origin_stop=found.origin_stop,
        destination_stop=found.destination_stop, departure_local=found.departure_local,
        arrival_local=found.arrival_local, seats_left=found.seats_left, prices=prices,
        currency=found.currency, fare_class=default_fare_class(prices), pricing=pricing,
    )


def search_offers(origin: str, destination: str, day: date, *, passengers: int | None = None,
                  now: datetime | None = None) -> list[Offer]:
    """Trips boarding at ``origin`` on ``day`` (local there) towards ``destination``, soonest first.

    With ``passengers``, the count is checked first (422 ``passenger-count``) and trips with
    fewer seats left are not offered; without it every sellable trip is listed with its
    seats left (a browsing list: the API's search). Raises ``UnknownStop`` (404) for a place
    not understood and 422 ``same-origin-destination`` / ``past-date``.
    """
    if passengers is not None:
        check_passenger_count(passengers)
    found = search_trips(origin, destination, day, now=now)
    rules = shown_rules_of({f.trip.carrier_id for f in found})
    offers = [_offer(f, rules[f.trip.carrier_id], now) for f in found]
    if passengers is not None:
        offers = [offer for offer in offers if offer.seats_left >= passengers]
    return offers


def destinations_from(origin: str, limit: int = 20) -> list[str]:
    """Cities with a sellable trip from ``origin`` in the coming days (never a place with no trip)."""
    return served(origin, limit)
