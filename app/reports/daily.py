"""A carrier's daily sales report: queries over the ledger, broken down for the carrier.

Every money figure is a sum of ledger entries, so the report agrees with the ledger to
the minor unit. A day's transactions are the carrier's (``ledger_transactions.carrier_id``)
whose timestamp falls in the local day (``Scope``); movements between the carrier and the
platform are not sales business and stay out (``EXCLUDED_KINDS``): payouts of settlements
(kind ``settlement``), and a refund the carrier paid by hand from its own M-Pesa (kind
``payout``: the platform owes it that money back; the refund itself was counted when it
was made, so counting the credit too would show it as a sale). Per transaction, from its entries on
the carrier's three accounts:

- ``net_payable``: the change of ``carrier_payable:<carrier>``;
- ``commission``: the change of ``platform_fees`` (fees taken on sales, minus fees given
  back on refunds);
- ``operator_fees``: the change of ``operator_fees:<carrier>`` (``app.ledger.fees``);
- their sum is the money the passenger paid (positive: ``gross``) or got back
  (negative: ``refunds``), so ``gross - refunds - commission - operator_fees =
  net_payable`` holds for every row, not only the total.

Breakdowns: each transaction is joined to its order (route, trip, channel: ``api`` is the
app), to the payment that paid the order (method, as the API names it) and to the order's
passengers (fare class). A transaction's money is split over the order's passengers in
proportion to their prices by cumulative rounding (each gets ``x*cum/total -
x*(cum-price)/total``), which adds up exactly, so every breakdown's rows sum to the totals. Ticket counts: ``tickets_sold`` are the passengers of the day's sales;
``tickets_refunded`` the tickets given back that day (cancelled or refunded) of orders
with a refund movement that day.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, and_, case, cast, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from app.booking.models import Order, OrderItem
from app.catalog.models import Route, RouteStop, Stop, Trip
from app.extensions import db
from app.ledger.fees import PLATFORM_FEES, operator_fees
from app.ledger.models import LedgerEntry, LedgerTransaction
from app.ledger.service import carrier_payable
from app.payments.models import PUBLIC_METHODS, Payment
from app.reports.models import ClosedDay, ClosedDayTransaction
from app.ticketing.models import Ticket

MONEY = ("gross", "refunds", "commission", "operator_fees", "net_payable")
COUNTS = ("tickets_sold", "tickets_refunded")
DIMENSIONS = {  # breakdown name -> the key fields of its rows
    "by_route": ("route_id",), "by_trip": ("trip_id",), "by_channel": ("channel",),
    "by_payment_method": ("method",), "by_fare_class": ("fare_class",),
}
# Movements between the carrier and the platform, not the day's business: settlements paid to
# the carrier, and payouts the carrier paid by hand (credited back to it).
EXCLUDED_KINDS = ("settlement", "payout")


@dataclass(frozen=True)
class Scope:
    """Which ledger transactions a report counts.

    ``closed_day_id``: exactly those assigned to a closed day. Otherwise the carrier's
    transactions with ``lower <= created_at < upper`` not assigned to any closed day
    (``unassigned_only``; skipped when the carrier has closed nothing, to spare a probe).
    ``tickets_from``/``tickets_to``: the day itself, for the ticket counts.
    """

    carrier_id: int
    currency: str
    tickets_from: datetime
    tickets_to: datetime
    lower: datetime | None = None
    upper: datetime | None = None
    unassigned_only: bool = False
    closed_day_id: int | None = None
    adjustable: bool = True  # False: the carrier has closed nothing, so nothing adjusts a closed day


def _day_transactions(scope: Scope, *, besides_sales: bool = False):
    """One row per transaction in scope: its order and its money on the carrier's accounts.

    ``besides_sales``: only the transactions that are not sales, or are late (stamped before
    the day): the few the ticket and adjustment queries look at, so they skip the sales'
    entries.
    """
    payable, opfees = carrier_payable(scope.carrier_id), operator_fees(scope.carrier_id)
    t, e = LedgerTransaction, LedgerEntry

    def on(account):
        return cast(func.sum(case((e.account == account, e.amount), else_=0)), BigInteger)

    query = (
        select(t.id.label("txn_id"), t.kind, t.order_id, t.created_at,
               on(payable).label("payable"), on(PLATFORM_FEES).label("fees"), on(opfees).label("opfees"))
        .join(e, e.transaction_id == t.id)
        .where(e.account.in_([payable, PLATFORM_FEES, opfees]), e.currency == scope.currency)
        .group_by(t.id, t.kind, t.order_id, t.created_at)
    )
    if scope.closed_day_id is not None:
        query = query.join(ClosedDayTransaction, ClosedDayTransaction.ledger_transaction_id == t.id).where(
            ClosedDayTransaction.closed_day_id == scope.closed_day_id)
    else:
        query = query.where(t.carrier_id == scope.carrier_id, t.kind.not_in(EXCLUDED_KINDS),
                            t.created_at >= scope.lower, t.created_at < scope.upper)
        if scope.unassigned_only:
            query = query.where(~exists().where(ClosedDayTransaction.ledger_transaction_id == t.id))
    if besides_sales:
        query = query.where(or_(t.kind != "sale", t.created_at < scope.tickets_from))
    return query.cte("day_txns")


def money_rows(scope: Scope) -> list[dict]:
    """The day's money at the finest grain (trip x channel x method x fare class); the route
    is the trip's (``labels``), looked up once per trip rather than once per transaction."""
    return [_row(r._mapping, tickets_refunded=0) for r in db.session.execute(money_query(scope))]


