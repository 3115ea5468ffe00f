"""State machines: one place writes statuses, each table's moves work and only those, every
named state is reached by some code path, and the status history is append-only."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.auth.models import OtpChallenge
from app.booking.models import Order, OrderItem, SeatHold
from app.booking.states import ORDER
from app.catalog.trips.schemas import StatusInSchema
from app.states.history import AppendOnly, StatusHistory, check_actor, clean_reason, history_of
from app.concessions.models import Concession
from app.states.machine import MACHINES
from app.database import utcnow
from app.errors import ApiError
from app.extensions import db
from app.messaging.models import OutboundMessage
from app.payments.models import AirtimeCharge, Payment, Refund
from app.auth import states as _auth_states  # noqa: F401 - importing registers each area's machines
from app.booking import states as _booking_states  # noqa: F401
from app.catalog.trips import states as _trip_states  # noqa: F401
from app.messaging import states as _sms_states  # noqa: F401
from app.payments import states as _payment_states  # noqa: F401
from app.reports import states as _report_states  # noqa: F401
from app.reports.models import Settlement
from app.payouts import states as _payout_states  # noqa: F401
from app.payouts.models import Payout
from app.ticketing import states as _ticket_states  # noqa: F401
from app.ticketing.states import TICKET
from tests import factories
from tests.states import state_audit
from app.ticketing.models import Ticket


EXPECTED = {"order", "hold", "payment", "refund", "airtime_charge", "ticket", "trip", "user", "otp", "sms",
            "settlement", "payout", "concession"}


def test_every_area_declares_its_machine():
    assert set(MACHINES) == EXPECTED


# --- nobody else writes a status ----------------------------------------------------------

def _model_names():
    return {machine.model.__name__ for machine in MACHINES.values()}


def test_the_checker_finds_each_kind_of_status_write():
    snippet = '''
class Oops(db.Model):
    def close(self):
        self.status = "closed"
class HttpError(Exception):
    def __init__(self, status):
        self.status = status
def f(order, stmt):
    order.status = "paid"
    setattr(order, "status", "paid")
    Order(code="x", status="paid")
    stmt.values(status="expired")
    stmt.values({"status": "expired"})
    db.session.execute(insert(Order), [{"code": "y", "status": "paid"}])
    order.status_reason = "fine"
'''
    kinds = [kind for _, kind in state_audit.status_writes(snippet, {"Order"})]
    assert kinds.count("assigns .status") == 2  # the model's own self.status and order.status
    assert "setattr status" in kinds and "Order(status=...)" in kinds
    assert ".values(status=...)" in kinds and '.values({"status": ...})' in kinds
    assert 'execute(..., {"status": ...})' in kinds
    assert len(kinds) == 7


def test_no_status_is_written_outside_the_state_machine_core():
    names = _model_names()
    offenders = [
        f"{path}:{line}: {kind}"
        for path, text in state_audit.source_files() if path != state_audit.STATE_CORE
        for line, kind in state_audit.status_writes(text, names)
    ]
    assert offenders == [], "status written outside app/states/machine.py:\n" + "\n".join(offenders)


def test_no_code_updates_or_deletes_status_history():
    assert state_audit.history_mutations("db.session.execute(update(StatusHistory).values(reason=None))")
    assert state_audit.history_mutations("StatusHistory.__table__.delete()")
    offenders = [f"{path}:{line}" for path, text in state_audit.source_files()
                 for line in state_audit.history_mutations(text)]
    assert offenders == []


# --- every state is reachable in the table and reached in the code ------------------------

# The carrier/driver endpoint moves trips to the state the request names; the schema
# lists which (checked below), so these are reached through the API, not a literal.
THROUGH_THE_TRIP_API = {"boarding", "departed", "arrived"}


@pytest.mark.parametrize("entity", sorted(EXPECTED))
def test_every_state_of_the_table_is_reachable_from_an_initial_state(entity):
    machine = MACHINES[entity]
    assert machine.states - machine.reachable() == set()


def test_every_state_a_table_names_is_reached_by_some_code_path():
    reached = state_audit.reached_states(list(state_audit.source_files()))
    api_choices = set(StatusInSchema().fields["status"].validate.choices)
    assert api_choices == THROUGH_THE_TRIP_API
    reached.setdefault("trip", set()).update(api_choices)
    missing = {}
    for entity, machine in MACHINES.items():
        default = machine.model.__table__.c.status.default
        by_default = {default.arg} & machine.initial if default is not None else set()
        states = reached.get(entity, set()) | by_default
        assert states <= machine.states, f"{entity}: code moves rows to states the table does not name"
        if machine.states - states:
            missing[entity] = sorted(machine.states - states)
    assert missing == {}


def test_the_reach_check_notices_a_state_nothing_moves_to():
    files = [("app/x.py", "def f(t):\n    TICKET.transition(t, 'used', actor='system:x')\n")]
    assert state_audit.reached_states(files) == {"ticket": {"used"}}


# --- each machine's moves work, and only those --------------------------------------------

def _order(world, **kw):
    order = Order(code=f"T{utcnow().microsecond:06d}{kw.pop('n', 0)}"[:12], user_id=world.passenger.id,
                  trip_id=world.trip.id, origin_stop_id=world.nairobi.id, destination_stop_id=world.eldoret.id,
                  currency="KES", total_amount=150000, hold_expires_at=utcnow() + timedelta(minutes=5), **kw)
    db.session.add(order)
    db.session.flush()
    return order


def _payment(world, n):
    order = _order(world, n=n)
    payment = Payment(order_id=order.id, user_id=world.passenger.id, method="mpesa_stk", provider="mpesa",
                      amount=150000, currency="KES")
    db.session.add(payment)
    db.session.flush()
    return payment


def _make(entity, world, n):
    """A fresh row of ``entity`` (in whatever state; the test then sets the one it needs)."""
    seat = world.vehicle.seat_layout[n % len(world.vehicle.seat_layout)]
    if entity == "order":
        return _order(world, n=n)
    if entity == "hold":
        trip = factories.make_trip(world.route, world.vehicle, factories.local_departure(3) + timedelta(minutes=n))
        row = SeatHold(trip_id=trip.id, seat=seat, order_id=_order(world, n=n).id, expires_at=utcnow())
    elif entity == "payment":
        return _payment(world, n)
    elif entity == "refund":
        order = _order(world, n=n)
        row = Refund(ref=f"r{n}", order_id=order.id, user_id=world.passenger.id, amount=100, currency="KES",
                     reason="test")
    elif entity == "airtime_charge":
        row = AirtimeCharge(payment_id=_payment(world, n).id, seq=1, keyword="SAFIRI10", amount=1000,
                            currency="KES", provider_ref=f"ATX{n}")
    elif entity == "ticket":
        order = _order(world, n=n)
        item = OrderItem(order_id=order.id, seat=seat, fare_class="standard", price=150000)
        db.session.add(item)
        db.session.flush()
        row = Ticket(order_id=order.id, order_item_id=item.id, trip_id=world.trip.id, user_id=world.passenger.id,
                     seat=seat, seat_index=0, fare_class="standard", short_code=f"C{n:07d}",
                     valid_from=utcnow(), valid_until=utcnow() + timedelta(days=1))
    elif entity == "trip":
        return factories.make_trip(world.route, world.vehicle, factories.local_departure(2) + timedelta(minutes=n))
    elif entity == "user":
        return factories.make_user(phone=f"+2547220{n:05d}")
    elif entity == "otp":
        row = OtpChallenge(phone=f"+2547330{n:05d}", code_hash="x" * 64, expires_at=utcnow())
    elif entity == "sms":
        row = OutboundMessage(to_phone="+254711000111", text="hi", kind="test")
    elif entity == "settlement":
        day = utcnow().date() - timedelta(days=400 + n)
        row = Settlement(carrier_id=world.carrier.id, period_start=day, period_end=day, currency="KES", days=1,
                         gross=100, refunds=0, commission=5, fees=0, net=95, reference="REF1", created_by="user:7")
    elif entity == "concession":  # one person each: one live claim per person, carrier, class
        row = Concession(user_id=factories.make_user(phone=f"+2547440{n:05d}").id, carrier_id=world.carrier.id,
                         category="reduced", reason="senior", expires_on=utcnow().date() + timedelta(days=30))
    elif entity == "payout":
        row = Payout(ref=f"p{n}", kind="withdrawal", user_id=world.passenger.id, amount=10000, currency="KES",
                     account="payouts_pending:platform", phone="+254711000111", paid_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def _force(row, status):
    """Put ``row`` in ``status`` behind the machine's back (test setup only)."""
    model = type(row)
    extra = {"phone": None, "name": None} if model.__name__ == "User" and status == "deleted" else {}
    db.session.execute(update(model).where(model.id == row.id).values(status=status, **extra))
    db.session.expire(row)


