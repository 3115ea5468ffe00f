"""Booking services: holding seats, applying a payment to an order, releasing it.

Transactions: nothing here commits. The use cases of ``app.sales`` call these inside
their unit of work (``app.extensions.unit_of_work``) and commit once, so that "money
recorded", "order paid" and "tickets issued" commit together or not at all.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.auth.models import User
from app.booking.holds import place_holds
from app.booking.models import CHANNELS, PAID_OR_REFUNDED_ORDER_STATUSES, Order, OrderItem, SeatHold
from app.booking.pricing import check_stops, departure_at_stop, fares_for
from app.booking.states import ORDER
from app.booking.transitions import (
    remember_order_lock,
    lapse_conversion, lock_order, new_converted_hold, transition_holds, transition_order,
)
from app.catalog.models import SELLABLE_TRIP_STATUSES, Route, Trip
from app.core.phone import normalize_phone
from app.database import utcnow
from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db
from app.ticketing.models import Ticket

MAX_PASSENGERS = 10
BOOKABLE_TRIP_STATUSES = SELLABLE_TRIP_STATUSES  # one definition, in the catalog
# Booking codes double as the M-Pesa account number typed on a keypad: no 0/O, 1/I/L, U.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 8


# A trip with what pricing and ticketing read (carrier is joined by the mapping), in one query.
TRIP_GEOMETRY = (joinedload(Trip.route).joinedload(Route.stops),)


def load_trip(trip_id: int, *, vehicle: bool = False) -> Trip | None:
    """The trip with its route and stops (and vehicle) loaded in one round trip."""
    options = TRIP_GEOMETRY + ((joinedload(Trip.vehicle),) if vehicle else ())
    return db.session.get(Trip, trip_id, options=options)



def new_order_code() -> str:
    """An unguessable booking code (8 symbols, ~39 bits)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _validate_passengers(passengers: list[dict], layout: list[str]) -> list[str]:
    if not 1 <= len(passengers) <= MAX_PASSENGERS:
        raise Unprocessable(
            f"An order has between 1 and {MAX_PASSENGERS} passengers.", slug="passenger-count"
        )
    chosen = [p["seat"] for p in passengers if p.get("seat")]
    unknown = [s for s in chosen if s not in layout]
    if unknown:
        raise Unprocessable(f"Seat {', '.join(unknown)} does not exist on this vehicle.", slug="seat-not-in-layout")
    if len(set(chosen)) != len(chosen):
        raise Unprocessable("The same seat is chosen twice.", slug="duplicate-seat")
    return chosen


def create_order(user: User, *, trip_id: int, origin_stop_id: int, destination_stop_id: int,
                 passengers: list[dict], channel: str = "api", sold_by: User | None = None, now=None,
                 occupied: dict[str, set[int]] | None = None) -> Order:
    """Hold seats and price them: a ``pending_payment`` order that lives for ``HOLD_TTL_SECONDS``.

    Never commits (the use case does). Errors (the caller rolls back; nothing is kept):
    404 ``trip-not-found``; 409 ``trip-not-bookable``, ``trip-departed``, ``seat-taken``,
    ``sold-out``; 422 ``passenger-count``,
    ``seat-not-in-layout``, ``duplicate-seat``, ``stop-not-on-route``,
    ``stops-out-of-order``, ``unknown-fare-class``. ``sold_by``: the agent of a counter sale.
    ``occupied``: the trip's taken segments when the caller has just read them
    (``availability.occupied_segments``): pricing and the first seat pick use that read.
    """
    now = now or utcnow()
    if channel not in CHANNELS or (channel == "counter") != (sold_by is not None):
        raise Unprocessable(f"Unknown channel {channel!r}.", slug="channel")
    trip = load_trip(trip_id, vehicle=True)
    if trip is None:
        raise NotFound("There is no such trip.", slug="trip-not-found")
    if trip.status not in BOOKABLE_TRIP_STATUSES:
        raise Conflict(f"This trip is {trip.status}; it is not sold any more.", slug="trip-not-bookable")
    check_stops(trip, origin_stop_id, destination_stop_id)
    if departure_at_stop(trip, origin_stop_id) <= now:
        raise Conflict("This trip has already left your stop.", slug="trip-departed")
    layout = list(trip.vehicle.seat_layout)
    chosen = _validate_passengers(passengers, layout)
    fares = fares_for(trip, origin_stop_id, destination_stop_id, {p["fare_class"] for p in passengers}, now=now,
                      occupied=occupied)
    currency = next(iter(fares.values())).currency

    expires_at = now + timedelta(seconds=current_app.config["HOLD_TTL_SECONDS"])
    order = Order(
        code=new_order_code(), user_id=user.id, trip_id=trip.id, origin_stop_id=origin_stop_id,
        destination_stop_id=destination_stop_id, currency=currency,
        total_amount=sum(fares[p["fare_class"]].amount for p in passengers),
        channel=channel, sold_by=sold_by.id if sold_by else None, hold_expires_at=expires_at, created_at=now,
        items=[],  # a new order has no items: no lazy load on append
    )
    ORDER.create(order, "pending_payment", actor=f"user:{user.id}", reason=f"ordered by {channel}", now=now)
    auto = iter(place_holds(
        order, layout, chosen, sum(1 for p in passengers if not p.get("seat")), now=now, expires_at=expires_at,
        occupied=occupied,
    ))
    for p in passengers:
        order.items.append(OrderItem(
            seat=p.get("seat") or next(auto), fare_class=p["fare_class"],
            price=fares[p["fare_class"]].amount, passenger_name=p.get("name"),
            price_detail=fares[p["fare_class"]].detail(), concession_until=p.get("concession_until"),
        ))
    return order


