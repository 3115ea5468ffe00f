"""The dashboard's figures: set-based reads of the ledger, orders, payments, tickets and scans.

Why here and not in the areas: the dashboard reads across areas (a sale is a ledger
transaction, its channel is the order's, its method the payment's), and the pages layer may
read every area below it; nothing here writes. Each function is one grouped query (no query
per row), bounded by the carrier and a window of local days.

Sales are the ledger's: a ``sale`` transaction tagged with the carrier, its gross the sum of
its entries on ``carrier_payable:<id>`` and ``platform_fees`` (what ``carrier_statement``
calls sales), so the dashboard agrees with the statement to the minor unit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, literal_column, select

from app.booking.models import Order
from app.catalog.models import Carrier, Route, Trip, Vehicle
from app.extensions import db
from app.ledger.models import LedgerEntry, LedgerTransaction
from app.ledger.service import COUNTRY_ZONES, PLATFORM_FEES, carrier_payable
from app.payments.models import Payment
from app.ticketing.models import Ticket
from app.ticketing.scan_models import Scan, ScanConflict

DAYS = 30
UPCOMING_DAYS = 7
SOLD_TICKET_STATUSES = ("valid", "used", "expired")  # a seat paid for (not cancelled or refunded)


@dataclass(frozen=True)
class Window:
    """The last ``DAYS`` local days of a carrier, today included, as UTC bounds."""

    zone: ZoneInfo
    first: date
    today: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), tzinfo=self.zone)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.today + timedelta(days=1), time(0), tzinfo=self.zone)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.today - self.first).days + 1)]


def window_for(carrier: Carrier, now: datetime) -> Window:
    zone = ZoneInfo(COUNTRY_ZONES.get(carrier.country, "UTC"))
    today = now.astimezone(zone).date()
    return Window(zone, today - timedelta(days=DAYS - 1), today)


def _local_day(column, window: Window):
    """The local calendar day of a UTC timestamp column, computed by the database."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone(window.zone.key, column))
    # SQLite has no time zones: shift by the zone's offset (the zones we serve keep no DST).
    minutes = int(window.zone.utcoffset(datetime.combine(window.today, time(12))).total_seconds() // 60)
    return func.date(column, literal_column(f"'{minutes:+d} minutes'"))


def _day(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def sales(carrier: Carrier, window: Window, by: str) -> list[dict]:
    """Gross sales per local day and channel (``by="channel"``) or payment method (``"method"``)."""
    key = Order.channel if by == "channel" else func.coalesce(Payment.method, "unknown")
    day = _local_day(LedgerTransaction.created_at, window)
    rows = db.session.execute(
        select(day.label("day"), key.label("key"), LedgerEntry.currency,
               func.count(func.distinct(LedgerTransaction.id)), func.sum(LedgerEntry.amount))
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(Order, Order.id == LedgerTransaction.order_id)
        .outerjoin(Payment, Payment.id == LedgerTransaction.payment_id)
        .where(LedgerTransaction.carrier_id == carrier.id, LedgerTransaction.kind == "sale",
               LedgerTransaction.created_at >= window.start, LedgerTransaction.created_at < window.end,
               LedgerEntry.account.in_([carrier_payable(carrier.id), PLATFORM_FEES]))
        .group_by(day, key, LedgerEntry.currency)
        .order_by(day, key)
    ).all()
    return [{"date": _day(d), by: k, "currency": cur, "count": int(n), "amount": int(total)}
            for d, k, cur, n, total in rows]


def occupancy(carrier: Carrier, window: Window) -> list[dict]:
    """Each trip departing in the window or the coming week (seats sell ahead): seats,
    tickets sold, boarded, occupancy in percent; latest departure first."""
    sold = func.count(Ticket.id)
    boarded = func.count(Ticket.id).filter(Ticket.status == "used")
    rows = db.session.execute(
        select(Trip.id, Trip.departure_at, Trip.status, Route.name, Vehicle.seat_count, sold, boarded)
        .join(Route, Route.id == Trip.route_id)
        .join(Vehicle, Vehicle.id == Trip.vehicle_id)
        .outerjoin(Ticket, and_(Ticket.trip_id == Trip.id, Ticket.status.in_(SOLD_TICKET_STATUSES)))
        .where(Trip.carrier_id == carrier.id, Trip.departure_at >= window.start,
               Trip.departure_at < window.end + timedelta(days=UPCOMING_DAYS))
        .group_by(Trip.id, Trip.departure_at, Trip.status, Route.name, Vehicle.seat_count)
        .order_by(Trip.departure_at.desc())
        .limit(500)
    ).all()
    return [{"trip_id": trip_id, "departure_at": departure.astimezone(window.zone).isoformat(),
             "route": route, "status": status, "seats": seats, "sold": int(n_sold), "boarded": int(n_boarded),
             "occupancy_percent": round(100 * int(n_sold) / seats, 1) if seats else 0.0}
            for trip_id, departure, status, route, seats, n_sold, n_boarded in rows]


def scan_conflicts(carrier: Carrier, window: Window) -> list[dict]:
    """Offline-scan conflicts found at upload (double boarding, boarded after a revocation)."""
    first = db.aliased(Scan)
    second = db.aliased(Scan)
    rows = db.session.execute(
        select(ScanConflict.id, ScanConflict.kind, ScanConflict.trip_id, Ticket.short_code,
               ScanConflict.created_at, first.device_id, first.scanned_at, second.device_id, second.scanned_at)
        .join(Ticket, Ticket.id == ScanConflict.ticket_id)
        .join(second, second.id == ScanConflict.second_scan_id)
        .outerjoin(first, first.id == ScanConflict.first_scan_id)
        .where(ScanConflict.carrier_id == carrier.id, ScanConflict.created_at >= window.start,
               ScanConflict.created_at < window.end)
        .order_by(ScanConflict.created_at.desc())
        .limit(500)
    ).all()

    def local(value):
        return value.astimezone(window.zone).isoformat() if value else None

    return [{"id": cid, "kind": kind, "trip_id": trip_id, "ticket": code, "found_at": local(found),
             "first_device": dev1, "first_scanned_at": local(at1), "second_device": dev2,
             "second_scanned_at": local(at2)}
            for cid, kind, trip_id, code, found, dev1, at1, dev2, at2 in rows]
