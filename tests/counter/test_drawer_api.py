"""The counter API: a cash sale lands in the agent's drawer, the closing report and the
ledger; the drawer's rules (one open, blind count, one recount, a comment above the
carrier's threshold, closed once); other carriers and other agents get 404; bad input
gets a problem and changes nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.booking.models import Order
from app.counter.models import CashDrawer, DrawerClosing
from app.extensions import db
from app.ledger.models import LedgerEntry
from app.ledger.service import balance, cash_drawer, cash_over_short, counter_cash
from app.messaging.models import OutboundMessage
from app.payments.models import Payment
from tests import factories
from tests.counter.helpers import WALKIN_PHONE, make_agent, open_shift, sale_body, sell_cash
from tests.reports.helpers import today

FARE = 80000  # Nairobi -> Nakuru, standard


def count(client, headers, counted, comment=None):
    return client.post("/api/v1/counter/drawer/count", json={"counted": counted, "comment": comment},
                       headers=headers)


def test_a_cash_sale_shows_in_the_drawer_the_closing_report_the_ledger_and_the_daily_report(
        client, world, auth_headers):
    agent = make_agent(world)
    headers = auth_headers(agent)
    drawer = open_shift(client, headers, 500000)
    assert drawer["status"] == "open" and drawer["opening_float"] == {"amount": 500000, "currency": "KES"}
    assert "expected" not in str(drawer)  # blind: nothing the agent sees says what the drawer should hold

    order = sell_cash(client, world, headers)
    assert order["status"] == "paid" and order["channel"] == "counter" and order["items"][0]["seat"] == "2"
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order["id"]))
    assert (payment.method, payment.collected_by) == ("cash", agent.id)
    assert balance(cash_drawer(agent.id), "KES") == -(500000 + FARE)  # the drawer holds float + sale
    texts = [m.text for m in db.session.scalars(select(OutboundMessage).where(OutboundMessage.to_phone == WALKIN_PHONE))]
    assert any(order["code"] in t for t in texts)  # the ticket (and receipt) SMS went to the passenger

    report = client.get(f"/api/v1/carriers/{world.carrier.id}/reports/daily?date={today()}",
                        headers=auth_headers(world.admin)).get_json()
    assert [(r["channel"], r["gross"]["amount"]) for r in report["by_channel"]] == [("counter", FARE)]
    assert [(r["method"], r["gross"]["amount"]) for r in report["by_payment_method"]] == [("cash", FARE)]

    closed = count(client, headers, 500000 + FARE)
    assert closed.status_code == 200, closed.get_json()
    report = closed.get_json()["closing"]
    assert closed.get_json()["status"] == "closed"
    assert {k: report[k]["amount"] for k in ("expected", "counted", "difference", "cash_sales", "cash_refunds")} == {
        "expected": 580000, "counted": 580000, "difference": 0, "cash_sales": FARE, "cash_refunds": 0}
    assert balance(cash_drawer(agent.id), "KES") == 0  # handed back
    assert balance(counter_cash(world.carrier.id), "KES") == -FARE  # the carrier holds the sale's cash
    assert db.session.scalar(select(func.sum(LedgerEntry.amount))) == 0  # the books balance
    again = client.get(f"/api/v1/counter/drawers/{drawer['id']}", headers=headers).get_json()
    assert again["closing"] == report


def test_a_second_open_drawer_is_refused_by_the_api_and_the_database(client, world, auth_headers):
    agent = make_agent(world)
    headers = auth_headers(agent)
    open_shift(client, headers)
    resp = client.post("/api/v1/counter/drawer", json={"opening_float": 100}, headers=headers)
    assert resp.status_code == 409 and resp.get_json()["type"].endswith("drawer-already-open")
    db.session.add(CashDrawer(agent_id=agent.id, carrier_id=world.carrier.id, currency="KES", opening_float=0))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CashDrawer)) == 1


def test_the_count_is_blind_one_recount_then_closed_and_never_closed_twice(client, world, auth_headers):
    agent = make_agent(world)
    headers = auth_headers(agent)
    drawer = open_shift(client, headers, 100000)
    sell_cash(client, world, headers)
    first = count(client, headers, 170000)  # 10,000 cents short (KES 100: the default threshold)
    assert first.status_code == 200 and first.get_json()["status"] == "recount"
    assert first.get_json()["closing"] is None  # nothing said about what was expected
    second = count(client, headers, 175000)  # 5,000 short: within the threshold, no comment needed
    assert second.get_json()["status"] == "closed"
    closing = second.get_json()["closing"]
    assert (closing["counted"]["amount"], closing["expected"]["amount"], closing["difference"]["amount"]) == \
        (175000, 180000, -5000)
    assert balance(cash_over_short(world.carrier.id), "KES") == -5000  # the shortage is booked
    assert balance(cash_drawer(agent.id), "KES") == 0

    third = count(client, headers, 180000)
    assert third.status_code == 409 and third.content_type == "application/problem+json"
    db.session.add(DrawerClosing(drawer_id=drawer["id"], expected=0, counted=0, difference=0, cash_sales=0,
                                 cash_refunds=0))
    with pytest.raises(IntegrityError):  # the database refuses a second closing report
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(DrawerClosing)) == 1


def test_a_difference_above_the_carriers_threshold_needs_a_comment(client, world, auth_headers):
    world.carrier.cash_difference_threshold = 1000
    db.session.commit()
    agent = make_agent(world)
    headers = auth_headers(agent)
    open_shift(client, headers, 0)
    sell_cash(client, world, headers)
    assert count(client, headers, 70000).get_json()["status"] == "recount"
    refused = count(client, headers, 70000)
    assert refused.status_code == 422 and refused.get_json()["type"].endswith("comment-required")
    assert client.get("/api/v1/counter/drawer", headers=headers).get_json()["status"] == "recount"  # unchanged
    closed = count(client, headers, 70000, comment="A passenger was given change twice")
    assert closed.get_json()["closing"]["comment"] == "A passenger was given change twice"
    assert closed.get_json()["closing"]["difference"]["amount"] == -10000


def test_cash_needs_an_open_shift_and_passengers_cannot_pay_cash(client, world, auth_headers):
    agent = make_agent(world)
    resp = client.post("/api/v1/counter/sales", json=sale_body(world), headers=auth_headers(agent))
    assert resp.status_code == 409 and resp.get_json()["type"].endswith("drawer-not-open")
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    order = client.post("/api/v1/orders", json={"trip_id": world.trip.id, "origin_stop_id": world.nairobi.id,
                                                "destination_stop_id": world.nakuru.id, "passengers": [{}]},
                        headers=auth_headers(world.passenger)).get_json()
    refused = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "cash"},
                          headers=auth_headers(world.passenger))
    assert refused.status_code == 422 and refused.content_type == "application/problem+json"
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0


def test_another_carriers_agent_and_another_agent_get_404(client, world, auth_headers):
    agent = make_agent(world)
    headers = auth_headers(agent)
    drawer = open_shift(client, headers)
    order = sell_cash(client, world, headers)
    other_carrier = factories.make_carrier("Lake Shuttle")
    stranger = factories.make_user("agent", carrier=other_carrier)
    colleague = factories.make_user("agent", carrier=world.carrier)
    db.session.commit()
    theirs = auth_headers(stranger)
    open_shift(client, theirs)
    for path in (f"/api/v1/counter/orders/{order['id']}", f"/api/v1/counter/drawers/{drawer['id']}",
                 f"/api/v1/counter/trips/{world.trip.id}/seats?origin_stop_id={world.nairobi.id}"
                 f"&destination_stop_id={world.nakuru.id}"):
        assert client.get(path, headers=theirs).status_code == 404, path
    resp = client.post("/api/v1/counter/sales", json=sale_body(world, seat="3"), headers=theirs)
    assert resp.status_code == 404
    assert client.get("/api/v1/counter/trips", headers=theirs).get_json() == []
    assert client.get(f"/api/v1/counter/drawers/{drawer['id']}", headers=auth_headers(colleague)).status_code == 404
    assert client.get("/api/v1/counter/trips", headers=auth_headers(world.passenger)).status_code == 403


@pytest.mark.parametrize("body", [
    {"opening_float": -1}, {"opening_float": "5000"}, {"opening_float": 1.5}, {}, {"opening_float": 10**12},
])
def test_malformed_float_is_a_problem_and_opens_nothing(client, world, auth_headers, body):
    agent = make_agent(world)
    resp = client.post("/api/v1/counter/drawer", json=body, headers=auth_headers(agent))
    assert resp.status_code == 422 and resp.content_type == "application/problem+json"
    assert db.session.scalar(select(func.count()).select_from(CashDrawer)) == 0


@pytest.mark.parametrize("change", [
    {"method": "wallet"}, {"method": "cash", "phone": "not a phone"}, {"passengers": []},
    {"passengers": [{"seat": "99"}]}, {"trip_id": "x"},
])
def test_malformed_sale_is_a_problem_and_sells_nothing(client, world, auth_headers, change):
    agent = make_agent(world)
    headers = auth_headers(agent)
    open_shift(client, headers)
    resp = client.post("/api/v1/counter/sales", json=sale_body(world) | change, headers=headers)
    assert resp.status_code == 422 and resp.content_type == "application/problem+json", resp.get_json()
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_a_counter_cancellation_of_a_cash_ticket_pays_cash_out_of_the_drawer(client, world, auth_headers):
    agent = make_agent(world)
    headers = auth_headers(agent)
    open_shift(client, headers, 100000)
    order = sell_cash(client, world, headers)
    resp = client.post(f"/api/v1/counter/orders/{order['id']}/cancel", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    refunded = resp.get_json()["refunded"]["amount"]
    assert 0 < refunded <= FARE  # per the carrier's policy (tomorrow's trip)
    assert balance(cash_drawer(agent.id), "KES") == -(100000 + FARE - refunded)
    closing = count(client, headers, 100000 + FARE - refunded).get_json()["closing"]
    assert closing["cash_refunds"]["amount"] == refunded and closing["difference"]["amount"] == 0
    assert db.session.scalar(select(func.sum(LedgerEntry.amount))) == 0


def test_an_mpesa_sale_prompts_the_passengers_phone_and_leaves_the_drawer_alone(client, world, auth_headers):
    agent = make_agent(world)
    headers = auth_headers(agent)
    open_shift(client, headers, 0)
    resp = client.post("/api/v1/counter/sales", json=sale_body(world, method="mpesa"), headers=headers)
    assert resp.status_code == 201, resp.get_json()
    order = client.get(f"/api/v1/counter/orders/{resp.get_json()['id']}", headers=headers).get_json()
    assert order["status"] == "paid" and order["channel"] == "counter"  # the sandbox answers at once
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order["id"]))
    assert (payment.method, payment.phone, payment.collected_by) == ("mpesa_stk", WALKIN_PHONE, None)
    assert balance(cash_drawer(agent.id), "KES") == 0
    closed = count(client, headers, 0).get_json()
    assert closed["status"] == "closed" and closed["closing"]["cash_sales"]["amount"] == 0


@pytest.mark.parametrize("body", [{"counted": -100}, {"counted": "580000"}, {}, {"counted": 5, "comment": "x" * 501}])
def test_a_malformed_count_is_a_problem_and_counts_nothing(client, world, auth_headers, body):
    agent = make_agent(world)
    headers = auth_headers(agent)
    open_shift(client, headers)
    resp = client.post("/api/v1/counter/drawer/count", json=body, headers=headers)
    assert resp.status_code == 422 and resp.content_type == "application/problem+json"
    assert client.get("/api/v1/counter/drawer", headers=headers).get_json()["status"] == "open"


def test_an_agent_cannot_touch_a_passengers_own_booking(client, world, auth_headers):
    """An app booking of the carrier's trip is the passenger's: the counter answers 404."""
    agent = make_agent(world)
    headers = auth_headers(agent)
    open_shift(client, headers)
    order = client.post("/api/v1/orders", json={"trip_id": world.trip.id, "origin_stop_id": world.nairobi.id,
                                                "destination_stop_id": world.nakuru.id, "passengers": [{}]},
                        headers=auth_headers(world.passenger)).get_json()
    for action in ("cash", "release", "cancel"):
        assert client.post(f"/api/v1/counter/orders/{order['id']}/{action}", headers=headers).status_code == 404
    assert db.session.get(Order, order["id"]).status == "pending_payment"