def money_query(scope: Scope):
    """The statement behind ``money_rows`` (the benchmark explains it).

    One pass: each transaction joined to its order, the order's paying payment and its
    passengers (one row per passenger), each passenger's cumulative share of the order's
    price computed by a window, then summed per trip, channel, method and fare class.
    """
    d = _day_transactions(scope)
    money, zero = d.c.payable + d.c.fees + d.c.opfees, literal(0, BigInteger)
    items = (
        select(d.c.kind, Order.trip_id, Order.channel, Payment.method, OrderItem.fare_class, OrderItem.price,
               case((money > 0, money), else_=zero).label("g"), case((money < 0, -money), else_=zero).label("r"),
               d.c.fees.label("f"), d.c.opfees.label("o"),
               cast(func.sum(OrderItem.price).over(partition_by=d.c.txn_id, order_by=OrderItem.id),
                    BigInteger).label("cum"),
               cast(func.sum(OrderItem.price).over(partition_by=d.c.txn_id), BigInteger).label("tot"))
        .select_from(d)
        .outerjoin(Order, Order.id == d.c.order_id)
        .outerjoin(Payment, Payment.id == Order.payment_id)
        .outerjoin(OrderItem, OrderItem.order_id == d.c.order_id)
    ).subquery("items")
    i = items.c

    def share(x):
        """This passenger's part of ``x``: cumulative rounding, so the parts add up to ``x``."""
        return case((i.tot.is_(None), x), else_=(x * i.cum) // i.tot - (x * (i.cum - i.price)) // i.tot)

    shares = select(i.trip_id, i.channel, i.method, i.fare_class, i.kind, i.price, share(i.g).label("g"),
                    share(i.r).label("r"), share(i.f).label("f"), share(i.o).label("o")).subquery("shares")
    p = shares.c

    def total(x):
        return cast(func.sum(x), BigInteger)

    return (
        select(p.trip_id, p.channel, p.method, p.fare_class, total(p.g).label("gross"),
               total(p.r).label("refunds"), total(p.f).label("commission"), total(p.o).label("operator_fees"),
               total(p.g - p.r - p.f - p.o).label("net_payable"),
               func.count(p.price).filter(p.kind == "sale").label("tickets_sold"))
        .group_by(p.trip_id, p.channel, p.method, p.fare_class)
    )


def refunded_ticket_rows(scope: Scope) -> list[dict]:
    """Tickets given back in the day, of orders whose money went back in this report."""
    d = _day_transactions(scope, besides_sales=True)
    refunded_orders = select(d.c.order_id).where(d.c.payable + d.c.fees + d.c.opfees < 0).distinct()
    query = (
        select(Order.trip_id, Order.channel, Payment.method, Ticket.fare_class,
               func.count(Ticket.id).label("tickets_refunded"))
        .select_from(Ticket)
        .join(Order, Order.id == Ticket.order_id)
        .outerjoin(Payment, Payment.id == Order.payment_id)
        .where(Ticket.order_id.in_(refunded_orders), Ticket.status.in_(("cancelled", "refunded")),
               Ticket.status_changed_at >= scope.tickets_from, Ticket.status_changed_at < scope.tickets_to)
        .group_by(Order.trip_id, Order.channel, Payment.method, Ticket.fare_class)
    )
    return [_row(r._mapping) for r in db.session.execute(query)]


def adjustment_rows(scope: Scope, day) -> list[dict]:
    """Transactions of this report that belong to an earlier closed day: one row each.

    *Late*: its timestamp lies before this report's day (it committed after that day was
    closed, so the close could not count it). *Later*: not a sale, and it moves money of
    an order whose sale was counted in an earlier closed day (a refund on Wednesday of a
    ticket sold on a closed Monday). Either way it is counted here, on the day it reached
    the books, and named with the day it adjusts.
    """
    d = _day_transactions(scope, besides_sales=True)
    sale = aliased(LedgerTransaction)
    query = (
        select(d.c.txn_id, d.c.kind, d.c.created_at, d.c.payable, d.c.fees, d.c.opfees,
               ClosedDay.day.label("sale_day"))
        .select_from(d)
        .outerjoin(sale, and_(sale.order_id == d.c.order_id, sale.kind == "sale", d.c.kind != "sale"))
        .outerjoin(ClosedDayTransaction, ClosedDayTransaction.ledger_transaction_id == sale.id)
        .outerjoin(ClosedDay, and_(ClosedDay.id == ClosedDayTransaction.closed_day_id, ClosedDay.day < day))
        .where(or_(d.c.created_at < scope.tickets_from, ClosedDay.id.is_not(None)))
        .order_by(d.c.txn_id)
    )
    rows: dict[int, dict] = {}
    for r in db.session.execute(query):
        late = r.created_at < scope.tickets_from
        rows.setdefault(r.txn_id, {
            "kind": r.kind, "late": late, "created_at": r.created_at, "sale_day": r.sale_day,
            "payable": int(r.payable), "fees": int(r.fees), "opfees": int(r.opfees),
        })
    return list(rows.values())


def _first_stop_zone():
    """The zone of a trip's first stop (a trip's times are shown there), as a column."""
    return (select(Stop.timezone).join(RouteStop, RouteStop.stop_id == Stop.id)
            .where(RouteStop.route_id == Trip.route_id).order_by(RouteStop.position).limit(1)
            .scalar_subquery().label("timezone"))


def boarding_rows(carrier_id: int, start: datetime, end: datetime) -> list:
    """Per trip departing in [start, end): tickets that may travel, and how many boarded."""
    travelling = Ticket.status.in_(("valid", "used", "expired"))
    counts = (
        select(Trip.id.label("trip_id"), func.count(Ticket.id).filter(travelling).label("tickets"),
               func.count(Ticket.id).filter(Ticket.status == "used").label("boarded"))
        .select_from(Trip)
        .outerjoin(Ticket, Ticket.trip_id == Trip.id)
        .where(Trip.carrier_id == carrier_id, Trip.departure_at >= start, Trip.departure_at < end)
        .group_by(Trip.id)
    ).subquery()
    query = (
        select(counts, Trip.departure_at, Trip.status, Route.code.label("route_code"), _first_stop_zone())
        .join(Trip, Trip.id == counts.c.trip_id)
        .join(Route, Route.id == Trip.route_id)
        .order_by(Trip.departure_at, Trip.id)
    )
    return list(db.session.execute(query))


def labels(trip_ids) -> dict:
    """Per trip id: its departure (and its first stop's zone), its route's id, code and name."""
    ids = [i for i in trip_ids if i is not None]
    if not ids:
        return {}
    return {r.id: r for r in db.session.execute(
        select(Trip.id, Trip.departure_at, Route.id.label("route_id"), Route.code, Route.name, _first_stop_zone())
        .join(Route, Route.id == Trip.route_id).where(Trip.id.in_(ids)))}


def _row(mapping, **extra) -> dict:
    row = {key: mapping.get(key) for key in ("trip_id", "route_id", "channel", "method", "fare_class")}
    if row["method"] is not None:
        row["method"] = PUBLIC_METHODS.get(row["method"], row["method"])
    for key in MONEY:
        row[key] = int(mapping.get(key) or 0)
    for key in COUNTS:
        row[key] = int(mapping.get(key) or 0)
    row.update(extra)
    return row
