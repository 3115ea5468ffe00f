"""Cancellations: the refund policy, and booking's part of a passenger's or a carrier's cancellation.

Policy: a carrier's ``refund_rules`` is a list of ``{hours_before_departure,
refund_percent}``; the rule with the largest ``hours_before_departure`` that is still
<= the hours left before the trip leaves the passenger's origin applies; after departure
nothing is refunded (and nothing can be cancelled). Amounts are integer minor units,
rounded down per ticket, so a quote never promises a fraction of a cent.

Ticket statuses: a passenger's cancellation makes tickets ``cancelled`` (whatever the
percentage); a carrier's trip cancellation makes them ``refunded`` (full price back).
Order statuses follow the money: ``refunded`` once ``refunded_amount == total_amount``,
``partially_refunded`` before that.

Booking decides *how much* goes back and moves the tickets, the seats and the order; it
does not move money (payments does, and booking does not import payments). The use cases
in ``app.sales.cancelling`` lock the order, call the function here, then payments'
``refund_order`` with what it returns, and commit once. A passenger's cancellation gets
payments' refund SMS; a trip cancellation sends one SMS per order (``trip_cancelled_sms``)
that says both what happened and where the money went, rather than two messages about the
same event. Nothing here commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app.auth.decorators import ensure_carrier_access
from app.booking.models import TICKETED_ORDER_STATUSES, Order
from app.booking.pricing import departure_at_stop
from app.booking.transitions import transition_holds, transition_order
from app.catalog.models import Trip
from app.catalog.service import transition_trip
from app.core.timeutil import to_local
from app.database import utcnow
from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db
from app.messaging import SMS_SEGMENT, Amount, Moment, t
from app.ticketing.transitions import transition_ticket
from app.ticketing.models import Ticket

REFUND_DESTINATIONS = ("wallet", "mpesa", "cash")  # cash: out of a counter drawer


@dataclass
class RefundQuote:
    """What the carrier's policy gives back for ``tickets`` at one moment."""

    amount: int
    currency: str
    percent: int
    rule: dict | None
    tickets: list[Ticket] = field(default_factory=list)


@dataclass(frozen=True)
class RefundDue:
    """Booking's part of a cancellation is done: what payments must now give back (amount
    0: nothing), to where, under which idempotency key (``ref``) and reason."""

    amount: int
    destination: str
    ref: str
    reason: str


def pick_rule(rules: list[dict], hours_left: float) -> dict | None:
    """The rule with the largest ``hours_before_departure`` <= ``hours_left`` (None after departure)."""
    if hours_left <= 0:
        return None
    eligible = [r for r in rules or [] if r["hours_before_departure"] <= hours_left]
    return max(eligible, key=lambda r: r["hours_before_departure"], default=None)


def valid_tickets(order: Order, ticket_ids: list[int] | None = None) -> list[Ticket]:
    """The order's ``valid`` tickets among ``ticket_ids`` (default: all of them), in id order.

    422 ``ticket-not-cancellable`` when an id is not a valid ticket of this order, or none is.
    """
    valid = list(db.session.scalars(
        select(Ticket).where(Ticket.order_id == order.id, Ticket.status == "valid").order_by(Ticket.id)
    ))
    if ticket_ids:
        by_id = {t.id: t for t in valid}
        wrong = sorted(set(ticket_ids) - by_id.keys())
        if wrong:
            raise Unprocessable(
                f"Ticket {', '.join(map(str, wrong))} is not a valid ticket of this order.",
                slug="ticket-not-cancellable",
            )
        valid = [by_id[i] for i in sorted(set(ticket_ids))]
    if not valid:
        raise Unprocessable("This order has no valid ticket to cancel.", slug="ticket-not-cancellable")
    return valid


