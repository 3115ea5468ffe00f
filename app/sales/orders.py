"""Hold and quote: seats held for a party, priced once, and the order as every channel shows it.

Why a use case: the passenger-count limit, the fare class a passenger gets by default and
what an unpaid order offers next (after a failed M-Pesa prompt: wallet or phone balance,
the seat still held) were decided by each channel. ``OrderView`` is the one answer: the
API adds it to its order resource, USSD and SMS render it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from app.booking.availability import free_on_leg, occupied_segments
from app.booking.models import Order
from app.booking.pricing import check_stops, departure_at_stop, fares_for
from app.booking.segments import leg_bounds
from app.booking.service import (
    create_order,
    get_order_for,
    list_orders as orders_of,
    load_trip,
    release_order,
)
from app.catalog.pricerules.engine import Priced
from app.catalog.service import fares_between
from app.core.timeutil import to_local
from app.database import utcnow
from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db, unit_of_work
from app.payments.models import PUBLIC_METHODS, Payment
from app.sales.common import Money, check_passenger_count, default_fare_class
from app.sales.concessions import CONCESSION_CLASSES, check_concessions
from app.sales.methods import PaymentOption, payment_options

FAILED_PAYMENT_STATUSES = ("failed", "expired")
IN_FLIGHT_PAYMENT_STATUSES = ("initiated", "pending")


@dataclass(frozen=True)
class Quote:
    """What a party would pay before anything is held."""

    fare_class: str
    unit: Money
    passengers: int
    pricing: Priced | None = None  # the base fare and the rules that made ``unit``

    @property
    def total(self) -> Money:
        return Money(self.unit.amount * self.passengers, self.unit.currency)


@dataclass(frozen=True)
class LastPayment:
    id: int
    method: str  # the passenger's name of it
    status: str
    message: str | None
    failure_reason: str | None


@dataclass
class OrderView:
    """An order as the passenger sees it, on any channel. Attributes the view does not
    define are the order's own (``items``, ``channel``...), so the API dumps it as an order."""

    order: Order
    id: int
    code: str
    status: str
    total: Money
    passengers: int
    seats: list[str]
    fare_classes: list[str]
    origin_name: str
    destination_name: str
    departure_local: datetime  # at the passenger's own stop, in its zone
    hold_expires_local: datetime
    last_payment: LastPayment | None = None
    payment_options: list[PaymentOption] = field(default_factory=list)

    def __getattr__(self, name):  # only called for names the dataclass lacks
        if name == "order":
            raise AttributeError(name)
        return getattr(self.order, name)

    @property
    def payment_failed(self) -> bool:
        """Unpaid, its last payment failed or expired, nothing in flight: pay another way."""
        return (self.status == "pending_payment" and self.last_payment is not None
                and self.last_payment.status in FAILED_PAYMENT_STATUSES)

    @property
    def other_methods(self) -> list[str]:
        """The methods that can pay it now, the one that just failed last (it may be retried)."""
        available = [o.method for o in self.payment_options if o.available]
        failed = self.last_payment.method if self.payment_failed else None
        return [m for m in available if m != failed] + ([failed] if failed in available else [])


def _last_payment(order: Order) -> LastPayment | None:
    payment = db.session.scalar(
        select(Payment).where(Payment.order_id == order.id).order_by(Payment.id.desc()).limit(1))
    if payment is None:
        return None
    return LastPayment(payment.id, PUBLIC_METHODS.get(payment.method, payment.method), payment.status,
                       payment.message, payment.failure_reason)


_UNKNOWN = object()


def order_view(order: Order, *, now: datetime | None = None, last_payment=_UNKNOWN) -> OrderView:
    """The view of ``order`` (payment options only while it can still be paid).

    ``last_payment``: the order's latest payment when the caller knows it (the payment it
    just made; None for an order it just created), so it is not looked up again.
    """
    now = now or utcnow()
    if last_payment is _UNKNOWN:
        latest = _last_payment(order)
    elif last_payment is None:
        latest = None
    else:
        latest = LastPayment(last_payment.id, PUBLIC_METHODS.get(last_payment.method, last_payment.method),
                             last_payment.status, last_payment.message, last_payment.failure_reason)
    zone = order.origin.timezone
    payable = order.status == "pending_payment" and order.hold_expires_at > now
    return OrderView(
        order=order, id=order.id, code=order.code, status=order.status,
        total=Money(order.total_amount, order.currency), passengers=len(order.items),
        seats=[item.seat for item in order.items], fare_classes=[item.fare_class for item in order.items],
        origin_name=order.origin.name, destination_name=order.destination.name,
        departure_local=to_local(departure_at_stop(order.trip, order.origin_stop_id), zone),
        hold_expires_local=to_local(order.hold_expires_at, zone),
        last_payment=latest,
        payment_options=payment_options(order) if payable else [],
    )


def quote(trip_id: int, origin_stop_id: int, destination_stop_id: int, passengers: int = 1,
          fare_class: str | None = None, now: datetime | None = None) -> Quote:
    """The price of ``passengers`` seats of ``fare_class`` (default class) between two stops.

    422 ``passenger-count`` first, then 404 ``trip-not-found``, 422 ``stop-not-on-route`` /
    ``unknown-fare-class``.
    """
    check_passenger_count(passengers)
    trip = load_trip(trip_id)
    if trip is None:
        raise NotFound("There is no such trip.", slug="trip-not-found")
    check_stops(trip, origin_stop_id, destination_stop_id)
    fare_class = fare_class or default_class(trip, origin_stop_id, destination_stop_id)
    fare = fares_for(trip, origin_stop_id, destination_stop_id, {fare_class}, now=now)[fare_class]
    return Quote(fare_class, Money(fare.amount, fare.currency), passengers, fare)


