"""``flask seed-demo``: a usable demo, idempotent, and rolling forward day by day."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta, timezone

import pytest

from sqlalchemy import select

from app.auth.models import User
from app.catalog.models import Route, Trip, TripDriver
from app.catalog.seed import (
    MIN_DRIVER_REST, MIN_TURNAROUND, SHUTTLE_ROUTE, TIMETABLES, WINDOW_DAYS, demo_counts, demo_shuttle_now,
    seat_labels, seed_demo,
)
from app.database import utcnow
from app.extensions import db
from tests.catalog.conftest import local_day
from tests.factories import NAIROBI, auth_headers


def test_seed_twice_gives_the_same_counts(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    for phone in ("+254700000001", "+254700000002", "+254700000009", "+254711000111"):
        assert phone in first.output
    counts = demo_counts()
    # six routes and five coaches, plus the demo shuttle's route and coach
    assert counts["carriers"] == 1 and counts["stops"] == 6 and counts["routes"] == 7 and counts["vehicles"] == 6
    assert counts["fares"] == 2 * 3 * (6 + 3 + 1) + 3  # every ordered pair of each route both ways, three classes
    assert counts["trips"] > 0
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert demo_counts() == counts


def test_seeded_demo_can_be_searched_and_driven(client):
    phones = seed_demo()
    offers = client.get("/api/v1/trips/search", query_string={
        "origin": "Nairobi", "destination": "eldoret", "date": str(local_day(1))}).get_json()
    assert len(offers) == 2  # 07:00 and 14:30 daily
    assert offers[0]["prices"]["standard"] == {"amount": 150000, "currency": "KES"}
    assert offers[0]["prices"]["student"]["amount"] == 120000 and offers[0]["prices"]["reduced"]["amount"] == 75000
    assert {o["seats_left"] for o in offers} == {44}
    driver = db.session.query(User).filter_by(phone=phones["driver"]).one()
    day_trips = client.get(f"/api/v1/driver/trips?date={local_day(1)}", headers=auth_headers(driver)).get_json()
    # out to Eldoret and back (late in Nairobi's evening, tomorrow also holds the demo shuttle)
    assert sorted(t["route_code"] for t in day_trips if t["route_code"] != SHUTTLE_ROUTE[0]) == ["ELD-NBO", "NBO-ELD"]


def test_a_later_run_adds_only_the_new_day(db):
    now = utcnow()
    seed_demo(now=now)
    before = demo_counts()
    seed_demo(now=now + timedelta(days=1))
    after = demo_counts()
    assert after["trips"] == before["trips"] + len(TIMETABLES) + 1  # and the next demo shuttle
    assert after["timetables"] == before["timetables"] == len(TIMETABLES)
    assert {k: v for k, v in after.items() if k not in ("trips", "trip_drivers")} == {
        k: v for k, v in before.items() if k not in ("trips", "trip_drivers")}


def test_seat_labels_are_rows_of_four():
    assert seat_labels(44)[:5] == ["1A", "1B", "1C", "1D", "2A"] and len(set(seat_labels(44))) == 44
    assert seat_labels(49)[-5:] == ["12A", "12B", "12C", "12D", "12E"] and len(set(seat_labels(49))) == 49


def _chains(trips_by_owner: dict, gap: timedelta) -> list[str]:
    """Every way an owner (coach or driver) would be on two trips at once, or teleport."""
    problems = []
    for owner, trips in trips_by_owner.items():
        trips = sorted(trips, key=lambda t: t.departure_at)
        for before, after in zip(trips, trips[1:]):
            if after.departure_at < before.arrival_at + gap:
                problems.append(f"{owner}: trip {after.id} leaves before {before.id} is back + {gap}")
            if after.route.stops[0].stop_id != before.route.stops[-1].stop_id:
                problems.append(f"{owner}: trip {after.id} leaves from where {before.id} did not arrive")
    return problems


def test_no_coach_and_no_driver_is_on_two_trips_at_once(db):
    seed_demo()
    all_trips = list(db.session.scalars(select(Trip)))
    # The demo shuttle runs one way (it is there to be scanned): its chain is not a duty.
    trips = [t for t in all_trips if t.route.code != SHUTTLE_ROUTE[0]]
    by_vehicle = defaultdict(list)
    for trip in trips:
        by_vehicle[trip.vehicle.registration].append(trip)
    assert _chains(by_vehicle, MIN_TURNAROUND) == []
    by_driver = defaultdict(list)
    for assignment in db.session.scalars(select(TripDriver)):
        trip = db.session.get(Trip, assignment.trip_id)
        if trip in trips:
            by_driver[assignment.user_id].append(trip)
    assert _chains(by_driver, MIN_DRIVER_REST) == []
    # Every trip has exactly one driver, and the demo driver works tomorrow.
    assigned = db.session.scalars(select(TripDriver.trip_id)).all()
    assert sorted(assigned) == sorted(t.id for t in all_trips)
    daudi = db.session.scalar(select(User).where(User.phone == "+254700000002"))
    assert len(by_driver[daudi.id]) >= 2 * (WINDOW_DAYS - 1)


def test_every_route_runs_both_ways_all_week(db):
    seed_demo()
    routes = list(db.session.scalars(select(Route).where(Route.code != SHUTTLE_ROUTE[0])))
    ends = {(r.stops[0].stop_id, r.stops[-1].stop_id): r for r in routes}
    today = local_day(0)
    for route in routes:
        back = ends.get((route.stops[-1].stop_id, route.stops[0].stop_id))
        assert back is not None, f"{route.code} has no return route"
        assert [rs.stop_id for rs in back.stops] == [rs.stop_id for rs in reversed(route.stops)]
        days = {t.departure_local.date() for t in db.session.scalars(select(Trip).where(Trip.route_id == back.id))}
        assert {today + timedelta(days=n) for n in range(1, WINDOW_DAYS)} <= days, back.code


def test_the_way_home_can_be_booked(client):
    """Nakuru -> Nairobi tomorrow: the Eldoret and Kisumu coaches coming back."""
    seed_demo()
    offers = client.get("/api/v1/trips/search", query_string={
        "origin": "Nakuru", "destination": "Nairobi", "date": str(local_day(1))}).get_json()
    assert len(offers) >= 3
    assert {o["origin"]["code"] for o in offers} == {"NKR"} and {o["destination"]["code"] for o in offers} == {"NBO"}
    assert all(o["prices"]["standard"] == {"amount": 80000, "currency": "KES"} for o in offers)
    week = [client.get("/api/v1/trips/search", query_string={
        "origin": "Nakuru", "destination": "Nairobi", "date": str(local_day(n))}).get_json() for n in range(1, 8)]
    assert all(week)  # every one of the next 7 days


def _at(hour: int, minute: int = 0):
    """Today at ``hour``:``minute`` Nairobi time, as aware UTC."""
    return datetime.combine(local_day(0), time(hour, minute), tzinfo=NAIROBI).astimezone(timezone.utc)


@pytest.mark.parametrize("hour,minute", [(0, 5), (6, 30), (9, 0), (13, 50), (17, 10), (23, 55)])
def test_whatever_the_hour_the_demo_driver_boards_within_two_hours(db, hour, minute):
    """At any hour (mid-duty too), the demo driver's next trip leaves in 60 to 120 minutes."""
    now = _at(hour, minute)
    phones = seed_demo(now=now)
    driver = db.session.scalar(select(User).where(User.phone == phones["driver"]))
    trips = db.session.scalars(select(Trip).join(TripDriver, TripDriver.trip_id == Trip.id).where(
        TripDriver.user_id == driver.id, Trip.departure_at > now).order_by(Trip.departure_at)).all()
    assert timedelta(minutes=60) <= trips[0].departure_at - now <= timedelta(minutes=120)
    assert trips[0].departure_at - now <= timedelta(minutes=trips[0].carrier.boarding_opens_minutes)  # boarding open
    seed_demo(now=now + timedelta(minutes=20))  # a second run soon after: the same shuttle
    assert demo_shuttle_now(now + timedelta(minutes=20)).id == trips[0].id


def test_seed_demo_adds_an_agent_and_prints_who_does_what(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "+254700000010" in result.output and "/counter" in result.output
    assert "/scan" in result.output and "Demo shuttle" in result.output
    agent = db.session.scalar(select(User).where(User.phone == "+254700000010"))
    assert agent.role == "agent" and agent.carrier_id is not None
