"""Counter sales: what an agent does at a carrier's counter, through the same use cases as
every channel (``orders.hold_seats``, ``paying.pay_order``, ``confirming.confirm_payment``,
``cancelling``'s rules), plus cash and the agent's drawer (``app.counter``).

Why here and not in a page: the page (``app.counter_page``) and the API
(``app.sales.routes.counter``) both call these, so a rule (a cash sale needs an open
drawer, an agent sees only its carrier's trips and its own drawer, 404 for anything else)
holds whichever way the agent comes in. Cash is the counter's only: the passenger's
channels never offer it (``app.sales.common.PAYMENT_METHODS``).

A sale reads: the passenger is the owner of the phone number the agent types (an account
is made for a new number, as on USSD; the ticket SMS goes there), seats are held for
them (``channel="counter"``, ``sold_by`` the agent), then paid: cash into the agent's
drawer, settled at once like a wallet purchase, or an M-Pesa prompt to the passenger's
phone (settled when M-Pesa answers; the page shows it).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.booking.models import Order
from app.booking.cancellation import cancel_tickets, refund_policy, valid_tickets
from app.booking.pricing import departure_at_stop
from app.booking.seatmap import seat_map
from app.booking.service import load_trip, lock_payable_order, release_order
from app.booking.transitions import lock_order
from app.catalog.models import SELLABLE_TRIP_STATUSES, Carrier, Trip
from app.catalog.service import fares_between
from app.core.phone import InvalidPhone, normalize_phone
from app.core.timeutil import to_local
from app.counter import drawer as drawers
from app.counter.models import CashDrawer
from app.database import utcnow
from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db, unit_of_work
from app.payments.models import Payment
from app.payments.refunds import refund_order, way_back
from app.payouts.service import payout_for_refund
from app.payments.service import open_cash_payment
from app.sales.callers import who_is_calling
from app.sales.common import Money, TICKETED_ORDER_STATUSES
from app.sales.confirming import confirm_payment
from app.sales.orders import OrderView, hold_seats, order_view
from app.sales.paying import pay_order

COUNTER_METHODS = ("cash", "mpesa")
TRIP_DAYS = 7  # how far ahead the counter lists trips


@dataclass(frozen=True)
class CounterTrip:
    """A trip as the counter lists it: when, where, and the stops it can sell between."""

    trip: Trip
    departure_local: datetime
    stops: list  # RouteStop rows in order


@dataclass(frozen=True)
class DrawerView:
    """The agent's drawer as the agent may see it: never the expected amount while open."""

    drawer: CashDrawer
    counts_made: int
    closing: object | None  # DrawerClosing once closed

    @property
    def status(self) -> str:
        if self.closing is not None:
            return "closed"
        return "recount" if self.counts_made else "open"

    def __getattr__(self, name):
        if name == "drawer":
            raise AttributeError(name)
        return getattr(self.drawer, name)


def _drawer_view(drawer: CashDrawer) -> DrawerView:
    return DrawerView(drawer, len(drawer.counts), drawer.closing)


# ---- trips


def carrier_trips(agent, *, day: date | None = None, now: datetime | None = None) -> list[CounterTrip]:
    """The agent's carrier's trips still sold: departing after now, within ``TRIP_DAYS``
    (or on ``day``, local to the first stop), soonest first."""
    now = now or utcnow()
    query = (select(Trip).where(Trip.carrier_id == agent.carrier_id, Trip.status.in_(SELLABLE_TRIP_STATUSES),
                                Trip.arrival_at > now, Trip.departure_at < now + timedelta(days=TRIP_DAYS))
             .order_by(Trip.departure_at, Trip.id).limit(200))
    result = []
    for trip in db.session.scalars(query):
        stops = sorted(trip.route.stops, key=lambda rs: rs.position)
        local = to_local(trip.departure_at, stops[0].stop.timezone if stops else "UTC")
        if day is not None and local.date() != day:
            continue
        result.append(CounterTrip(trip, local, stops))
    return result


