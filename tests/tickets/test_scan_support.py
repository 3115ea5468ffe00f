"""Helpers shared by the scan, manifest and ticket API tests (no tests here).

Tickets are sold through booking's own services (``create_order`` + ``apply_to_order``,
what the payments area does), with ``now`` moved back for trips in the past, so every
ticket here is one the real code issued.
"""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from app.booking.service import create_order
from app.sales.confirming import apply_to_order
from app.catalog.models import TripDriver
from app.database import utcnow
from app.extensions import db
from tests import factories
from app.ticketing.models import Ticket
from app.ticketing.payload import payload_for

_payments = itertools.count(5000)
_nonces = itertools.count(1)


def nonce() -> str:
    return f"n-{next(_nonces)}"


def trip_departing(world, departure_at: datetime):
    """Another trip of the world's route and coach, leaving at ``departure_at`` (UTC)."""
    trip = factories.make_trip(world.route, world.vehicle, departure_at)
    db.session.commit()
    return trip


def assign(driver, *trips) -> None:
    for trip in trips:
        db.session.add(TripDriver(trip_id=trip.id, user_id=driver.id))
    db.session.commit()


def sell(world, trip=None, names=("Wanjiku Kamau",), *, user=None, fare_class="standard", pay=True,
         seats=None, origin=None) -> list[Ticket]:
    """Paid tickets (one per name; on ``seats`` when given) on ``trip``, bought a day before it leaves."""
    trip = trip or world.trip
    bought = trip.departure_at - timedelta(days=1)
    seats = seats or [None] * len(names)
    order = create_order(
        user or world.passenger, trip_id=trip.id, origin_stop_id=(origin or world.nairobi).id,
        destination_stop_id=world.eldoret.id, now=bought,
        passengers=[{"fare_class": fare_class, "name": name, "seat": seat} for name, seat in zip(names, seats)],
    )
    if not pay:
        db.session.commit()  # the use case would have committed the hold
        return order
    result = apply_to_order(order.id, amount=order.total_amount, currency=order.currency,
                           payment_id=next(_payments), now=bought)
    db.session.commit()
    assert result.outcome == "applied", result.detail
    return result.tickets


def scan(client, headers, trip, *, payload=None, code=None, device="dev-A", nonce_=None, **extra):
    body = {"trip_id": trip.id, "device_id": device, "nonce": nonce_ or nonce(), **extra}
    if payload is not None:
        body["qr_payload"] = payload
    if code is not None:
        body["short_code"] = code
    return client.post("/api/v1/scans", json=body, headers=headers)


@pytest.fixture
def boarding_trip(world):
    """A trip leaving in 30 minutes: its tickets are inside their window right now."""
    trip = trip_departing(world, utcnow().replace(microsecond=0) + timedelta(minutes=30))
    assign(world.driver, trip)
    return trip


__all__ = ["assign", "boarding_trip", "nonce", "payload_for", "scan", "sell", "trip_departing"]