def _history_count(entity, row_id):
    return db.session.scalar(select(func.count()).select_from(StatusHistory)
                             .where(StatusHistory.entity == entity, StatusHistory.entity_id == row_id))


@pytest.mark.parametrize("entity", sorted(EXPECTED))
def test_allowed_moves_work_and_are_recorded_and_others_are_refused_changing_nothing(app, world, entity):
    machine = MACHINES[entity]
    n = 0
    for current in sorted(machine.states):
        for target in sorted(machine.states):
            n += 1
            row = _make(entity, world, n)
            _force(row, current)
            before = _history_count(entity, row.id)
            if machine.allows(current, target):
                locked = False
                if entity == "user" and target == "deleted":  # erasure goes with deletion (a CHECK)
                    row, locked = machine.lock(row.id), True
                    row.phone = row.name = None
                moved = machine.transition(row, target, actor="user:7", reason="test move", locked=locked)
                db.session.flush()
                assert moved.status == target
                last = history_of(entity, row.id)[-1]
                assert (last.from_status, last.to_status, last.actor, last.reason) == \
                    (current, target, "user:7", "test move")
            else:
                with pytest.raises(ApiError) as refused:
                    machine.transition(row, target, actor="user:7", reason="not allowed")
                assert refused.value.status == 409 and refused.value.slug == machine.slug
                db.session.flush()
                db.session.expire(row)
                assert row.status == current and _history_count(entity, row.id) == before
    db.session.rollback()


