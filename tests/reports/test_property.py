"""Property: whatever is sold, failed, cancelled, paid twice or replayed, the daily report's
totals equal the ledger's movements for that carrier and day, to the minor unit, and every
breakdown's rows add up to those totals.

The actions go through the real use cases (``app.sales``: hold and pay on the app, USSD and
SMS channels; passenger cancellations; the carrier's trip cancellation endpoint) and the
one settlement path (``settle_success``) for replays and second payments, as in
``tests/ledger/test_invariants.py``. A second carrier sells too, and must never show up.
Operator fees are in play: airtime sales leave the operator its share
(``AIRTIME_OPERATOR_SHARE_BPS``), and statement uploads post M-Pesa charges
(``app.reconciliation.charges``).
"""
from __future__ import annotations

from itertools import count
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.booking.models import Order
from app.catalog.models import Trip
from app.errors import ApiError
from app.extensions import db
from app.payments.models import Payment
from app.payments.settlement import settle_success
from app.reconciliation.charges import post_charges
from app.reports.report import daily_report
from app.sales import orders as sales_orders
from app.sales import paying
from app.ticketing.models import Ticket
from tests import factories
from tests.conftest import _empty_all_tables
from tests.reports.helpers import cancel, ledger_day, sell, today

CLASSES = st.lists(st.sampled_from(["standard", "student", "reduced"]), min_size=1, max_size=3)
ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("sell"), st.tuples(st.sampled_from(["api", "ussd", "sms"]),
                                             st.sampled_from(["mpesa", "mpesa_fail", "wallet", "airtime"]),
                                             CLASSES, st.integers(0, 1))),
        st.tuples(st.just("topup"), st.sampled_from([50000, 400000])),
        st.tuples(st.just("cancel"), st.tuples(st.integers(0, 7), st.booleans())),
        st.tuples(st.just("cancel_trip"), st.integers(0, 1)),
        st.tuples(st.just("second_payment"), st.integers(0, 7)),
        st.tuples(st.just("replay"), st.integers(0, 7)),
        st.tuples(st.just("rival_sale"), st.just(None)),
        st.tuples(st.just("mpesa_charges"), st.lists(st.integers(1, 5000), min_size=1, max_size=3)),
    ),
    min_size=1, max_size=8,
)


def _rival_world():
    """Another carrier with its own trip: its sales must never reach our carrier's report."""
    carrier = factories.make_carrier("Rival")
    a, b = factories.make_stop(carrier, "Nairobi", code="NBX"), factories.make_stop(carrier, "Eldoret", code="ELX")
    route = factories.make_route(carrier, [(a, 0), (b, 300)])
    trip = factories.make_trip(route, factories.make_vehicle(carrier, seats=40), factories.local_departure(1))
    factories.make_fare(route, a, b, 99900)
    db.session.commit()
    return trip, a, b


