"""Migration ``i16legs_01``: every active whole-trip hold becomes the segments of its order's leg."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import inspect, text

from app import create_app
from app.booking.models import Order, SeatHold
from app.booking.service import new_order_code
from app.database import utcnow
from app.extensions import db
from tests import factories
from tests.conftest import fresh_database, test_config


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


# The revision i16legs_01 follows (read, not named: merges re-chain migrations; tables that
# earlier revisions create, such as concessions, then exist for the factories).
BEFORE_LEGS = re.search(r'^down_revision = "([^"]+)"', (Path(__file__).resolve().parents[2] / "migrations" / "versions"
                        / "i16legs_01_seat_segments.py").read_text(), re.M).group(1)


def _columns_of_later_revisions() -> list[tuple[str, str]]:
    """The factories write today's models: the columns later revisions add to tables that
    exist already (the counter's ``orders.sold_by``...) are added plainly for them, and
    dropped again (``_drop``) before the upgrade adds them for real."""
    inspector = inspect(db.engine)
    added = []
    for table in db.metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        have = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have:
                kind = column.type.compile(dialect=db.engine.dialect)
                db.session.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}"))
                added.append((table.name, column.name))
    db.session.commit()
    return added


def _drop(columns: list[tuple[str, str]]) -> None:
    for table, column in columns:
        db.session.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
    db.session.commit()


def test_active_holds_become_the_segments_of_their_leg(empty_database_url, tmp_path_factory):
    app = create_app(test_config(empty_database_url, tmp_path_factory))
    with app.app_context():
        upgrade(revision=BEFORE_LEGS)  # the schema before seats per leg
        later = _columns_of_later_revisions()
        world = factories.build_world()
        to_nakuru = _hold(world, "1", "converted", world.nairobi, world.nakuru)
        whole = _hold(world, "2", "held", world.nairobi, world.eldoret)
        _hold(world, "3", "released", world.nairobi, world.eldoret)  # inactive: no segment
        db.session.commit()
        _drop(later)
        upgrade()
        rows = db.session.execute(text(
            "SELECT order_id, seat, segment FROM seat_segments ORDER BY order_id, segment")).all()
        assert [tuple(r) for r in rows] == [(to_nakuru, "1", 0), (whole, "2", 0), (whole, "2", 1)]
        db.session.remove()
        db.engine.dispose()