def test_create_records_the_first_state_and_refuses_a_non_initial_one(app, world):
    order = Order(code="NEWORDER1", user_id=world.passenger.id, trip_id=world.trip.id,
                  origin_stop_id=world.nairobi.id, destination_stop_id=world.eldoret.id, currency="KES",
                  total_amount=100, hold_expires_at=utcnow())
    with pytest.raises(ValueError):
        ORDER.create(order, "paid", actor="user:1")
    ORDER.create(order, "pending_payment", actor=f"user:{world.passenger.id}", reason="ordered by api")
    [row] = history_of("order", order.id)
    assert (row.from_status, row.to_status, row.actor) == (None, "pending_payment", f"user:{world.passenger.id}")
    db.session.rollback()


def test_bulk_moves_only_rows_that_may_move_and_writes_one_history_row_each(app, world):
    rows = [_make("ticket", world, i) for i in range(3)]
    _force(rows[2], "cancelled")
    moved = TICKET.bulk(Ticket.id.in_([r.id for r in rows]), to="expired", actor="system:test")
    assert sorted(moved) == sorted(r.id for r in rows[:2])
    assert [h.to_status for r in rows for h in history_of("ticket", r.id)] == ["expired", "expired"]
    db.session.rollback()


# --- the history never names a person, and never changes ---------------------------------

def test_actors_are_kinds_and_ids_never_a_phone_or_a_name():
    assert check_actor("user:12") == "user:12" and check_actor("system:hold-expiry")
    for bad in ("+254711000111", "user:+254711000111", "Wanjiku", "user:Wanjiku Kamau", "", None):
        with pytest.raises(ValueError):
            check_actor(bad)
    assert clean_reason("paid by +254 711 000111 today") == "paid by [number] today"
    assert clean_reason("payment 1234") == "payment 1234"  # short ids stay readable


def test_history_rows_cannot_be_changed_or_deleted(app, world):
    order = _order(world)
    ORDER.transition(order, "expired", actor="system:test")
    db.session.commit()
    [row] = history_of("order", order.id)
    row.reason = "rewritten"
    with pytest.raises(AppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(history_of("order", order.id)[0])
    with pytest.raises(AppendOnly):
        db.session.flush()
    db.session.rollback()
    assert [(h.to_status, h.reason) for h in history_of("order", order.id)] == [("expired", None)]
