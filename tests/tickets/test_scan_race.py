"""Two devices scanning the same ticket at the same moment: exactly one boards it."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db
from tests.tickets.test_scan_support import boarding_trip, sell  # noqa: F401 - fixture
from app.ticketing.scan_models import Scan
from app.ticketing.scanning import check_ticket


@pytest.mark.postgres_only
def test_concurrent_scans_board_once(app, world, boarding_trip):
    ticket = sell(world, boarding_trip)[0]
    code, trip_id, driver_id = ticket.short_code, boarding_trip.id, world.driver.id
    barrier = threading.Barrier(4)
    results: list[str] = []

    def worker(n: int) -> None:
        with app.app_context():
            driver = db.session.get(User, driver_id)
            barrier.wait()
            outcome = check_ticket(driver, trip_id=trip_id, short_code=code, device_id=f"dev-{n}", nonce="x")
            results.append(outcome.result)
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["already_used"] * 3 + ["valid"]
    assert db.session.scalar(select(func.count(Scan.id)).where(Scan.result == "valid")) == 1
