"""``flask seed-demo``: a usable demo, idempotent, and rolling forward day by day."""
from __future__ import annotations

from datetime import timedelta

from app.catalog.seed import TIMETABLES, demo_counts, seat_labels, seed_demo
from app.database import utcnow
from tests.catalog.conftest import local_day
from tests.factories import auth_headers


def test_seed_twice_gives_the_same_counts(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    for phone in ("+254700000001", "+254700000002", "+254700000009", "+254711000111"):
        assert phone in first.output
    counts = demo_counts()
    assert counts["carriers"] == 1 and counts["stops"] == 6 and counts["routes"] == 3 and counts["vehicles"] == 2
    assert counts["fares"] == 3 * (6 + 3 + 1)  # every ordered pair of each route, three classes
    assert counts["trips"] > 0
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert demo_counts() == counts


def test_seeded_demo_can_be_searched_and_driven(client):
    phones = seed_demo()
    offers = client.get("/api/v1/trips/search", query_string={
        "origin": "Nairobi", "destination": "eldoret", "date": str(local_day(1))}).get_json()
    assert len(offers) == 2  # 07:00 and 13:30 daily
    assert offers[0]["prices"]["standard"] == {"amount": 150000, "currency": "KES"}
    assert offers[0]["prices"]["student"]["amount"] == 120000 and offers[0]["prices"]["reduced"]["amount"] == 75000
    assert {o["seats_left"] for o in offers} == {44}
    from app.auth.models import User
    from app.extensions import db

    driver = db.session.query(User).filter_by(phone=phones["driver"]).one()
    day_trips = client.get(f"/api/v1/driver/trips?date={local_day(1)}", headers=auth_headers(driver)).get_json()
    assert len(day_trips) == len(TIMETABLES)


def test_a_later_run_adds_only_the_new_day(db):
    now = utcnow()
    seed_demo(now=now)
    before = demo_counts()
    seed_demo(now=now + timedelta(days=1))
    after = demo_counts()
    assert after["trips"] == before["trips"] + len(TIMETABLES)
    assert after["timetables"] == before["timetables"] == len(TIMETABLES)
    assert {k: v for k, v in after.items() if k not in ("trips", "trip_drivers")} == {
        k: v for k, v in before.items() if k not in ("trips", "trip_drivers")}


def test_seat_labels_are_rows_of_four():
    assert seat_labels(44)[:5] == ["1A", "1B", "1C", "1D", "2A"] and len(set(seat_labels(44))) == 44
    assert seat_labels(49)[-5:] == ["12A", "12B", "12C", "12D", "12E"] and len(set(seat_labels(49))) == 49
