"""Who travels on a trip: the carrier's manifest, one row per ticket, in one query.

Why in booking: a row joins the ticket (seat, passenger, status) with its order (channel,
boarding and alighting stops, the buyer's phone) and the fare paid for that passenger
(the order item's price); booking owns orders and may read ticketing's tickets and scans.
The offline scanner's manifest (``app.ticketing.manifest``) is another thing: initials and
hashed codes for a device that may be lost, this one names people for the carrier.

``boarded``: a scan boarded the ticket and was not undone (the same rule as the
one-boarding index). ``no_show``: the passenger's stop was left behind (the trip is past
that stop's departure time, or departed/arrived) with a live ticket that never boarded.
Phones are masked: the manifest is printed and left on counters.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased

from app.booking.models import Order, OrderItem
from app.catalog.models import RouteStop, Stop, Trip
from app.core.phone import mask_phone
from app.core.timeutil import isoformat
from app.database import utcnow
from app.extensions import db
from app.ticketing.models import Ticket
from app.ticketing.scan_models import Scan
from app.auth.models import User

SOLD_STATUSES = ("valid", "used", "expired")  # a seat paid for and not given back
CSV_COLUMNS = ("seat", "passenger_name", "phone", "fare_class", "origin", "destination", "channel",
               "paid_amount", "paid_currency", "status", "boarded", "no_show", "ticket_id")


def sold_seat_counts(trip_ids: list[int]) -> dict[int, int]:
    """Seats with a live ticket per trip id (every id present): the carrier list's "sold".

    Distinct seats: a seat sold Nairobi→Nakuru and again Nakuru→Kisumu is one seat.
    """
    counts = {trip_id: 0 for trip_id in trip_ids}
    if trip_ids:
        rows = db.session.execute(
            select(Ticket.trip_id, func.count(Ticket.seat.distinct()))
            .where(Ticket.trip_id.in_(trip_ids), Ticket.status.in_(SOLD_STATUSES))
            .group_by(Ticket.trip_id))
        counts.update(dict(rows.all()))
    return counts


def passenger_list(trip: Trip, *, now: datetime | None = None) -> dict:
    """The manifest of ``trip``: every ticket (cancelled ones too, by status), by seat order."""
    now = now or utcnow()
    origin, destination = aliased(Stop), aliased(Stop)
    boarding = aliased(RouteStop)
    boarded = exists().where(and_(Scan.ticket_id == Ticket.id, Scan.result == "valid", Scan.undone_at.is_(None)))
    rows = db.session.execute(
        select(Ticket, Order.channel, Order.currency, OrderItem.price, User.phone, origin, destination,
               boarding.minutes_from_start, boarded.label("boarded"))
        .join(Order, Order.id == Ticket.order_id)
        .join(OrderItem, OrderItem.id == Ticket.order_item_id)
        .outerjoin(User, User.id == Order.user_id)
        .join(origin, origin.id == Order.origin_stop_id)
        .join(destination, destination.id == Order.destination_stop_id)
        .outerjoin(boarding, and_(boarding.route_id == trip.route_id, boarding.stop_id == Order.origin_stop_id))
        .where(Ticket.trip_id == trip.id)
    ).all()
    layout = {label: n for n, label in enumerate(trip.vehicle.seat_layout)}
    gone = trip.status in ("departed", "arrived")
    passengers = []
    for ticket, channel, currency, price, phone, start, end, offset, was_boarded in rows:
        left_stop = gone or now >= trip.departure_at + timedelta(minutes=offset or 0)
        passengers.append({
            "ticket_id": ticket.id, "seat": ticket.seat, "passenger_name": ticket.passenger_name,
            "phone": mask_phone(phone) if phone else None, "fare_class": ticket.fare_class,
            "origin": start.name, "origin_code": start.code,
            "destination": end.name, "destination_code": end.code, "channel": channel,
            "paid": {"amount": price, "currency": currency}, "status": ticket.status,
            "boarded": bool(was_boarded),
            "no_show": bool(left_stop and not was_boarded and ticket.status in SOLD_STATUSES),
        })
    passengers.sort(key=lambda p: (layout.get(p["seat"], len(layout)), p["ticket_id"]))
    live = [p for p in passengers if p["status"] in SOLD_STATUSES]
    zone = trip.timezone
    return {
        "trip": {"id": trip.id, "route_code": trip.route.code, "route_name": trip.route.name,
                 "status": trip.status, "vehicle": trip.vehicle.registration,
                 "departure_at": isoformat(trip.departure_at, zone), "arrival_at": isoformat(trip.arrival_at, zone)},
        "counts": {"tickets": len(live), "boarded": sum(p["boarded"] for p in live),
                   "no_shows": sum(p["no_show"] for p in live), "seats": trip.vehicle.seat_count},
        "passengers": passengers,
    }


def as_csv(manifest: dict) -> str:
    """The manifest as CSV (one row per ticket, ``CSV_COLUMNS``), for spreadsheets and printing."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for p in manifest["passengers"]:
        row = {**p, "paid_amount": p["paid"]["amount"], "paid_currency": p["paid"]["currency"],
               "boarded": "yes" if p["boarded"] else "no", "no_show": "yes" if p["no_show"] else "no"}
        writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def _cell(value) -> str:
    """A spreadsheet must not run a name as a formula (``=HYPERLINK(...)``): prefix those."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not text[1:2].isdigit() else text
