"""Migration ``i16legs_01``: every active whole-trip hold becomes the segments of its order's leg."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.booking.models import Order, SeatHold
from app.booking.service import new_order_code
from app.database import utcnow
from app.extensions import db
from tests import factories
from tests.conftest import fresh_database, test_config


# The revision i16legs_01 follows (read, not written here: merges re-chain migrations, and the
# world below is built with today's models, so every other column must already exist).
BEFORE_LEGS = re.search(r'^down_revision = "([^"]+)"', (Path(__file__).resolve().parents[2] / "migrations" / "versions"
                        / "i16legs_01_seat_segments.py").read_text(), re.M).group(1)


@pytest.fixture
def empty_database_url(tmp_path):
    with fresh_database(tmp_path, prefix="safiri_legs_mig") as url:
        yield url


def _hold(world, seat, status, origin, destination):
    order = Order(code=new_order_code(), user_id=world.passenger.id, trip_id=world.trip.id,
                  origin_stop_id=origin.id, destination_stop_id=destination.id, currency="KES",
                  total_amount=80000, hold_expires_at=utcnow() + timedelta(minutes=10), status="pending_payment")
    db.session.add(order)
    db.session.flush()
    db.session.add(SeatHold(trip_id=world.trip.id, seat=seat, order_id=order.id, status=status,
                            expires_at=order.hold_expires_at))
    db.session.flush()
    return order.id


def test_active_holds_become_the_segments_of_their_leg(empty_database_url, tmp_path_factory):
    app = create_app(test_config(empty_database_url, tmp_path_factory))
    with app.app_context():
        upgrade(revision=BEFORE_LEGS)  # the schema before seats per leg
        world = factories.build_world()
        to_nakuru = _hold(world, "1", "converted", world.nairobi, world.nakuru)
        whole = _hold(world, "2", "held", world.nairobi, world.eldoret)
        _hold(world, "3", "released", world.nairobi, world.eldoret)  # inactive: no segment
        db.session.commit()
        upgrade()
        rows = db.session.execute(text(
            "SELECT order_id, seat, segment FROM seat_segments ORDER BY order_id, segment")).all()
        assert [tuple(r) for r in rows] == [(to_nakuru, "1", 0), (whole, "2", 0), (whole, "2", 1)]
        db.session.remove()
        db.engine.dispose()
