"""Helpers for report tests: sales through the real use cases, on every channel, and the
ledger's own sums to compare a report with."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.extensions import db
from app.ledger.models import LedgerEntry, LedgerTransaction
from app.sales import cancelling, orders, paying
from app.ticketing.models import Ticket

NAIROBI = ZoneInfo("Africa/Nairobi")


def sell(world, user, *, classes=("standard",), method="mpesa", channel="api", trip=None, phone=None):
    """Hold seats and pay for them through the sales use cases; the order's view."""
    order = orders.hold_seats(user, trip_id=(trip or world.trip).id, origin_stop_id=world.nairobi.id,
                              destination_stop_id=world.eldoret.id,
                              passengers=[{"fare_class": c} for c in classes], channel=channel)
    outcome = paying.pay_order(user, order.id, method, phone=phone)
    return order, outcome


def cancel(user, order_id, ticket_ids=None):
    return cancelling.cancel(user, order_id=order_id, ticket_ids=ticket_ids)


def local_bounds(day: date, zone=NAIROBI) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def ledger_day(carrier_id: int, day: date) -> dict:
    """The ledger's own movements of a carrier's day: payable, platform and operator fees (no settlements,
    nor hand-paid payouts: movements between carrier and platform)."""
    start, end = local_bounds(day)
    rows = db.session.execute(
        select(LedgerEntry.account, func.sum(LedgerEntry.amount))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerTransaction.carrier_id == carrier_id, LedgerTransaction.kind.not_in(("settlement", "payout")),
               LedgerTransaction.created_at >= start, LedgerTransaction.created_at < end,
               LedgerEntry.account.in_([f"carrier_payable:{carrier_id}", "platform_fees",
                                        f"operator_fees:{carrier_id}"]))
        .group_by(LedgerEntry.account)
    ).all()
    sums = {account: int(total) for account, total in rows}
    return {"net_payable": sums.get(f"carrier_payable:{carrier_id}", 0), "commission": sums.get("platform_fees", 0),
            "operator_fees": sums.get(f"operator_fees:{carrier_id}", 0)}


def today() -> date:
    return datetime.now(NAIROBI).date()


def backdate_ledger(days: int = 1) -> None:
    """Move every ledger transaction (and ticket status change) ``days`` into the past:
    yesterday's business, for tests of closed days (the sales use cases stamp now)."""
    for txn in db.session.scalars(select(LedgerTransaction)):
        txn.created_at -= timedelta(days=days)
    for ticket in db.session.scalars(select(Ticket).where(Ticket.status_changed_at.is_not(None))):
        ticket.status_changed_at -= timedelta(days=days)
    db.session.commit()
