"""Trips, timetables, fares, driver assignments and trip status, as a carrier runs them."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from app.catalog.models import Fare, Trip, TripDriver
from app.catalog.service import transition_trip, trips_for_driver, trips_on_duty
from app.database import utcnow
from app.errors import Conflict
from tests.catalog.conftest import count, is_problem, local_day
from tests.factories import NAIROBI, make_trip, make_user


def base(world):
    return f"/api/v1/carriers/{world.carrier.id}"


def trip_body(world, day, at="09:15", **kw):
    return {"route_id": world.route.id, "vehicle_id": world.vehicle.id, "departure_date": str(day),
            "departure_time": at, **kw}


def test_one_off_trip_from_local_time(client, world, auth_headers, db):
    day = local_day(3)
    response = client.post(f"{base(world)}/trips", json=trip_body(world, day), headers=auth_headers(world.admin))
    assert response.status_code == 201
    trip = response.get_json()
    assert trip["departure_at"] == f"{day}T09:15:00+03:00"
    assert trip["arrival_at"] == f"{day}T14:45:00+03:00"  # + the last stop's 330 minutes
    stored = db.session.get(Trip, trip["id"])
    assert stored.departure_at.utcoffset() == timedelta(0) and stored.departure_at.hour == 6
    offers = client.get("/api/v1/trips/search", query_string={"origin": "NBO", "destination": "NKR",
                                                              "date": str(day)}).get_json()
    assert [o["trip_id"] for o in offers] == [trip["id"]]


def test_bad_trips_change_nothing(client, world, rival, auth_headers, db):
    h = auth_headers(world.admin)
    before = count(db, Trip)
    is_problem(client.post(f"{base(world)}/trips", json=trip_body(world, local_day(-1)), headers=h), 422)
    is_problem(client.post(f"{base(world)}/trips", json=trip_body(world, local_day(2), at="25:00"), headers=h), 422)
    body = is_problem(client.post(f"{base(world)}/trips", json=trip_body(world, local_day(2), route_id=rival.route.id),
                                  headers=h), 422)
    assert "route_id" in body["errors"]
    taken = world.trip.departure_at.astimezone(NAIROBI)
    is_problem(client.post(f"{base(world)}/trips", json=trip_body(world, taken.date(), at=taken.strftime("%H:%M")),
                           headers=h), 409)
    assert count(db, Trip) == before


def test_timetable_generates_trips_once(client, world, auth_headers, db):
    h = auth_headers(world.admin)
    start = local_day(2)
    body = {"route_id": world.route.id, "vehicle_id": world.vehicle.id, "weekdays": [1, 3, 5],
            "departure_time": "06:45", "valid_from": str(start), "valid_until": str(start + timedelta(days=13))}
    expected = sum(1 for n in range(14) if (start + timedelta(days=n)).isoweekday() in (1, 3, 5))
    first = client.post(f"{base(world)}/timetables", json=body, headers=h)
    assert first.status_code == 201
    assert (first.get_json()["created"], first.get_json()["skipped"]) == (expected, 0)
    again = client.post(f"{base(world)}/timetables", json=body, headers=h).get_json()
    assert (again["created"], again["skipped"]) == (0, expected)
    wider = {**body, "valid_until": str(start + timedelta(days=20))}
    more = sum(1 for n in range(14, 21) if (start + timedelta(days=n)).isoweekday() in (1, 3, 5))
    assert client.post(f"{base(world)}/timetables", json=wider, headers=h).get_json()["created"] == more
    trips = db.session.scalars(select(Trip).where(Trip.timetable_id.is_not(None))).all()
    assert len(trips) == expected + more
    assert {t.departure_at.astimezone(NAIROBI).strftime("%H:%M %u") for t in trips} <= {"06:45 1", "06:45 3", "06:45 5"}
    [timetable] = client.get(f"{base(world)}/timetables", headers=h).get_json()
    assert timetable["weekdays"] == [1, 3, 5] and timetable["valid_until"] == wider["valid_until"]


@pytest.mark.parametrize("change", [
    {"weekdays": [8]}, {"weekdays": []}, {"weekdays": [1, 1]}, {"departure_time": "7am"},
    {"valid_until": "2020-01-01"}, {"vehicle_id": "one"},
])
def test_bad_timetables_are_422(client, world, auth_headers, db, change):
    body = {"route_id": world.route.id, "vehicle_id": world.vehicle.id, "weekdays": [1],
            "departure_time": "06:45", "valid_from": str(local_day(1)), "valid_until": str(local_day(30)), **change}
    before = count(db, Trip)
    is_problem(client.post(f"{base(world)}/timetables", json=body, headers=auth_headers(world.admin)), 422)
    assert count(db, Trip) == before


def test_fares(client, world, auth_headers, db):
    h = auth_headers(world.admin)
    # A new route through Nakuru, without prices yet.
    route = client.post(f"{base(world)}/routes", json={"code": "NKR-ELD", "name": "Shuttle", "stops": [
        {"stop_id": world.nakuru.id, "minutes_from_start": 0}, {"stop_id": world.eldoret.id, "minutes_from_start": 170}]},
        headers=h).get_json()
    body = {"route_id": route["id"], "origin_stop_id": world.nakuru.id, "destination_stop_id": world.eldoret.id,
            "fare_class": "student", "price": {"amount": 70000, "currency": "KES"}}
    created = client.post(f"{base(world)}/fares", json=body, headers=h)
    assert created.status_code == 201 and created.get_json()["price"] == {"amount": 70000, "currency": "KES"}
    url = f"{base(world)}/fares/{created.get_json()['id']}"
    assert client.patch(url, json={"price": {"amount": 65000, "currency": "KES"}}, headers=h).get_json()["price"]["amount"] == 65000
    before = count(db, Fare)
    is_problem(client.post(f"{base(world)}/fares", json=body, headers=h), 409)
    reverse = {**body, "origin_stop_id": world.eldoret.id, "destination_stop_id": world.nakuru.id}
    assert is_problem(client.post(f"{base(world)}/fares", json=reverse, headers=h), 422)["type"] == "/problems/pair-not-on-route"
    off_route = {**body, "origin_stop_id": world.nairobi.id}
    is_problem(client.post(f"{base(world)}/fares", json=off_route, headers=h), 422)
    for price in ({"amount": 0, "currency": "KES"}, {"amount": -500, "currency": "KES"}, {"amount": 10**9 + 1, "currency": "KES"},
                  {"amount": "100", "currency": "KES"}, {"amount": 12.5, "currency": "KES"}, None, 70000,
                  {"amount": 70000, "currency": "UGX"}, {"amount": 70000}):
        body_bad = {**body, "fare_class": "standard", "price": price}
        assert "price" in is_problem(client.post(f"{base(world)}/fares", json=body_bad, headers=h), 422)["errors"]
    is_problem(client.patch(url, json={"price": {"amount": 0, "currency": "KES"}}, headers=h), 422)
    is_problem(client.patch(url, json={"amount": 65000}, headers=h), 422)  # the old bare integer
    is_problem(client.post(f"{base(world)}/fares", json={**body, "fare_class": "vip"}, headers=h), 422)
    assert count(db, Fare) == before
    assert client.get(url, headers=h).get_json()["price"]["amount"] == 65000
    assert len(client.get(f"{base(world)}/fares?route_id={route['id']}", headers=h).get_json()) == 1


def test_other_carriers_trips_and_fares_are_404(client, world, rival, auth_headers):
    h = auth_headers(rival.admin)
    is_problem(client.get(f"{base(world)}/trips/{world.trip.id}", headers=h), 404)
    fare = world.fares[("NBO", "ELD", "standard")]
    is_problem(client.patch(f"/api/v1/carriers/{rival.carrier.id}/fares/{fare.id}", json={"price": {"amount": 1, "currency": "KES"}}, headers=h), 404)
    is_problem(client.delete(f"/api/v1/carriers/{rival.carrier.id}/trips/{world.trip.id}", headers=h), 404)
    is_problem(client.put(f"{base(world)}/trips/{world.trip.id}/drivers/{rival.driver.id}", headers=h), 404)


def book_seat(client, world, auth_headers):
    body = {"trip_id": world.trip.id, "origin_stop_id": world.nairobi.id, "destination_stop_id": world.nakuru.id,
            "passengers": [{"fare_class": "standard"}]}
    response = client.post("/api/v1/orders", json=body, headers=auth_headers(world.passenger))
    assert response.status_code == 201, response.get_json()


def test_trips_with_sales_cannot_move_or_go(client, world, auth_headers, db):
    h = auth_headers(world.admin)
    url = f"{base(world)}/trips/{world.trip.id}"
    moved = client.patch(url, json={"departure_date": str(local_day(4)), "departure_time": "10:00"}, headers=h)
    assert moved.get_json()["departure_at"] == f"{local_day(4)}T10:00:00+03:00"
    book_seat(client, world, auth_headers)
    before = world.trip.departure_at
    assert is_problem(client.patch(url, json={"departure_date": str(local_day(5)), "departure_time": "10:00"},
                                   headers=h), 409)["type"] == "/problems/trip-has-sales"
    is_problem(client.delete(url, headers=h), 409)
    db.session.expire_all()
    assert db.session.get(Trip, world.trip.id).departure_at == before


def test_trip_without_sales_can_be_deleted(client, world, auth_headers, db):
    spare = make_trip(world.route, world.vehicle, world.trip.departure_at + timedelta(hours=3))
    db.session.commit()
    assert client.delete(f"{base(world)}/trips/{spare.id}", headers=auth_headers(world.admin)).status_code == 204
    assert db.session.get(Trip, spare.id) is None


def test_driver_assignment_and_driver_day(client, world, rival, auth_headers, db):
    h = auth_headers(world.admin)
    url = f"{base(world)}/trips/{world.trip.id}/drivers/{world.driver.id}"
    assert client.put(url, headers=h).get_json()["driver_ids"] == [world.driver.id]
    assert client.put(url, headers=h).get_json()["driver_ids"] == [world.driver.id]  # idempotent
    mine = client.get(f"/api/v1/driver/trips?date={local_day(1)}", headers=auth_headers(world.driver)).get_json()
    assert [t["id"] for t in mine] == [world.trip.id]
    assert client.get(f"/api/v1/driver/trips?date={local_day(2)}", headers=auth_headers(world.driver)).get_json() == []
    is_problem(client.get("/api/v1/driver/trips?date=soon", headers=auth_headers(world.driver)), 422)
    is_problem(client.get("/api/v1/driver/trips", headers=auth_headers(world.passenger)), 403)
    for stranger in (world.passenger, rival.driver, world.admin):
        body = is_problem(client.put(f"{base(world)}/trips/{world.trip.id}/drivers/{stranger.id}", headers=h), 422)
        assert body["type"] == "/problems/not-a-driver"
    assert client.delete(url, headers=h).status_code == 204
    is_problem(client.delete(url, headers=h), 404)
    assert client.get(f"/api/v1/driver/trips?date={local_day(1)}", headers=auth_headers(world.driver)).get_json() == []


def test_status_moves_through_the_state_machine(client, world, auth_headers, db):
    soon = make_trip(world.route, world.vehicle, utcnow() + timedelta(minutes=30))
    other_driver = make_user("driver", carrier=world.carrier)
    db.session.commit()
    h = auth_headers(world.admin)
    client.put(f"{base(world)}/trips/{soon.id}/drivers/{world.driver.id}", headers=h)
    url = f"{base(world)}/trips/{soon.id}/status"
    is_problem(client.post(url, json={"status": "boarding"}, headers=auth_headers(other_driver)), 403)
    is_problem(client.post(url, json={"status": "cancelled"}, headers=auth_headers(world.driver)), 422)
    is_problem(client.post(url, json={"status": "arrived"}, headers=auth_headers(world.driver)), 409)
    d = auth_headers(world.driver)
    boarding = client.post(url, json={"status": "boarding", "reason": "gate 3"}, headers=d).get_json()
    assert boarding["status"] == "boarding" and boarding["status_reason"] == "gate 3"
    assert client.post(url, json={"status": "departed"}, headers=d).get_json()["status"] == "departed"
    assert client.post(url, json={"status": "arrived"}, headers=h).get_json()["status"] == "arrived"
    body = is_problem(client.post(url, json={"status": "boarding"}, headers=d), 409)
    assert body["type"] == "/problems/illegal-trip-transition"
    db.session.expire_all()
    stored = db.session.get(Trip, soon.id)
    assert stored.status == "arrived" and stored.status_changed_by_id == world.admin.id


def test_boarding_cannot_open_early_and_cancelled_is_final(client, world, auth_headers, db):
    url = f"{base(world)}/trips/{world.trip.id}/status"  # departs tomorrow, boarding opens 2 h before
    assert is_problem(client.post(url, json={"status": "boarding"}, headers=auth_headers(world.admin)),
                      409)["type"] == "/problems/boarding-not-open"
    trip = transition_trip(world.trip, "cancelled", actor=f"user:{world.admin.id}", reason="bus broke down")
    db.session.commit()
    assert trip.status == "cancelled" and trip.status_reason == "bus broke down" and trip.status_changed_at
    assert trip.status_changed_by_id == world.admin.id
    with pytest.raises(Conflict):
        transition_trip(world.trip, "boarding", actor="system:test", reason=None)
    db.session.rollback()
    is_problem(client.post(url, json={"status": "boarding"}, headers=auth_headers(world.admin)), 409)


def test_a_night_shift_sees_the_trips_it_boards_after_midnight(world, db):
    """At 23:30 in Nairobi the driver's sheet holds the run still on the road, the 00:10
    departure and this morning's finished run; not tomorrow's 07:00 run nor yesterday's."""
    day = local_day(10)
    at = lambda d, hh, mm: datetime.combine(d, time(hh, mm), tzinfo=NAIROBI).astimezone(timezone.utc)
    trips = {
        "yesterday": make_trip(world.route, world.vehicle, at(day - timedelta(days=1), 8, 0)),
        "this morning": make_trip(world.route, world.vehicle, at(day, 8, 0)),
        "on the road": make_trip(world.route, world.vehicle, at(day, 18, 30)),
        "after midnight": make_trip(world.route, world.vehicle, at(day + timedelta(days=1), 0, 10)),
        "tomorrow morning": make_trip(world.route, world.vehicle, at(day + timedelta(days=1), 7, 0)),
    }
    db.session.add_all(TripDriver(trip_id=t.id, user_id=world.driver.id) for t in trips.values())
    db.session.commit()
    sheet = trips_on_duty(world.driver, at(day, 23, 30))
    assert [t.id for t in sheet] == [trips[k].id for k in ("this morning", "on the road", "after midnight")]
    # An explicit day is that calendar day only.
    assert [t.id for t in trips_for_driver(world.driver, day + timedelta(days=1))] == [
        trips["after midnight"].id, trips["tomorrow morning"].id]


def test_the_driver_sheet_without_a_day_lists_the_trip_leaving_soon(client, world, auth_headers, db):
    soon = make_trip(world.route, world.vehicle, utcnow() + timedelta(minutes=40))
    later = make_trip(world.route, world.vehicle, utcnow() + timedelta(days=3))
    db.session.add_all([TripDriver(trip_id=soon.id, user_id=world.driver.id),
                        TripDriver(trip_id=later.id, user_id=world.driver.id)])
    db.session.commit()
    sheet = client.get("/api/v1/driver/trips", headers=auth_headers(world.driver)).get_json()
    assert [t["id"] for t in sheet] == [soon.id]