def _do(action, arg, world, trips, rival, client, orders):
    passenger = world.passenger
    if action == "sell":
        channel, method, classes, which = arg
        phone = "0711000000" if method == "mpesa_fail" else None
        order, _ = sell(world, passenger, classes=classes, method="mpesa" if method == "mpesa_fail" else method,
                        channel=channel, trip=trips[which], phone=phone)
        orders.append(order.id)
    elif action == "topup":
        client.post("/api/v1/wallet/top-ups", json={"amount": {"amount": arg, "currency": "KES"}},
                    headers=factories.auth_headers(passenger))
    elif action == "cancel" and orders:
        index, one_ticket = arg
        order_id = orders[index % len(orders)]
        tickets = db.session.scalars(select(Ticket.id).where(Ticket.order_id == order_id,
                                                             Ticket.status == "valid")).all()
        cancel(passenger, order_id, ticket_ids=tickets[:1] if one_ticket and tickets else None)
    elif action == "cancel_trip":
        trip = trips[arg]
        client.post(f"/api/v1/carriers/{world.carrier.id}/trips/{trip.id}/cancel", json={"reason": "breakdown"},
                    headers=factories.auth_headers(world.admin))
    elif action == "second_payment" and orders:
        order = db.session.get(Order, orders[arg % len(orders)])
        p = Payment(order_id=order.id, user_id=order.user_id, purpose="order", method="mpesa_stk",
                    provider="sandbox", amount=order.total_amount, currency=order.currency, phone=passenger.phone)
        db.session.add(p)
        db.session.flush()
        settle_success(p.id, amount=p.amount, currency=p.currency, receipt=f"DUP{p.id}", source="test")
        db.session.commit()
    elif action == "replay":
        payments = db.session.scalars(select(Payment).order_by(Payment.id)).all()
        if payments:
            p = payments[arg % len(payments)]
            settle_success(p.id, amount=p.amount, currency=p.currency, receipt=p.receipt, source="replay")
            db.session.commit()
    elif action == "mpesa_charges":
        # A statement upload's new charge rows (M-Pesa's cost, taken at source): operator fees.
        post_charges(world.carrier.id, next(UPLOADS), [SimpleNamespace(kind="charge", amount=-fee) for fee in arg], "KES")
        db.session.commit()
    elif action == "rival_sale":
        trip, a, b = rival
        rival_buyer = factories.make_user()
        db.session.commit()
        order = sales_orders.hold_seats(rival_buyer, trip_id=trip.id, origin_stop_id=a.id,
                                        destination_stop_id=b.id, passengers=1)
        paying.pay_order(rival_buyer, order.id, "mpesa")


@pytest.fixture
def app_settings():
    return {"AIRTIME_OPERATOR_SHARE_BPS": 2500}  # the operator keeps a quarter of airtime sales: operator fees


UPLOADS = count(1)  # statement upload ids of the charges posted (each upload posts once)
MONEY = ("gross", "refunds", "commission", "operator_fees", "net_payable")
FIGURES = ("tickets_sold", "tickets_refunded") + MONEY


def _check(world):
    db.session.expire_all()
    day = today()
    report = daily_report(world.carrier, day)
    ledger = ledger_day(world.carrier.id, day)
    assert report["net_payable"] == ledger["net_payable"]
    assert report["commission"] == ledger["commission"]
    assert report["operator_fees"] == ledger["operator_fees"]
    assert report["gross"] - report["refunds"] - report["commission"] - report["operator_fees"] == \
        report["net_payable"]
    totals = {k: report[k] for k in FIGURES}
    for name in ("by_route", "by_trip", "by_channel", "by_payment_method", "by_fare_class"):
        assert {k: sum(row[k] for row in report[name]) for k in FIGURES} == totals, name
    ours = select(Ticket).join(Trip, Trip.id == Ticket.trip_id).where(Trip.carrier_id == world.carrier.id)
    issued = db.session.scalar(select(func.count()).select_from(ours.subquery()))
    given_back = db.session.scalar(select(func.count()).select_from(
        ours.where(Ticket.status.in_(("cancelled", "refunded"))).subquery()))
    assert report["tickets_sold"] == issued and report["tickets_refunded"] == given_back
    return report


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS, rate=st.sampled_from([None, 0, 333, 1250]), odd=st.integers(1, 97))
def test_report_totals_equal_the_ledger_for_any_sequence(app, actions, rate, odd):
    _empty_all_tables()
    world = factories.build_world(seats=30)
    world.carrier.commission_bps = rate  # the carrier's commission (None: the platform's default)
    for n, fare in enumerate(world.fares.values()):
        fare.amount += odd * (n + 1)  # prices that do not divide evenly: rounding must still add up
    second = factories.make_trip(world.route, world.vehicle, factories.local_departure(2))
    db.session.commit()
    rival = _rival_world()
    client = app.test_client()
    orders: list[int] = []
    for action, arg in actions:
        try:
            _do(action, arg, world, [world.trip, second], rival, client, orders)
        except ApiError:
            db.session.rollback()  # refused up front (wallet too low, trip cancelled...): nothing changed
        _check(world)
