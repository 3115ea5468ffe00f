"""Migration ``i16staff_01`` on a database with trips, bookings and drivers: the assignments
get their trip's times and status, and later moves of the trip follow them."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests import factories
from tests.conftest import fresh_database, test_config


@pytest.fixture
def empty_database_url(tmp_path):
    with fresh_database(tmp_path, prefix="safiri_staff_mig") as url:
        yield url


def test_assignments_copy_their_trip_and_follow_it(empty_database_url, tmp_path_factory):
    app = create_app(test_config(empty_database_url, tmp_path_factory))
    with app.app_context():
        upgrade(revision="i16cash_01")  # the schema before the no-overlap rule (i16staff_01)
        world = factories.build_world()
        db.session.execute(text("INSERT INTO trip_drivers (trip_id, user_id, assigned_at) VALUES (:t, :u, :at)"),
                           {"t": world.trip.id, "u": world.driver.id, "at": world.trip.departure_at})
        db.session.commit()
        upgrade()
        row = db.session.execute(text("SELECT trip_status FROM trip_drivers")).one()
        assert row.trip_status == "scheduled"
        trip = world.trip
        trip.departure_at += timedelta(hours=1)
        trip.arrival_at += timedelta(hours=1)
        trip.status = "cancelled"
        db.session.commit()
        copied = db.session.execute(text("SELECT departure_at, trip_status FROM trip_drivers")).one()
        assert copied.trip_status == "cancelled" and str(copied.departure_at)[:16] == str(
            db.session.execute(text("SELECT departure_at FROM trips")).scalar())[:16]
        db.session.remove()
        db.engine.dispose()