def counter_trip(agent, trip_id: int) -> Trip:
    """A trip of the agent's carrier; 404 for any other."""
    trip = load_trip(trip_id, vehicle=True)
    if trip is None or trip.carrier_id != agent.carrier_id:
        raise NotFound("There is no such trip.", slug="trip-not-found")
    return trip


def trip_seats(agent, trip_id: int, origin_stop_id: int, destination_stop_id: int) -> dict:
    """The seat map of one of the carrier's trips for a ride, with its fares by class."""
    trip = counter_trip(agent, trip_id)
    fares = {f.fare_class: Money(f.amount, f.currency)
             for f in fares_between(trip.route_id, origin_stop_id, destination_stop_id)}
    return {"trip": trip, "fares": fares, **seat_map(trip, origin_stop_id, destination_stop_id)}


# ---- selling


def passenger_for(phone: str):
    """The passenger account of ``phone`` (created for a new number); 422 ``invalid-phone``."""
    try:
        normalized = normalize_phone(phone or "", current_app.config.get("DEFAULT_COUNTRY", "KE"))
    except InvalidPhone as exc:
        raise Unprocessable(str(exc), slug="invalid-phone", errors={"phone": [str(exc)]}) from None
    return who_is_calling(phone=normalized, create=True)


def sell(agent, *, trip_id: int, origin_stop_id: int, destination_stop_id: int, phone: str,
         passengers: list[dict], method: str, now: datetime | None = None) -> OrderView:
    """Hold seats for a walk-in passenger and take their money by ``method``.

    Needs the agent's open drawer (409 ``drawer-not-open``), a trip of their carrier (404),
    ``cash`` or ``mpesa`` (422 ``invalid-method``); then errors as ``hold_seats`` and the
    payment's. Two units of work, as on every channel: the hold, then the payment (a
    failed payment leaves the seats held; ``pay_cash``/``pay_mpesa`` can try again).
    """
    if method not in COUNTER_METHODS:
        raise Unprocessable("Pay at the counter by cash or mpesa.", slug="invalid-method")
    drawers.require_open_drawer(agent)
    counter_trip(agent, trip_id)
    passenger = passenger_for(phone)
    view = hold_seats(passenger, trip_id=trip_id, origin_stop_id=origin_stop_id,
                      destination_stop_id=destination_stop_id, passengers=passengers, channel="counter",
                      sold_by=agent, now=now)
    if method == "cash":
        return pay_cash(agent, view.id)
    return pay_mpesa(agent, view.id)


def counter_order(agent, order_id: int) -> Order:
    """An order sold at one of the carrier's counters; 404 for any other (a passenger's own
    app, USSD or SMS booking is theirs to cancel: an agent never changes it)."""
    order = db.session.get(Order, order_id)
    if order is None or order.channel != "counter" or order.trip.carrier_id != agent.carrier_id:
        raise NotFound("There is no such order.", slug="order-not-found")
    return order


def counter_order_view(agent, order_id: int) -> OrderView:
    return order_view(counter_order(agent, order_id))


def pay_cash(agent, order_id: int) -> OrderView:
    """The agent takes cash for a held order: into their drawer, tickets issued, one unit of work.

    Locks, in the payments' order: the drawer (no closing while cash comes in), the order,
    then the payment row this inserts and settles (``confirm_payment``: the sale posted from
    ``cash_drawer:<agent>``). 409 ``drawer-not-open``, ``order-not-payable``.
    """
    counter_order(agent, order_id)
    now = utcnow()

    def work() -> Order:
        drawers.require_open_drawer(agent, lock=True)
        order = lock_payable_order(order_id, now)
        payment = open_cash_payment(order, agent, now=now)
        confirm_payment(payment.id, amount=payment.amount, currency=payment.currency, source="counter", now=now,
                        inserted=payment)
        return order

    return order_view(unit_of_work(work))


def pay_mpesa(agent, order_id: int) -> OrderView:
    """An M-Pesa prompt to the passenger's phone (the order's owner), through ``pay_order``;
    the order as it stands (``paid`` once M-Pesa answers; the sandbox answers at once)."""
    order = counter_order(agent, order_id)
    pay_order(order.user, order_id, "mpesa", phone=order.user.phone)
    db.session.refresh(order)
    return order_view(order)


