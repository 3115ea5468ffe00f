"""The drawer's rules under real concurrency (PostgreSQL only): an agent tapping "open" on
two tablets gets one drawer; two closings at once give one report; cash sales racing the
closing are either in the report or refused, never lost between the two."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, func, select, text

from app.auth.models import User
from app.counter.models import CashDrawer, DrawerClosing
from app.errors import ApiError
from app.extensions import db as tdb
from app.ledger.service import balance, cash_drawer
from app.payments.models import Payment
from app.sales import counter
from tests.counter.helpers import make_agent

pytestmark = pytest.mark.postgres_only
TAPS = 8
INDEX = "uq_cash_drawers_one_open"


@pytest.fixture
def busy_app(make_app):
    return make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": TAPS + 5, "max_overflow": 5})


def _run(app, agent_id: int, n: int, action):
    results, barrier = [None] * n, threading.Barrier(n)

    def worker(i):
        with app.app_context():
            try:
                agent = tdb.session.get(User, agent_id)
                barrier.wait()
                results[i] = action(agent, i)
            except ApiError as exc:
                results[i] = exc.slug
            except Exception as exc:  # noqa: BLE001 - collected, asserted by the test
                results[i] = exc
            finally:
                tdb.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_without_the_index_many_opens_at_once_open_several_drawers(busy_app, world, db):
    """The race is real: the code's check ("no drawer open yet") passes for every tap at once."""
    agent = make_agent(world)
    db.session.execute(text(f"DROP INDEX {INDEX}"))
    db.session.commit()
    try:
        results = _run(busy_app, agent.id, TAPS, lambda a, i: counter.open_shift(a, 0).status)
        assert results.count("open") > 1, results
    finally:
        db.session.rollback()
        db.session.execute(delete(CashDrawer))
        db.session.commit()
        next(i for i in CashDrawer.__table__.indexes if i.name == INDEX).create(db.engine)


def test_many_opens_at_once_open_one_drawer(busy_app, world, db):
    agent = make_agent(world)
    results = _run(busy_app, agent.id, TAPS, lambda a, i: counter.open_shift(a, 1000 * (i + 1)).status)
    assert sorted(results, key=str) == ["drawer-already-open"] * (TAPS - 1) + ["open"], results
    assert db.session.scalar(select(func.count()).select_from(CashDrawer)) == 1
    opened = db.session.scalar(select(CashDrawer))
    assert balance(cash_drawer(agent.id), "KES") == -opened.opening_float  # one float posted


def test_many_closings_at_once_write_one_report(busy_app, world, db):
    agent = make_agent(world)
    counter.open_shift(agent, 5000)
    results = _run(busy_app, agent.id, TAPS, lambda a, i: counter.count_drawer(a, 5000).status)
    assert sorted(results, key=str) == ["closed"] + ["drawer-not-open"] * (TAPS - 1), results
    assert db.session.scalar(select(func.count()).select_from(DrawerClosing)) == 1
    assert balance(cash_drawer(agent.id), "KES") == 0


def test_cash_sales_racing_the_closing_are_in_the_report_or_refused(busy_app, world, db):
    """The closing locks the drawer; each cash sale locks it too. Counting 0 closes only a
    drawer that took nothing (then every later sale is refused); a drawer that took cash
    asks for a recount and still holds every sale: nothing is taken outside a drawer."""
    agent = make_agent(world)
    counter.open_shift(agent, 0)
    trip_id, origin, destination = world.trip.id, world.nairobi.id, world.nakuru.id

    def act(a, i):
        if i == 0:
            return counter.count_drawer(a, 0).status
        return counter.sell(a, trip_id=trip_id, origin_stop_id=origin, destination_stop_id=destination,
                            phone=f"+2547220005{i:02d}", passengers=[{"seat": str(i), "fare_class": "standard"}],
                            method="cash").status

    results = _run(busy_app, agent.id, TAPS, act)
    assert results[0] in ("closed", "recount") and set(results[1:]) <= {"paid", "drawer-not-open"}, results
    db.session.expire_all()
    cash = db.session.scalar(select(func.coalesce(func.sum(Payment.amount), 0)).where(Payment.method == "cash"))
    assert cash == 80000 * results.count("paid")
    drawer = db.session.scalar(select(CashDrawer))
    if results[0] == "closed":
        assert cash == 0 and drawer.closing.expected == 0
    else:
        assert drawer.closed_at is None and -balance(cash_drawer(agent.id), "KES") == cash