@dataclass
class ApplyResult:
    """What ``apply_payment`` did; payments acts on ``outcome`` (a sale, the wallet, suspense).
    ``tickets``: filled by the caller once ticketing has issued them for an applied payment."""

    outcome: str  # applied | already_paid | seats_gone | mismatch | not_payable
    order: Order | None
    tickets: list[Ticket] = field(default_factory=list)
    detail: str = ""


def apply_payment(order_id: int, *, amount: int, currency: str, payment_id: int, now=None,
                  actor: str = "system:payments") -> ApplyResult:
    """Apply a received payment to its order, under the order's row lock (taken here unless
    the caller already holds it). Runs in the caller's transaction; never commits.

    - ``applied``: holds converted (or the seats re-claimed after expiry), the order
      ``paid``; the caller has ticketing issue the tickets (``issue_tickets_for_order``).
    - ``already_paid``: a second payment for a paid order; payments refunds it.
    - ``mismatch``: amount or currency differ from the order; nothing issued, payments parks it.
    - ``seats_gone``: the hold lapsed and someone else bought a seat; payments refunds.
    - ``not_payable``: unknown order, or it failed (trip cancelled) or the trip left/was
      cancelled; payments refunds.
    A ``held`` hold past its expiry that nobody took over is simply converted: the seat
    never left this order, so the late payer keeps it. ``actor`` (``provider:mpesa``...)
    is recorded in the status history of every change.
    """
    now = now or utcnow()
    order = lock_order(order_id)
    if order is None:
        return ApplyResult("not_payable", None, detail="No such order.")
    if order.status in PAID_OR_REFUNDED_ORDER_STATUSES:
        return ApplyResult("already_paid", order, detail=f"Order {order.code} is already paid.")
    if order.status == "failed":
        return ApplyResult("not_payable", order, detail=f"Order {order.code} was cancelled.")
    if amount != order.total_amount or currency != order.currency:
        return ApplyResult(
            "mismatch", order,
            detail=f"Order {order.code} costs {order.total_amount} {order.currency}; received {amount} {currency}.",
        )
    trip = load_trip(order.trip_id)  # one query for trip, route and stops
    set_committed_value(order, "trip", trip)  # the order holds them: ticketing and the answer read them, no reload
    if trip.status not in BOOKABLE_TRIP_STATUSES or departure_at_stop(trip, order.origin_stop_id) <= now:
        return ApplyResult("not_payable", order, detail=f"The trip of order {order.code} is no longer sold.")

    seats = [item.seat for item in order.items]
    # held -> converted cannot violate the unique index (it covers both statuses): no SAVEPOINT.
    converted = transition_holds(to="converted", reason=f"paid by payment {payment_id}", actor=actor, now=now,
                                 order_id=order.id)
    try:
        if converted < len(seats):
            # Some holds lapsed: re-claim those seats; the unique index decides, inside a SAVEPOINT.
            with db.session.begin_nested():
                have = set(db.session.scalars(
                    select(SeatHold.seat).where(SeatHold.order_id == order.id, SeatHold.status == "converted")
                ))
                for seat in seats:
                    if seat not in have:
                        new_converted_hold(order, seat, actor=actor, now=now)
                db.session.flush()
    except IntegrityError:
        if converted:
            lapse_conversion(order.id, reason="hold lapsed", actor=actor, now=now)
        if order.status == "pending_payment":
            transition_order(order, "expired", actor=actor, reason="hold lapsed; seats sold to someone else", now=now)
        transition_holds(to="expired", reason="hold lapsed", actor=actor, now=now, order_id=order.id)
        return ApplyResult("seats_gone", order, detail=f"The seats of order {order.code} were sold meanwhile.")
    order = transition_order(order, "paid", actor=actor, reason=f"payment {payment_id}", now=now)
    order.payment_id = payment_id
    return ApplyResult("applied", order, detail=f"Order {order.code} paid.")