def release(agent, order_id: int) -> OrderView:
    """Give up an unpaid counter order: its seats are free at once."""
    order = counter_order(agent, order_id)
    return order_view(unit_of_work(lambda: release_order(order.user, order_id)))


def cancel(agent, order_id: int, now: datetime | None = None) -> OrderView:
    """Cancel every valid ticket of a counter order of the carrier, refunded per its policy:
    cash-paid, in cash out of the agent's (open) drawer; otherwise the way the money came.
    One unit of work; 409 ``order-state``, ``trip-departed``, ``drawer-not-open``,
    ``drawer-short`` (the drawer holds less than the refund)."""
    counter_order(agent, order_id)
    now = now or utcnow()
    who = f"user:{agent.id}"

    def work() -> Order:
        order = lock_order(order_id)
        if order.status not in TICKETED_ORDER_STATUSES:
            raise Conflict(f"This order is {order.status.replace('_', ' ')}; nothing to cancel.", slug="order-state")
        payment = db.session.get(Payment, order.payment_id) if order.payment_id else None
        paid_cash = payment is not None and payment.method == "cash"
        drawer = drawers.require_open_drawer(agent, lock=True) if paid_cash else None
        destination = "cash" if paid_cash else way_back(order)
        if drawer is not None:
            due = refund_policy(order, valid_tickets(order, None), now=now).amount
            if due > drawers.expected_cash(drawer):
                raise Conflict("The drawer holds less cash than this refund.", slug="drawer-short")
        due = cancel_tickets(order, None, refund_to=destination, actor=who, now=now)
        if due.amount > 0:
            refund = refund_order(order, due.amount, reason=due.reason, destination=due.destination, ref=due.ref,
                                  now=now, actor=who, paid_by_agent=agent.id if paid_cash else None)
            if refund.status == "pending_payout":  # owed to M-Pesa: its payout, sent after commit
                payout_for_refund(refund, actor=who)
        return order

    return order_view(unit_of_work(work))


def departure(order: Order) -> datetime:
    return to_local(departure_at_stop(order.trip, order.origin_stop_id), order.origin.timezone)


# ---- the drawer


def open_shift(agent, opening_float: int) -> DrawerView:
    """Open the agent's drawer with its float (in the carrier's currency): one unit of work.
    409 ``drawer-already-open`` (the database's partial unique index settles a race)."""
    carrier = db.session.get(Carrier, agent.carrier_id)
    try:
        drawer = unit_of_work(lambda: drawers.open_drawer(agent, opening_float, carrier.currency))
    except IntegrityError:
        raise drawers.DrawerAlreadyOpen() from None
    return _drawer_view(drawer)


def current_drawer(agent) -> DrawerView | None:
    """The agent's open drawer, or None."""
    drawer = drawers.open_drawer_of(agent)
    return _drawer_view(drawer) if drawer else None


def drawer(agent, drawer_id: int) -> DrawerView:
    """One of the agent's own drawers (404 for anyone else's), with its report once closed."""
    return _drawer_view(drawers.drawer_of(agent, drawer_id))


def count_drawer(agent, counted: int, comment: str | None = None) -> DrawerView:
    """The agent's blind count of their open drawer (``app.counter.drawer.count``): one unit
    of work. The answer is ``recount`` (status) or the closed drawer with its report.
    409 ``drawer-not-open`` (none open, or closed already); 422 ``comment-required``."""
    carrier = db.session.get(Carrier, agent.carrier_id)

    def work() -> CashDrawer:
        open_one = drawers.require_open_drawer(agent, lock=True)
        return drawers.count(open_one, counted, comment, carrier.cash_difference_threshold).drawer

    try:
        counted_drawer = unit_of_work(work)
    except IntegrityError:  # a second closing raced this one: the database refused it
        raise Conflict("This drawer is already closed.", slug="drawer-not-open") from None
    db.session.refresh(counted_drawer)
    return _drawer_view(counted_drawer)