def default_class(trip, origin_stop_id: int, destination_stop_id: int) -> str:
    """The default fare class of this ride (see ``common.default_fare_class``)."""
    prices = {f.fare_class: f.amount for f in fares_between(trip.route_id, origin_stop_id, destination_stop_id)}
    if not prices:
        raise Unprocessable("No fare is sold between these stops.", slug="unknown-fare-class")
    return default_fare_class(prices)


def hold_seats(user, *, trip_id: int, origin_stop_id: int, destination_stop_id: int,
               passengers: int | list[dict], fare_class: str | None = None, channel: str = "api",
               sold_by=None, now: datetime | None = None) -> OrderView:
    """Hold seats for a party and price them: a ``pending_payment`` order (one unit of work).

    ``passengers`` is a count (seats assigned, every one of ``fare_class``) or the API's list
    of ``{"fare_class", "seat", "passenger_name"}``; a passenger without a class gets ``fare_class``,
    else the ride's default class. Errors as ``booking.service.create_order`` (409
    ``sold-out`` when no seat is left), plus 422 ``passenger-count`` checked first and 409
    ``not-enough-seats`` (with ``seats_left``) when some seats are left but fewer than the party.
    """
    party = [{} for _ in range(passengers)] if isinstance(passengers, int) else list(passengers)
    check_passenger_count(len(party))
    # Read once, with its route, stops and vehicle, and kept referenced: booking's own read
    # of it, the order's and the answer's (departure at the stop, the stops' names) are then
    # taken from the session instead of five more round trips.
    trip = load_trip(trip_id, vehicle=True)
    if fare_class is None and any(not p.get("fare_class") for p in party):
        if trip is None:
            raise NotFound("There is no such trip.", slug="trip-not-found")
        fare_class = default_class(trip, origin_stop_id, destination_stop_id)
    party = [{"fare_class": p.get("fare_class") or fare_class, "seat": p.get("seat"), "name": p.get("passenger_name")}
             for p in party]
    if any(p["fare_class"] in CONCESSION_CLASSES for p in party):
        check_concessions(user, trip, origin_stop_id, party, now)  # only a holder buys these
    occupied = check_seats_left(trip_id, len(party), origin_stop_id=origin_stop_id,
                                destination_stop_id=destination_stop_id, trip=trip, now=now)
    order = unit_of_work(lambda: create_order(user, trip_id=trip_id, origin_stop_id=origin_stop_id,
                                              destination_stop_id=destination_stop_id, passengers=party,
                                              channel=channel, sold_by=sold_by, now=now, occupied=occupied))
    return order_view(order, now=now, last_payment=None)  # just created: nothing paid it yet


def check_seats_left(trip_id: int, party: int, *, origin_stop_id: int | None = None,
                     destination_stop_id: int | None = None, trip=None,
                     now: datetime | None = None) -> dict[str, set[int]] | None:
    """Seats for the whole party on the leg, counted now: 409 ``sold-out`` when none is left,
    409 ``not-enough-seats`` (with ``seats_left``) when fewer than the party. Channels that ask
    the count after showing a list (USSD) check here, not against the list's figure, which
    may be stale; the hold itself (the seat segments' primary key) still decides. Without
    both stops, seats free from the first stop to the terminus are counted. ``trip``: the
    trip when the caller has loaded it (with its vehicle). Returns the trip's taken
    segments it counted from, so the hold prices and picks seats without reading again."""
    trip = trip if trip is not None else load_trip(trip_id, vehicle=True)
    if trip is None:
        return None  # create_order answers 404
    leg = None
    if origin_stop_id is not None and destination_stop_id is not None:
        leg = leg_bounds(trip, origin_stop_id, destination_stop_id)
    occupied = occupied_segments(trip.id, now)
    left = free_on_leg(trip.vehicle.seat_count, occupied, leg)
    if left == 0:
        raise Conflict("This trip is sold out.", slug="sold-out")
    if left < party:
        raise Conflict(f"Only {left} seat(s) left on this trip.", slug="not-enough-seats", seats_left=left)
    return occupied


def get_order(user, order_id: int) -> OrderView:
    """One of the caller's orders (404 ``order-not-found`` for anyone else's)."""
    return order_view(get_order_for(user, order_id))


def get_order_by_code(user, code: str) -> OrderView:
    """The caller's order by its booking code (as typed: case and spaces ignored); 404 otherwise."""
    wanted = "".join((code or "").split()).upper()
    order = db.session.scalar(select(Order).where(Order.code == wanted, Order.user_id == user.id))
    if order is None:
        raise NotFound("There is no such booking.", slug="order-not-found")
    return order_view(order)


def list_orders(user, status: str | None = None) -> list[Order]:
    """The caller's orders, newest first (optionally one status)."""
    return orders_of(user, status)


def release(user, order_id: int) -> OrderView:
    """Give up an unpaid order: its seats are free again at once (one unit of work)."""
    return order_view(unit_of_work(lambda: release_order(user, order_id)))


def unpaid_order_to_retry(user, *, now: datetime | None = None) -> OrderView | None:
    """The caller's latest order still held whose last payment failed (nothing in flight).

    USSD asks this when the passenger dials back, to offer another way to pay at once.
    """
    now = now or utcnow()
    if user is None:
        return None
    order = db.session.scalar(
        select(Order).where(Order.user_id == user.id, Order.status == "pending_payment",
                            Order.hold_expires_at > now)
        .order_by(Order.created_at.desc(), Order.id.desc()).limit(1))
    if order is None:
        return None
    view = order_view(order, now=now)
    return view if view.payment_failed else None