def refund_policy(order: Order, tickets: list[Ticket], now=None) -> RefundQuote:
    """What cancelling ``tickets`` of ``order`` at ``now`` gives back under the carrier's policy."""
    now = now or utcnow()
    hours_left = (departure_at_stop(order.trip, order.origin_stop_id) - now).total_seconds() / 3600
    rule = pick_rule(order.trip.carrier.refund_rules, hours_left)
    percent = int(rule["refund_percent"]) if rule else 0
    amount = sum(t.order_item.price * percent // 100 for t in tickets)
    return RefundQuote(amount, order.currency, percent, rule, tickets)


def _settle_order(order: Order, amount: int, reason: str, now, *, actor: str) -> None:
    order.refunded_amount += amount
    target = "refunded" if order.refunded_amount >= order.total_amount else "partially_refunded"
    transition_order(order, target, actor=actor, reason=reason, now=now)


def cancel_tickets(order: Order, ticket_ids: list[int] | None = None, *, refund_to: str = "wallet", actor: str,
                   now=None) -> RefundDue:
    """The passenger gives tickets back; ``order`` is locked by the caller. The tickets
    become ``cancelled``, their seats free again, the order's refunded amount grows by what
    the policy gives back; the caller has payments refund that (``RefundDue``) to ``refund_to``.

    409 ``order-state`` unless paid, ``trip-departed`` after departure; 422
    ``refund-destination`` for an unknown or disallowed destination, ``ticket-not-cancellable``.
    """
    now = now or utcnow()
    if order.status not in TICKETED_ORDER_STATUSES:
        raise Conflict(f"This order is {order.status.replace('_', ' ')}; nothing to cancel.", slug="order-state")
    if refund_to not in REFUND_DESTINATIONS:
        raise Unprocessable("refund_to is 'wallet' or 'mpesa'.", slug="refund-destination")
    if refund_to == "mpesa" and not order.trip.carrier.mpesa_refunds_allowed:
        raise Unprocessable("This carrier refunds to the Safiri wallet only.", slug="refund-destination")
    quote = refund_policy(order, valid_tickets(order, ticket_ids), now=now)
    if departure_at_stop(order.trip, order.origin_stop_id) <= now:
        raise Conflict("The trip has left; its tickets can no longer be cancelled.", slug="trip-departed")
    for ticket in quote.tickets:
        transition_ticket(ticket, "cancelled", actor=actor, reason="cancelled by the passenger", now=now)
    seats = [t.seat for t in quote.tickets]
    transition_holds(to="released", reason="ticket cancelled", actor=actor, now=now, order_id=order.id,
                     seats=seats)
    if quote.amount > 0:
        _settle_order(order, quote.amount, f"{len(seats)} ticket(s) cancelled", now, actor=actor)
    return RefundDue(quote.amount, refund_to, "cancel-" + "-".join(str(t.id) for t in quote.tickets),
                  f"cancellation ({quote.percent}%)")


def trip_cancelled_sms(order: Order, amount: int, destination: str) -> str:
    """The one SMS a passenger gets when the carrier cancels: what, and where the money went.

    In the passenger's language, within one SMS: without the carrier's name when it does
    not fit (``trip_cancelled_short``).
    """
    language = order.user.language if order.user else None
    origin = order.origin
    when = Moment(to_local(departure_at_stop(order.trip, origin.id), origin.timezone))
    refund_key = "trip_refund_mpesa" if destination == "mpesa" else "trip_refund_wallet"  # mpesa: a pending payout
    values = dict(route=f"{origin.code}-{order.destination.code}", when=when, code=order.code,
                  refund=t(refund_key, language, amount=Amount(amount, order.currency)))
    text = t("trip_cancelled", language, carrier=order.trip.carrier.name[:30], **values)
    if len(text) > SMS_SEGMENT:
        text = t("trip_cancelled_short", language, **values)
    return text[:SMS_SEGMENT]


def begin_trip_cancellation(actor, trip_id: int, reason: str) -> list[int]:
    """A carrier cancels a trip (``cancelled`` under the trip's row lock); the ids of its
    orders, for the caller to settle one by one (``cancel_trip_order``). 404 for a trip of
    another carrier."""
    trip = db.session.get(Trip, trip_id)
    if trip is None:
        raise NotFound("There is no such trip.", slug="trip-not-found")
    ensure_carrier_access(actor, trip.carrier_id)
    transition_trip(trip, "cancelled", actor=f"user:{actor.id}", reason=reason)
    return list(db.session.scalars(select(Order.id).where(Order.trip_id == trip.id).order_by(Order.id)))


def cancel_trip_order(order: Order, reason: str, *, actor: str, now=None, destination: str = "wallet") -> RefundDue | None:
    """One order of a cancelled trip (``order`` locked by the caller): an unpaid one ``failed``
    with its seats released; a paid one's tickets ``refunded`` and the order refunded in
    full, returning what payments must give back, to ``destination`` (the caller's choice:
    the way the money came, ``app.payments.refunds.way_back``)."""
    now = now or utcnow()
    if order.status in ("pending_payment", "expired"):
        transition_holds(to="released", reason="trip cancelled", actor=actor, now=now, order_id=order.id)
        transition_order(order, "failed", actor=actor, reason="trip cancelled", now=now)
        return None
    if order.status not in TICKETED_ORDER_STATUSES:
        return None
    tickets = list(db.session.scalars(
        select(Ticket).where(Ticket.order_id == order.id, Ticket.status.in_(("valid", "expired")))))
    for ticket in tickets:
        transition_ticket(ticket, "refunded", actor=actor, reason=f"trip cancelled: {reason}", now=now)
    transition_holds(to="released", reason="trip cancelled", actor=actor, now=now, order_id=order.id)
    amount = sum(t.order_item.price for t in tickets)
    if amount <= 0:
        return None
    _settle_order(order, amount, "trip cancelled", now, actor=actor)
    return RefundDue(amount, destination, f"trip-cancel-{order.id}", f"trip cancelled: {reason}")
