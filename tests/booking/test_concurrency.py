"""No seat is sold twice, under real concurrency (PostgreSQL only).

Following pretix: first prove the race exists (check-then-insert oversells once the
primary key of ``seat_segments`` is gone), then that the key prevents it, then that the
real ``create_order`` sells exactly the free seats to dozens of simultaneous buyers.
Legs of their own: ``test_leg_concurrency.py``.
"""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from app.booking.availability import taken_seats
from app.booking.models import Order, SeatHold, SeatSegment
from app.booking.segments import claim_or_fail
from app.booking.service import create_order, new_order_code
from app.database import utcnow
from app.errors import Conflict
from app.extensions import unit_of_work
from app.extensions import db as tdb
from tests import factories

pytestmark = pytest.mark.postgres_only
BUYERS = 24
GUARD = "pk_seat_segments"  # the primary key (trip_id, segment, seat): the seat guarantee


@pytest.fixture
def busy_app(make_app):
    return make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": BUYERS + 5, "max_overflow": 5})


def _run(n, target):
    results, barrier = [None] * n, threading.Barrier(n)

    def worker(i):
        try:
            results[i] = target(i, barrier)
        except Exception as exc:  # collected, asserted by the test
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _fill(db, world, seats_left):
    """Sell all but ``seats_left`` seats to one earlier buyer."""
    buyer = factories.make_user()
    db.session.commit()
    unit_of_work(lambda: create_order(buyer, trip_id=world.trip.id, origin_stop_id=world.nairobi.id,
                                      destination_stop_id=world.eldoret.id,
                                      passengers=[{"fare_class": "standard"}] * (10 - seats_left)))


def _naive_buyers(busy_app, world, order_ids):
    """Each buyer checks which seat is free, waits for everyone, then inserts a hold."""
    layout, trip_id = list(world.vehicle.seat_layout), world.trip.id
    segments = [0, 1]  # Nairobi→Nakuru, Nakuru→Eldoret: the whole trip

    def buy(i, barrier):
        with busy_app.app_context():
            try:
                seat = next(s for s in layout if s not in taken_seats(trip_id))
                barrier.wait()
                tdb.session.add(SeatHold(trip_id=trip_id, seat=seat, order_id=order_ids[i], status="held",
                                         expires_at=utcnow() + timedelta(minutes=10)))
                claim_or_fail(trip_id, order_ids[i], [seat], segments)
                tdb.session.commit()
                return seat
            except IntegrityError:
                tdb.session.rollback()
                return "taken"
            finally:
                tdb.session.remove()

    return _run(len(order_ids), buy)


def _orders(db, world, n):
    user = factories.make_user()
    orders = [Order(code=new_order_code(), user_id=user.id, trip_id=world.trip.id,
                    origin_stop_id=world.nairobi.id, destination_stop_id=world.eldoret.id, currency="KES",
                    total_amount=150000, hold_expires_at=utcnow() + timedelta(minutes=10)) for _ in range(n)]
    db.session.add_all(orders)
    db.session.commit()
    return [o.id for o in orders]


def test_check_then_insert_oversells_without_the_key(busy_app, world, db):
    _fill(db, world, seats_left=1)
    order_ids = _orders(db, world, 8)
    db.session.execute(text(f"ALTER TABLE seat_segments DROP CONSTRAINT {GUARD}"))
    db.session.commit()
    try:
        results = _naive_buyers(busy_app, world, order_ids)
        sold = [r for r in results if r not in ("taken", None) and not isinstance(r, Exception)]
        assert len(sold) > 1 and set(sold) == {"10"}  # one free seat, sold several times
    finally:
        db.session.rollback()
        db.session.execute(delete(SeatSegment))
        db.session.execute(delete(SeatHold))
        db.session.execute(text(f"ALTER TABLE seat_segments ADD CONSTRAINT {GUARD} PRIMARY KEY (trip_id, segment, seat)"))
        db.session.commit()


def test_the_key_stops_check_then_insert(busy_app, world, db):
    _fill(db, world, seats_left=1)
    results = _naive_buyers(busy_app, world, _orders(db, world, 8))
    assert sorted(results, key=str) == ["10"] + ["taken"] * 7


def test_dozens_of_buyers_get_exactly_the_free_seats(busy_app, world, db):
    _fill(db, world, seats_left=3)
    buyers = [factories.make_user().id for _ in range(BUYERS)]
    db.session.commit()
    trip_id, origin, destination = world.trip.id, world.nairobi.id, world.eldoret.id

    def buy(i, barrier):
        with busy_app.app_context():
            try:
                user = tdb.session.get(User, buyers[i])
                barrier.wait()
                order = unit_of_work(lambda: create_order(  # as the use case holds seats
                    user, trip_id=trip_id, origin_stop_id=origin, destination_stop_id=destination,
                    passengers=[{"fare_class": "standard", "seat": None}]))
                return order.items[0].seat
            except Conflict as exc:
                return exc.slug
            finally:
                tdb.session.remove()

    results = _run(BUYERS, buy)
    sold = sorted(r for r in results if r not in ("sold-out", "seat-taken"))
    assert sold == ["10", "8", "9"], results
    assert results.count("sold-out") == BUYERS - 3
    active = db.session.scalar(select(func.count()).select_from(SeatHold).where(SeatHold.trip_id == trip_id))
    assert active == 10


def test_buyers_racing_for_one_chosen_seat(busy_app, world, db):
    buyers = [factories.make_user().id for _ in range(BUYERS)]
    db.session.commit()
    trip_id, origin, destination = world.trip.id, world.nairobi.id, world.eldoret.id

    def buy(i, barrier):
        with busy_app.app_context():
            try:
                user = tdb.session.get(User, buyers[i])
                barrier.wait()
                unit_of_work(lambda: create_order(  # as the use case holds seats
                    user, trip_id=trip_id, origin_stop_id=origin, destination_stop_id=destination,
                    passengers=[{"fare_class": "standard", "seat": "5"}]))
                return "ok"
            except Conflict as exc:
                return exc.slug
            finally:
                tdb.session.remove()

    results = _run(BUYERS, buy)
    assert results.count("ok") == 1 and results.count("seat-taken") == BUYERS - 1