def find_order(order_id: int | None = None, *, code: str | None = None, lock: bool = False) -> Order | None:
    """An order by id or by booking code (any case); ``lock`` takes its row lock. None if unknown."""
    if order_id is None:
        wanted = (code or "").strip().upper()
        if not wanted:
            return None
        order_id = db.session.scalar(select(Order.id).where(func.upper(Order.code) == wanted))
        if order_id is None:
            return None
    return lock_order(order_id) if lock else db.session.get(Order, order_id)


def lock_payable_order(order_id: int, now=None) -> Order:
    """The order under a row lock when it can be paid now (pending, hold not expired).

    404 for an unknown order; 409 ``order-not-payable`` naming its state otherwise.
    """
    now = now or utcnow()
    order = lock_order(order_id)
    if order is None:
        raise NotFound("No such order.")
    if order.status != "pending_payment" or order.hold_expires_at <= now:
        state = "already paid" if order.status in PAID_OR_REFUNDED_ORDER_STATUSES else (
            "expired" if order.status == "pending_payment" else order.status.replace("_", " "))
        raise Conflict(f"Booking {order.code} cannot be paid: it is {state}.", slug="order-not-payable")
    return order


def lock_own_order(user: User, order_id: int) -> Order:
    """The user's own order under its row lock, with what paying it reads next (items, trip,
    route, stops, vehicle) in the same statement; 404 for anyone else's order.

    Why: a wallet purchase read the order to check its owner, then again under the lock,
    then its items, trip and vehicle one by one. The owner is in the WHERE clause, so
    nobody else's row is ever locked; the lock is remembered for this transaction, so
    ``lock_payable_order`` takes the row from the session (see ``transitions.lock_order``).
    """
    order = db.session.execute(
        select(Order).where(Order.id == order_id, Order.user_id == user.id)
        .options(joinedload(Order.items), joinedload(Order.trip).joinedload(Trip.route).joinedload(Route.stops),
                 joinedload(Order.trip).joinedload(Trip.vehicle))
        .with_for_update(of=Order).execution_options(populate_existing=True)
    ).unique().scalar_one_or_none()
    if order is None:
        raise NotFound("There is no such order.", slug="order-not-found")
    remember_order_lock(order)
    return order


def get_order_for(user: User, order_id: int) -> Order:
    """The user's own order; 404 for anyone else's (never reveal that it exists)."""
    order = db.session.get(Order, order_id)
    if order is None or order.user_id != user.id:
        raise NotFound("There is no such order.", slug="order-not-found")
    return order


def list_orders(user: User, status: str | None = None) -> list[Order]:
    stmt = select(Order).where(Order.user_id == user.id).order_by(Order.created_at.desc(), Order.id.desc())
    if status:
        stmt = stmt.where(Order.status == status)
    return list(db.session.scalars(stmt))


def release_order(user: User, order_id: int, now=None) -> Order:
    """The passenger gives up an unpaid order: seats freed now instead of at expiry. Never commits."""
    now = now or utcnow()
    get_order_for(user, order_id)
    order = lock_order(order_id)
    if order.status != "pending_payment":
        raise Conflict(f"This order is {order.status.replace('_', ' ')}; only unpaid orders can be released.",
                       slug="order-state")
    transition_holds(to="released", reason="released by the passenger", actor=f"user:{user.id}", now=now,
                     order_id=order.id)
    transition_order(order, "expired", actor=f"user:{user.id}", reason="released by the passenger", now=now)
    return order


def list_tickets(user: User, scope: str = "active", now=None) -> list[Ticket]:
    """``active``: valid tickets still usable; ``history``: everything else (used, cancelled, past...)."""
    now = now or utcnow()
    active = Ticket.active_clause(now)
    stmt = select(Ticket).where(Ticket.user_id == user.id)
    if scope == "active":
        stmt = stmt.where(active).order_by(Ticket.valid_from, Ticket.id)
    elif scope == "history":
        stmt = stmt.where(~active).order_by(
            Ticket.valid_from.desc(), Ticket.id)
    else:
        raise Unprocessable("scope is 'active' or 'history'.", slug="scope")
    return list(db.session.scalars(stmt))


def get_or_create_passenger(phone: str) -> User:
    """The passenger behind a phone number (USSD/SMS buyers have no account yet).

    Does not commit; safe against two sessions creating the same number at once (the
    unique phone decides, inside a savepoint). Raises ``InvalidPhone`` for a bad number.
    """
    e164 = normalize_phone(phone, current_app.config.get("DEFAULT_COUNTRY", "KE"))
    user = db.session.scalar(select(User).where(User.phone == e164))
    if user is not None:
        return user
    try:
        with db.session.begin_nested():
            user = User(phone=e164, role="passenger")
            db.session.add(user)
            db.session.flush()
    except IntegrityError:
        user = db.session.scalar(select(User).where(User.phone == e164))
    return user
