"""PostgreSQL refuses overlapping trips of one coach or one driver even when code is bypassed.

As in tests/booking/test_concurrency.py: first the race without the guard (two admins
assigning one driver to two overlapping trips at the same moment both succeed once the
exclusion constraint is dropped), then with it: exactly one assignment stays, the other
request gets a 409 naming the winner's trip, never a 500.
"""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError

from app.catalog.models import OVERLAP_DDL, Trip, TripDriver
from app.extensions import db as tdb
from tests.factories import auth_headers, make_route, make_trip, make_vehicle

pytestmark = pytest.mark.postgres_only


def _back(world):
    return make_route(world.carrier, [(world.nakuru, 0), (world.nairobi, 150)], code="NKR-NBO")


def test_the_database_refuses_a_busy_coach_when_code_is_bypassed(world, db):
    back = _back(world)
    db.session.commit()
    db.session.add(Trip(carrier_id=world.carrier.id, route_id=back.id, vehicle_id=world.vehicle.id,
                        departure_at=world.trip.departure_at + timedelta(hours=1),
                        arrival_at=world.trip.departure_at + timedelta(hours=3)))
    with pytest.raises(IntegrityError, match="ex_trips_vehicle_overlap"):
        db.session.flush()
    db.session.rollback()
    # a cancelled trip does not count
    db.session.add(Trip(carrier_id=world.carrier.id, route_id=back.id, vehicle_id=world.vehicle.id, status="cancelled",
                        departure_at=world.trip.departure_at + timedelta(hours=1),
                        arrival_at=world.trip.departure_at + timedelta(hours=3)))
    db.session.commit()


def test_the_database_refuses_a_busy_driver_when_code_is_bypassed(world, db):
    back = _back(world)
    later = make_trip(back, make_vehicle(world.carrier), world.trip.arrival_at + timedelta(hours=1))
    db.session.add_all([TripDriver(trip_id=world.trip.id, user_id=world.driver.id),
                        TripDriver(trip_id=later.id, user_id=world.driver.id)])
    db.session.commit()
    overlapping = make_trip(back, make_vehicle(world.carrier), world.trip.departure_at + timedelta(minutes=30))
    db.session.commit()
    db.session.add(TripDriver(trip_id=overlapping.id, user_id=world.driver.id))
    with pytest.raises(IntegrityError, match="ex_trip_drivers_driver_overlap"):
        db.session.flush()
    db.session.rollback()
    # moving the later trip by SQL onto the first: the copied times follow and are refused
    with pytest.raises(IntegrityError, match="ex_trip_drivers_driver_overlap"):
        db.session.execute(text("UPDATE trips SET departure_at = departure_at - interval '5 hours', "
                                "arrival_at = arrival_at - interval '5 hours' WHERE id = :id"), {"id": later.id})
    db.session.rollback()


@pytest.fixture
def busy_app(make_app):
    return make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 8, "max_overflow": 4})


def _assign_at_once(busy_app, world, trip_ids):
    """Two admins assign the driver to ``trip_ids`` at the same moment; their answers."""
    results, barrier = [None] * len(trip_ids), threading.Barrier(len(trip_ids))
    headers = auth_headers(world.admin)
    carrier_id, phone = world.carrier.id, world.driver.phone  # read here: the threads share no session

    def worker(i):
        client = busy_app.test_client()
        try:
            barrier.wait()
            response = client.post(f"/api/v1/carriers/{carrier_id}/trips/{trip_ids[i]}/drivers",
                                    json={"phone": phone}, headers=headers)
            results[i] = (response.status_code, response.get_json())
        except Exception as exc:  # collected, asserted by the test
            results[i] = exc
        finally:
            with busy_app.app_context():
                tdb.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(trip_ids))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _overlapping_pairs(world, db, rounds):
    back = _back(world)
    pairs = []
    for n in range(rounds):
        start = world.trip.arrival_at + timedelta(days=n + 1)
        pairs.append((make_trip(world.route, make_vehicle(world.carrier), start).id,
                      make_trip(back, make_vehicle(world.carrier), start + timedelta(minutes=30)).id))
    db.session.commit()
    return pairs


def _driver_links(db, pair) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(TripDriver).where(TripDriver.trip_id.in_(pair)))


def test_without_the_constraint_two_assignments_at_once_both_stay(busy_app, world, db):
    pairs = _overlapping_pairs(world, db, rounds=6)
    db.session.execute(text("ALTER TABLE trip_drivers DROP CONSTRAINT ex_trip_drivers_driver_overlap"))
    db.session.commit()
    try:
        for pair in pairs:  # a race: a few rounds make it near certain
            results = _assign_at_once(busy_app, world, pair)
            assert {r[0] for r in results} <= {200, 409}, results
            if _driver_links(db, pair) == 2:
                break
        assert _driver_links(db, pair) == 2  # check-then-insert lets both through
    finally:
        db.session.rollback()
        db.session.execute(delete(TripDriver))
        db.session.execute(text(OVERLAP_DDL["trip_drivers"]))
        db.session.commit()


def test_two_overlapping_assignments_at_once_end_with_one(busy_app, world, db):
    for pair in _overlapping_pairs(world, db, rounds=4):
        results = _assign_at_once(busy_app, world, pair)
        assert sorted(r[0] for r in results) == [200, 409], results
        loser = next(body for status, body in results if status == 409)
        assert loser["type"] == "/problems/driver-busy" and loser["other_trip_id"] in pair
        assert _driver_links(db, pair) == 1
