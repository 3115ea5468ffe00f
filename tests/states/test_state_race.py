"""Two transitions of the same order at the same moment (PostgreSQL only): one wins.

Following pretix: first prove the race exists (with the row lock taken away, both read
``pending_payment``, both pass the table's check and both believe they moved the order:
one to ``paid``, the other to ``failed``, with two history rows starting from the same
state), then that ``Machine.transition``'s ``SELECT ... FOR UPDATE`` and re-check make
the second one see the first one's result and be refused. A barrier lines both up right
where they read the order, so the race happens on every run, not by luck.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from app.booking.models import Order
from app.booking.states import ORDER
from app.states.history import history_of
from app.errors import ApiError
from app.extensions import db
from tests.states.test_state_machines import _order

pytestmark = pytest.mark.postgres_only


def _race(app, order_id, read):
    barrier = threading.Barrier(2, timeout=20)
    outcome, errors = {}, []

    def lined_up(row_id):
        barrier.wait()  # both have decided to move the order; now they read it
        return read(row_id)

    def mover(target):
        with app.app_context():
            try:
                order = db.session.get(Order, order_id)
                ORDER.transition(order, target, actor="system:test", reason=f"racing to {target}")
                db.session.commit()
                outcome[target] = "moved"
            except ApiError as refused:
                db.session.rollback()
                outcome[target] = refused.slug
            except Exception as exc:  # asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    mp = pytest.MonkeyPatch()
    mp.setattr(ORDER, "lock", lined_up)
    try:
        threads = [threading.Thread(target=mover, args=(target,)) for target in ("paid", "failed")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        mp.undo()
    assert not errors, errors
    db.session.expire_all()
    return outcome


def _read_without_lock(order_id):
    """The guard removed: a plain read, as if the machine took no row lock."""
    return db.session.execute(
        select(Order).where(Order.id == order_id).execution_options(populate_existing=True)
    ).scalar_one()


@pytest.fixture
def order_id(app, world):
    order = _order(world)
    db.session.commit()
    return order.id


def test_without_the_row_lock_both_transitions_believe_they_won(app, order_id):
    outcome = _race(app, order_id, _read_without_lock)
    assert outcome == {"paid": "moved", "failed": "moved"}
    froms = [h.from_status for h in history_of("order", order_id)]
    assert froms == ["pending_payment", "pending_payment"]  # two moves out of the same state


def test_the_row_lock_lets_exactly_one_transition_win(app, order_id):
    outcome = _race(app, order_id, ORDER.lock)
    assert sorted(outcome.values()) == ["moved", "order-state"]
    winner = next(target for target, result in outcome.items() if result == "moved")
    assert db.session.get(Order, order_id).status == winner
    [row] = history_of("order", order_id)
    assert (row.from_status, row.to_status) == ("pending_payment", winner)
