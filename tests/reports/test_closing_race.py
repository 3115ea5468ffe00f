"""Two admins closing days of one carrier at the same moment (PostgreSQL only).

Following pretix: first the race without the guard (the carrier's row lock taken away):
both read "nothing closed yet", one closes Monday, the other Wednesday, and the books have
a hole on Tuesday that no later close fills. Then with the lock: the second waits, sees
Monday closed, and closes Tuesday and Wednesday in order (or, Wednesday first, the books
begin on Wednesday and Monday is refused). A barrier lines both up right
before they read the run of closed days, so the race happens on every run.
"""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.catalog.models import Carrier
from app.errors import ApiError
from app.extensions import db
from app.reports import closing
from app.reports.models import ClosedDay
from tests.reports.helpers import today

pytestmark = pytest.mark.postgres_only
LOCK = closing._lock_carrier  # the guard


def _race(app, carrier_id, lock):
    barrier = threading.Barrier(2, timeout=20)
    monday, wednesday = today() - timedelta(days=3), today() - timedelta(days=1)
    outcome, errors = {}, []

    def lined_up(row_id):
        barrier.wait()  # both have decided to close; now they lock (or not) and read the run
        return lock(row_id)

    def closer(day):
        with app.app_context():
            try:
                closing.close_through(carrier_id, day, actor="system:test")
                outcome[day] = "closed"
            except ApiError as refused:
                db.session.rollback()
                outcome[day] = refused.slug
            except Exception as exc:  # asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    mp = pytest.MonkeyPatch()
    mp.setattr(closing, "_lock_carrier", lined_up)
    try:
        threads = [threading.Thread(target=closer, args=(day,)) for day in (monday, wednesday)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        mp.undo()
    assert not errors, errors
    db.session.expire_all()
    return sorted(db.session.scalars(select(ClosedDay.day).where(ClosedDay.carrier_id == carrier_id))), monday


def _read_without_lock(carrier_id):
    return db.session.execute(select(Carrier).where(Carrier.id == carrier_id)).scalar_one()


def test_without_the_carrier_lock_two_closes_leave_a_hole_in_the_books(app, world):
    days, monday = _race(app, world.carrier.id, _read_without_lock)
    assert days == [monday, monday + timedelta(days=2)]  # Tuesday is open between two closed days


def test_with_the_carrier_lock_the_second_close_continues_the_run(app, world):
    days, monday = _race(app, world.carrier.id, LOCK)
    wednesday = monday + timedelta(days=2)
    # Monday first: the other close then takes Tuesday and Wednesday. Wednesday first: the
    # books begin on Wednesday and Monday is refused (day-closed). Never a hole.
    assert days in ([monday, monday + timedelta(days=1), wednesday], [wednesday])
