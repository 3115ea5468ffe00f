"""Cancel tickets: which ticket can be cancelled, the quote, and the refund actually made;
and a carrier's cancellation of a whole trip.

Why a use case: SMS cancelled any ``valid`` ticket, USSD only those not yet expired, and
the refund announced was computed three ways (the API from the money really moved, USSD
falling back to the quote, SMS to 0). One rule now (``can_cancel``), one quote
(``cancellation_quote``, priced by booking's ``refund_policy``) and one figure: the refund
is what the order's ``refunded_amount`` grew by in the cancelling transaction. Booking and
payments do not import each other: ``cancel`` and ``cancel_trip`` call both, in one unit
of work each.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.booking.cancellation import (
    begin_trip_cancellation,
    cancel_tickets,
    cancel_trip_order,
    refund_policy,
    trip_cancelled_sms,
    valid_tickets,
)
from app.booking.pricing import departure_at_stop
from app.booking.service import get_order_for
from app.booking.transitions import lock_order
from app.database import utcnow
from app.errors import Conflict, Unprocessable
from app.extensions import db, unit_of_work
from app.messaging.service import queue_sms
from app.payments.refunds import refund_order, way_back
from app.payouts.service import payout_for_refund
from app.sales.common import TICKETED_ORDER_STATUSES, Money
from app.sales.rules import can_cancel
from app.sales.tickets import TicketView, active_ticket_rows, find_ticket_by_code, own_ticket, ticket_view
from app.ticketing.models import Ticket


@dataclass(frozen=True)
class CancelQuote:
    """What cancelling these tickets now would refund (per the carrier's policy)."""

    order_id: int
    refund: Money
    percent: int
    rule: dict | None
    tickets: list[TicketView]
    refund_to: str = "wallet"  # where it would go by default: the way the money came

    @property
    def ticket_ids(self) -> list[int]:
        return [t.id for t in self.tickets]

    # The API's quote schema reads ``amount`` and ``currency``.
    @property
    def amount(self) -> int:
        return self.refund.amount

    @property
    def currency(self) -> str:
        return self.refund.currency


@dataclass(frozen=True)
class CancelResult:
    """What was done: the tickets cancelled and the refund really made (0 when the policy pays nothing)."""

    order_id: int
    order_status: str
    refund: Money
    refund_to: str
    tickets: list[TicketView]


def _order_rows(order, *statuses: str) -> list:
    stmt = select(Ticket).where(Ticket.order_id == order.id).order_by(Ticket.id)
    if statuses:
        stmt = stmt.where(Ticket.status.in_(statuses))
    return list(db.session.scalars(stmt))


def cancellable_tickets(user, now: datetime | None = None) -> list[TicketView]:
    """The caller's tickets that can be cancelled now, soonest first."""
    now = now or utcnow()
    return [ticket_view(t, now) for t in active_ticket_rows(user, now) if can_cancel(t, now)]


def _check(tickets, now, *, quoting: bool = False) -> None:
    """Why ``can_cancel`` refuses, as the error the passenger acts on. A quote is still
    given for a valid ticket whose trip has left (it says 0%: nothing would be refunded)."""
    for ticket in tickets:
        order = ticket.order
        if order.status not in TICKETED_ORDER_STATUSES:
            raise Conflict(f"This order is {order.status.replace('_', ' ')}; nothing to cancel.", slug="order-state")
        if quoting and ticket.status == "valid":
            continue
        # A ticket the expiry sweep already marked ``expired`` left with its trip too: the
        # passenger gets the same answer before and after the sweep.
        if ticket.status in ("valid", "expired") and departure_at_stop(ticket.trip, order.origin_stop_id) <= now:
            raise Conflict("The trip has left; its tickets can no longer be cancelled.", slug="trip-departed")
    wrong = [t.id for t in tickets if not (t.status == "valid" if quoting else can_cancel(t, now))]
    if wrong:
        raise Unprocessable(f"Ticket {', '.join(map(str, wrong))} is not a valid ticket of this order.",
                            slug="ticket-not-cancellable")


def _order_tickets(user, order_id: int | None, ticket_ids: list[int] | None, now, *, quoting: bool = False):
    """(order, ticket rows) for the caller: given ids, else every cancellable ticket of the order."""
    if ticket_ids and order_id is not None:
        order = get_order_for(user, order_id)
        by_id = {t.id: t for t in _order_rows(order)}
        wrong = sorted(set(ticket_ids) - by_id.keys())
        if wrong:
            raise Unprocessable(f"Ticket {', '.join(map(str, wrong))} is not a ticket of this order.",
                                slug="ticket-not-cancellable")
        tickets = [by_id[tid] for tid in sorted(set(ticket_ids))]
    elif ticket_ids:
        tickets = [own_ticket(user, tid) for tid in sorted(set(ticket_ids))]
        order_ids = {t.order_id for t in tickets}
        if len(order_ids) != 1:
            raise Unprocessable("Cancel the tickets of one booking at a time.", slug="ticket-not-cancellable")
        order = tickets[0].order
    else:
        order = get_order_for(user, order_id)
        if order.status not in TICKETED_ORDER_STATUSES:
            raise Conflict(f"This order is {order.status.replace('_', ' ')}; nothing to cancel.", slug="order-state")
        tickets = _order_rows(order, "valid") if quoting else \
            [t for t in active_ticket_rows(user, now) if t.order_id == order.id]
        if not quoting and not tickets:
            tickets = _order_rows(order, "valid", "expired")  # past: _check names why (trip-departed)
        if not tickets:
            raise Unprocessable("This order has no valid ticket to cancel.", slug="ticket-not-cancellable")
    return order, tickets


def cancellation_quote(user, *, ticket_ids: list[int] | None = None, order_id: int | None = None,
                       now: datetime | None = None, as_cancel: bool = False) -> CancelQuote:
    """What cancelling ``ticket_ids`` (or every cancellable ticket of ``order_id``) refunds now.

    404 for tickets or orders not the caller's; 422 ``ticket-not-cancellable`` for a ticket
    that is not valid. The API's quote also prices a valid ticket whose trip has left (0%);
    ``as_cancel=True`` refuses exactly when ``cancel`` would (409 ``trip-departed``...): what
    a channel shows before asking "confirm?", so no passenger confirms a cancellation that
    then fails.
    """
    now = now or utcnow()
    order, tickets = _order_tickets(user, order_id, ticket_ids, now, quoting=not as_cancel)
    _check(tickets, now, quoting=not as_cancel)
    quote = refund_policy(order, valid_tickets(order, [t.id for t in tickets]), now=now)
    return CancelQuote(order.id, Money(quote.amount, quote.currency), quote.percent, quote.rule,
                       [ticket_view(t, now) for t in quote.tickets], way_back(order))


def _pay_out(refund, actor: str) -> None:
    """A refund owed to M-Pesa gets its payout in the same transaction (sent after commit)."""
    if getattr(refund, "status", None) == "pending_payout":
        payout_for_refund(refund, actor=actor)


def cancel(user, *, ticket_ids: list[int] | None = None, order_id: int | None = None, refund_to: str | None = None,
           now: datetime | None = None) -> CancelResult:
    """Cancel tickets and refund per the carrier's policy to ``refund_to``: one unit of work.

    ``refund_to`` None: the way the money came (``app.payments.refunds.way_back``: M-Pesa
    back to M-Pesa, as a payout; anything else to the wallet).

    It reads: lock the order (booking), booking cancels the tickets (seats free, the order's
    refunded amount grows), payments refunds that amount, commit. The refund reported is
    the money really moved (the order's ``refunded_amount`` before and after), never a
    re-computed quote. Errors as ``cancellation_quote``, plus 409 ``trip-departed`` and 422
    ``refund-destination``.
    """
    now = now or utcnow()
    who = f"user:{user.id}"

    def work() -> CancelResult:
        order, tickets = _order_tickets(user, order_id, ticket_ids, now)
        _check(tickets, now)
        order = lock_order(order.id)
        before = order.refunded_amount
        destination = way_back(order, refund_to)
        due = cancel_tickets(order, [t.id for t in tickets], refund_to=destination, actor=who, now=now)
        if due.amount > 0:
            _pay_out(refund_order(order, due.amount, reason=due.reason, destination=due.destination, ref=due.ref,
                                  now=now, actor=who), who)
        return CancelResult(order.id, order.status, Money(order.refunded_amount - before, order.currency), destination,
                            [ticket_view(t, now) for t in tickets])

    return unit_of_work(work)


def find_cancellable_ticket(user, code: str, now: datetime | None = None) -> TicketView:
    """The caller's ticket by its short code as typed, if ``can_cancel`` allows it; else as
    ``cancellation_quote(as_cancel=True)`` refuses (404 for a code that is not theirs)."""
    view = find_ticket_by_code(user, code)
    cancellation_quote(user, ticket_ids=[view.id], now=now, as_cancel=True)
    return view


def cancel_trip(actor, trip_id: int, reason: str, now: datetime | None = None) -> int:
    """A carrier cancels a trip: one unit of work; the number of orders refunded.

    It reads: the trip cancelled (booking, under the trip's lock); then for each of its
    orders: lock the order, booking settles it (a paid one's tickets ``refunded`` and the
    order refunded in full; an unpaid one ``failed``, its seats released), payments refunds
    (without its own SMS), messaging queues the one SMS that says what happened and where
    the money went; commit. 404 for a trip of another carrier.
    """
    now = now or utcnow()
    who = f"user:{actor.id}"

    def work() -> int:
        refunded = 0
        for order_id in begin_trip_cancellation(actor, trip_id, reason):
            order = lock_order(order_id)
            due = cancel_trip_order(order, reason, actor=who, now=now, destination=way_back(order))
            if due is None:
                continue
            _pay_out(refund_order(order, due.amount, reason=due.reason, destination=due.destination, ref=due.ref,
                                  now=now, notify=False, actor=who), who)
            if order.user and order.user.phone:
                queue_sms(order.user.phone, trip_cancelled_sms(order, due.amount, due.destination), "trip-cancelled",
                          user_id=order.user_id)
            refunded += 1
        return refunded

    return unit_of_work(work)
