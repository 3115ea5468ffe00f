"""Cancellations: the refund policy, passenger cancellations and carrier trip cancellations.

Policy: a carrier's ``refund_rules`` is a list of ``{hours_before_departure,
refund_percent}``; the rule with the largest ``hours_before_departure`` that is still
<= the hours left before the trip leaves the passenger's origin applies; after departure
nothing is refunded (and nothing can be cancelled). Amounts are integer minor units,
rounded down per ticket, so a quote never promises a fraction of a cent.

Ticket statuses: a passenger's cancellation makes tickets ``cancelled`` (whatever the
percentage); a carrier's trip cancellation makes them ``refunded`` (full price back).
Order statuses follow the money: ``refunded`` once ``refunded_amount == total_amount``,
``partially_refunded`` before that.

Money moves through payments' ``refund_order`` (ledger, wallet or M-Pesa, SMS), called
in the same transaction as the status changes, idempotent on ``ref``; booking does not
import payments: it sends ``app.booking.signals.refund_due`` and the sales layer
(``app.sales.wiring``) answers with the refund. A passenger's
cancellation gets payments' refund SMS; a trip cancellation asks payments not to send
it (``notify=False``) and sends one SMS per order that says both what happened and
where the money went, rather than two messages about the same event.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app.auth.decorators import ensure_carrier_access
from app.booking.models import TICKETED_ORDER_STATUSES, Order
from app.booking.pricing import departure_at_stop
from app.booking.service import get_order_for
from app.booking.signals import refund_due
from app.booking.transitions import lock_order, transition_holds, transition_order
from app.catalog.models import Trip
from app.catalog.service import transition_trip
from app.core.timeutil import to_local
from app.database import utcnow
from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db
from app.messaging import SMS_SEGMENT, Amount, Moment, t
from app.messaging.service import queue_sms
from app.ticketing.transitions import transition_ticket
from app.ticketing.models import Ticket

REFUND_DESTINATIONS = ("wallet", "mpesa")


@dataclass
class RefundQuote:
    amount: int
    currency: str
    percent: int
    rule: dict | None
    tickets: list[Ticket] = field(default_factory=list)


def _refund_order(order, amount, *, reason, destination, ref, now=None, notify=True, actor):
    """Ask for the money to move (``refund_due``: the sales layer hands it to payments).
    ``actor`` (``user:12``) is who asked, for the status history."""
    answers = refund_due.send(order, amount=amount, reason=reason, destination=destination, ref=ref, now=now,
                              notify=notify, actor=actor)
    if not answers:
        raise RuntimeError("nobody answers booking's refund_due; is app.sales.wiring registered?")
    return answers[0][1]


def pick_rule(rules: list[dict], hours_left: float) -> dict | None:
    """The rule with the largest ``hours_before_departure`` <= ``hours_left`` (None after departure)."""
    if hours_left <= 0:
        return None
    eligible = [r for r in rules or [] if r["hours_before_departure"] <= hours_left]
    return max(eligible, key=lambda r: r["hours_before_departure"], default=None)


def quote_cancellation(order: Order, ticket_ids: list[int] | None = None, now=None) -> RefundQuote:
    """What cancelling these tickets (default: every valid one) would refund, right now.

    422 ``ticket-not-cancellable`` when an id is not a valid ticket of this order.
    """
    now = now or utcnow()
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
    hours_left = (departure_at_stop(order.trip, order.origin_stop_id) - now).total_seconds() / 3600
    rule = pick_rule(order.trip.carrier.refund_rules, hours_left)
    percent = int(rule["refund_percent"]) if rule else 0
    amount = sum(t.order_item.price * percent // 100 for t in valid)
    return RefundQuote(amount, order.currency, percent, rule, valid)


def _settle_order(order: Order, amount: int, reason: str, now, *, actor: str) -> None:
    order.refunded_amount += amount
    target = "refunded" if order.refunded_amount >= order.total_amount else "partially_refunded"
    transition_order(order, target, actor=actor, reason=reason, now=now)


def cancel_tickets(user, order_id: int, ticket_ids: list[int] | None = None, *, refund_to: str = "wallet", now=None):
    """The passenger gives tickets back: they become ``cancelled``, their seats free again,
    and the quoted amount goes to ``refund_to``. Returns payments' ``Refund`` (None when the
    policy refunds 0). Commits.

    404 for another user's order; 409 ``order-state`` unless paid, ``trip-departed`` after
    departure; 422 ``refund-destination`` for an unknown or disallowed destination.
    """
    now = now or utcnow()
    get_order_for(user, order_id)
    who = f"user:{user.id}"
    try:
        order = lock_order(order_id)
        if order.status not in TICKETED_ORDER_STATUSES:
            raise Conflict(f"This order is {order.status.replace('_', ' ')}; nothing to cancel.", slug="order-state")
        if refund_to not in REFUND_DESTINATIONS:
            raise Unprocessable("refund_to is 'wallet' or 'mpesa'.", slug="refund-destination")
        if refund_to == "mpesa" and not order.trip.carrier.mpesa_refunds_allowed:
            raise Unprocessable("This carrier refunds to the Safiri wallet only.", slug="refund-destination")
        quote = quote_cancellation(order, ticket_ids, now=now)
        if departure_at_stop(order.trip, order.origin_stop_id) <= now:
            raise Conflict("The trip has left; its tickets can no longer be cancelled.", slug="trip-departed")
        for ticket in quote.tickets:
            transition_ticket(ticket, "cancelled", actor=who, reason="cancelled by the passenger", now=now)
        seats = [t.seat for t in quote.tickets]
        transition_holds(to="released", reason="ticket cancelled", actor=who, now=now, order_id=order.id,
                         seats=seats)
        refund = None
        if quote.amount > 0:
            _settle_order(order, quote.amount, f"{len(seats)} ticket(s) cancelled", now, actor=who)
            ref = "cancel-" + "-".join(str(t.id) for t in quote.tickets)
            refund = _refund_order(order, quote.amount, reason=f"cancellation ({quote.percent}%)",
                                   destination=refund_to, ref=ref, now=now, actor=who)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return refund


def _trip_cancelled_sms(order: Order, amount: int, destination: str) -> str:
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


def cancel_trip(actor, trip_id: int, reason: str, now=None) -> int:
    """A carrier cancels a trip: every paid order refunded in full, tickets ``refunded``,
    passengers told by one SMS per order (the cancellation and the refund together), unpaid
    orders ``failed`` with their seats released. Commits.

    Returns the number of orders refunded. 404 for a trip of another carrier.
    """
    now = now or utcnow()
    trip = db.session.get(Trip, trip_id)
    if trip is None:
        raise NotFound("There is no such trip.", slug="trip-not-found")
    ensure_carrier_access(actor, trip.carrier_id)
    refunded = 0
    try:
        who = f"user:{actor.id}"
        transition_trip(trip, "cancelled", actor=who, reason=reason)
        order_ids = list(db.session.scalars(select(Order.id).where(Order.trip_id == trip.id).order_by(Order.id)))
        for order_id in order_ids:
            order = lock_order(order_id)
            if order.status in ("pending_payment", "expired"):
                transition_holds(to="released", reason="trip cancelled", actor=who, now=now, order_id=order.id)
                transition_order(order, "failed", actor=who, reason="trip cancelled", now=now)
                continue
            if order.status not in TICKETED_ORDER_STATUSES:
                continue
            tickets = list(db.session.scalars(
                select(Ticket).where(Ticket.order_id == order.id, Ticket.status.in_(("valid", "expired")))))
            for ticket in tickets:
                transition_ticket(ticket, "refunded", actor=who, reason=f"trip cancelled: {reason}", now=now)
            transition_holds(to="released", reason="trip cancelled", actor=who, now=now, order_id=order.id)
            amount = sum(t.order_item.price for t in tickets)
            if amount <= 0:
                continue
            destination = "mpesa" if trip.carrier.mpesa_refunds_allowed else "wallet"
            _settle_order(order, amount, "trip cancelled", now, actor=who)
            _refund_order(order, amount, reason=f"trip cancelled: {reason}", destination=destination,
                          ref=f"trip-cancel-{order.id}", now=now, notify=False, actor=who)
            if order.user and order.user.phone:
                queue_sms(order.user.phone, _trip_cancelled_sms(order, amount, destination), "trip-cancelled",
                          user_id=order.user_id)
            refunded += 1
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return refunded
