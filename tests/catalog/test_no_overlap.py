"""One coach, one driver: never on two live trips at once (409 naming the other trip).

Checked in code on every database; on PostgreSQL the exclusion constraints refuse it too
when the code is bypassed. Cancelled trips do not count.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.catalog.models import Trip, TripDriver
from app.catalog.service import transition_trip
from tests.catalog.conftest import count, is_problem
from tests.factories import NAIROBI, make_route, make_trip, make_vehicle


def base(world):
    return f"/api/v1/carriers/{world.carrier.id}"


def local(moment):
    local_time = moment.astimezone(NAIROBI)
    return str(local_time.date()), local_time.strftime("%H:%M")


def other_route(world):
    return make_route(world.carrier, [(world.nakuru, 0), (world.nairobi, 150)], code="NKR-NBO")


def test_the_same_coach_on_an_overlapping_trip_is_refused_naming_it(client, world, auth_headers, db):
    back = other_route(world)
    db.session.commit()
    day, at = local(world.trip.departure_at + timedelta(hours=2))  # world.trip runs 5 h 30
    before = count(db, Trip)
    body = is_problem(client.post(f"{base(world)}/trips", headers=auth_headers(world.admin), json={
        "route_id": back.id, "vehicle_id": world.vehicle.id, "departure_date": day, "departure_time": at}), 409)
    assert body["type"] == "/problems/vehicle-busy" and body["other_trip_id"] == world.trip.id
    assert f"trip {world.trip.id}" in body["detail"] and "NBO-ELD" in body["detail"]
    assert count(db, Trip) == before
    # right when it is back: fine (times are half-open)
    day, at = local(world.trip.arrival_at)
    ok = client.post(f"{base(world)}/trips", headers=auth_headers(world.admin), json={
        "route_id": back.id, "vehicle_id": world.vehicle.id, "departure_date": day, "departure_time": at})
    assert ok.status_code == 201, ok.get_json()


def test_moving_a_trip_or_a_timetable_onto_a_busy_coach_is_refused(client, world, auth_headers, db):
    back = other_route(world)
    spare = make_vehicle(world.carrier)
    later = make_trip(back, spare, world.trip.arrival_at + timedelta(hours=1))
    db.session.commit()
    h = auth_headers(world.admin)
    moved = dict(zip(("departure_date", "departure_time"), local(world.trip.departure_at + timedelta(hours=1))))
    body = is_problem(client.patch(f"{base(world)}/trips/{later.id}", headers=h,
                                   json={"vehicle_id": world.vehicle.id, **moved}), 409)
    assert body["other_trip_id"] == world.trip.id
    day, at = local(world.trip.departure_at + timedelta(hours=3))
    body = is_problem(client.post(f"{base(world)}/timetables", headers=h, json={
        "route_id": back.id, "vehicle_id": world.vehicle.id, "weekdays": list(range(1, 8)), "departure_time": at,
        "valid_from": day, "valid_until": day}), 409)
    assert body["other_trip_id"] == world.trip.id
    db.session.expire_all()
    assert db.session.get(Trip, later.id).vehicle_id == spare.id


def test_a_driver_on_two_overlapping_trips_is_refused_until_one_is_cancelled(client, world, auth_headers, db):
    back = other_route(world)
    overlapping = make_trip(back, make_vehicle(world.carrier), world.trip.departure_at + timedelta(hours=1))
    db.session.commit()
    h = auth_headers(world.admin)
    url = f"{base(world)}/trips/{{}}/drivers"
    assert client.post(url.format(world.trip.id), json={"phone": world.driver.phone}, headers=h).status_code == 200
    body = is_problem(client.post(url.format(overlapping.id), json={"phone": "0700000002"}, headers=h), 409)
    assert body["type"] == "/problems/driver-busy" and body["other_trip_id"] == world.trip.id
    body = is_problem(client.put(f"{base(world)}/trips/{overlapping.id}/drivers/{world.driver.id}", headers=h), 409)
    assert body["other_trip_id"] == world.trip.id
    assert count(db, TripDriver) == 1
    transition_trip(db.session.get(Trip, world.trip.id), "cancelled", actor="system:test", reason="breakdown")
    db.session.commit()
    assert client.post(url.format(overlapping.id), json={"phone": "0700000002"}, headers=h).status_code == 200
    # the cancelled trip's assignment follows its status (the database copies it)
    db.session.expire_all()
    statuses = dict(db.session.execute(select(TripDriver.trip_id, TripDriver.trip_status)).all())
    assert statuses == {world.trip.id: "cancelled", overlapping.id: "scheduled"}


def test_a_driver_cannot_be_moved_onto_their_own_other_trip(client, world, auth_headers, db):
    back = other_route(world)
    later = make_trip(back, make_vehicle(world.carrier), world.trip.arrival_at + timedelta(hours=2))
    db.session.add_all([TripDriver(trip_id=world.trip.id, user_id=world.driver.id),
                        TripDriver(trip_id=later.id, user_id=world.driver.id)])
    db.session.commit()
    day, at = local(world.trip.departure_at + timedelta(hours=1))
    body = is_problem(client.patch(f"{base(world)}/trips/{later.id}", headers=auth_headers(world.admin),
                                   json={"departure_date": day, "departure_time": at}), 409)
    assert body["type"] == "/problems/driver-busy" and body["other_trip_id"] == world.trip.id
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(TripDriver)) == 2
    assert db.session.get(Trip, later.id).departure_at == world.trip.arrival_at + timedelta(hours=2)
