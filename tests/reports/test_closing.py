"""Closing days: the figures freeze; later money appears as an adjustment on the day it happens;
nothing is lost or counted twice, even a transaction that commits after the close."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.ledger.service import Leg, carrier_payable, post
from app.reports.closing import close_through
from app.reports.models import ClosedDay, ClosedDayTransaction
from app.reports.report import daily_report
from tests import factories
from tests.reports.helpers import NAIROBI, backdate_ledger, cancel, ledger_day, sell, today

MONEY = ("gross", "refunds", "commission", "operator_fees", "net_payable")


def report(client, world, headers, day):
    resp = client.get(f"/api/v1/carriers/{world.carrier.id}/reports/daily?date={day}", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def close(client, world, headers, day):
    return client.post(f"/api/v1/carriers/{world.carrier.id}/reports/daily/{day}/close", headers=headers)


def figures(r):
    return {k: r[k]["amount"] for k in MONEY}


def test_a_closed_day_never_changes_and_a_later_refund_is_an_adjustment_today(client, world, auth_headers):
    headers = auth_headers(world.admin)
    yesterday = today() - timedelta(days=1)
    order, _ = sell(world, world.passenger, classes=("standard", "student"))
    backdate_ledger(1)  # yesterday's sale
    open_figures = figures(report(client, world, headers, yesterday))
    resp = close(client, world, headers, yesterday)
    assert resp.status_code == 200, resp.get_json()
    [closed] = resp.get_json()["closed"]
    assert closed["status"] == "closed" and closed["closed_by"] == f"user:{world.admin.id}"
    assert closed["closed_at"].endswith("+00:00")
    assert figures(closed) == open_figures and open_figures["gross"] == 270000

    cancel(world.passenger, order.id)  # today, a refund of yesterday's sale
    again = report(client, world, headers, yesterday)
    assert again == closed  # frozen, to the byte
    now = report(client, world, headers, today())
    assert now["refunds"]["amount"] > 0 and now["gross"]["amount"] == 0
    [adjustment] = now["adjustments"]
    assert (adjustment["for_date"], adjustment["kind"], adjustment["late"], adjustment["count"]) == \
        (yesterday.isoformat(), "refund", False, 1)
    assert adjustment["refunds"] == now["refunds"] and adjustment["net_payable"] == now["net_payable"]
    assert figures(now)["net_payable"] == ledger_day(world.carrier.id, today())["net_payable"]


def test_a_transaction_committed_after_the_close_is_counted_once_on_the_next_day(app, world):
    yesterday = today() - timedelta(days=1)
    sell(world, world.passenger)
    backdate_ledger(1)
    close_through(world.carrier.id, yesterday, actor="user:1")
    # A sale stamped 23:59 yesterday that committed only now (its transaction was still open).
    late = datetime.combine(yesterday, time(23, 59), tzinfo=NAIROBI)
    post("sale", "payment:late-1", [
        Leg("provider_clearing:sandbox", -80000, "KES"), Leg(carrier_payable(world.carrier.id), 76000, "KES"),
        Leg("platform_fees", 4000, "KES")], carrier_id=world.carrier.id, now=late)
    db.session.commit()
    closed = db.session.scalar(select(ClosedDay).where(ClosedDay.day == yesterday))
    assert closed.gross == 150000  # untouched
    live = daily_report(world.carrier, today())
    assert live["gross"] == 80000 and live["adjustments"][0]["late"] is True
    assert live["adjustments"][0]["for_date"] == yesterday.isoformat()
    tomorrow_morning = datetime.combine(today() + timedelta(days=1), time(0, 5), tzinfo=NAIROBI)
    [today_closed] = close_through(world.carrier.id, today(), actor="user:1", now=tomorrow_morning)
    assert today_closed.gross == 80000
    counted = db.session.scalar(select(func.count()).select_from(ClosedDayTransaction))
    assert counted == 2  # the first sale once, the late one once
    both = db.session.scalar(select(func.sum(ClosedDay.net_payable)))
    assert both == 142500 + 76000


def test_closing_rules(client, world, auth_headers):
    headers = auth_headers(world.admin)
    yesterday = today() - timedelta(days=1)
    refused = close(client, world, headers, today())
    assert refused.status_code == 409 and refused.get_json()["type"].endswith("day-not-over")
    for bad in ("2026-99-01", "yesterday", (today() + timedelta(days=2)).isoformat()):
        assert close(client, world, headers, bad).status_code == 400
    first = today() - timedelta(days=5)
    assert close(client, world, headers, first).status_code == 200
    again = close(client, world, headers, first)
    assert again.status_code == 409 and again.get_json()["type"].endswith("day-closed")
    earlier = close(client, world, headers, first - timedelta(days=1))
    assert earlier.status_code == 409  # the books began on `first`
    gap = close(client, world, headers, yesterday)  # closes the 4 days since, in order
    assert [d["date"] for d in gap.get_json()["closed"]] == \
        [(first + timedelta(days=n)).isoformat() for n in range(1, 5)]
    assert all(report(client, world, headers, first + timedelta(days=n))["status"] == "closed" for n in range(5))


def test_closing_too_many_days_at_once_is_refused_with_the_day_to_close_first(client, world, auth_headers):
    headers = auth_headers(world.admin)
    start = today() - timedelta(days=100)
    assert close(client, world, headers, start).status_code == 200
    refused = close(client, world, headers, today() - timedelta(days=1))
    assert refused.status_code == 409 and refused.get_json()["type"].endswith("close-earlier-days-first")
    assert refused.get_json()["close_through"] == (start + timedelta(days=62)).isoformat()
    assert db.session.scalar(select(func.count()).select_from(ClosedDay)) == 1


def test_the_database_refuses_a_day_closed_twice_or_figures_that_do_not_add_up(app, world):
    def day_row(**kw):
        values = dict(carrier_id=world.carrier.id, day=today() - timedelta(days=3), currency="KES", tickets_sold=0,
                      tickets_refunded=0, gross=100, refunds=0, commission=5, operator_fees=0, net_payable=95,
                      report={}, closed_by="user:1")
        return ClosedDay(**{**values, **kw})

    db.session.add(day_row())
    db.session.commit()
    for row in (day_row(), day_row(day=today() - timedelta(days=4), net_payable=96)):
        db.session.add(row)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_another_carriers_sales_never_reach_a_report(client, world, auth_headers):
    other = factories.make_carrier("Other Coaches")
    db.session.commit()
    sell(world, world.passenger)
    headers = auth_headers(factories.make_user("platform_admin"))
    db.session.commit()
    theirs = client.get(f"/api/v1/carriers/{other.id}/reports/daily?date={today()}", headers=headers).get_json()
    assert theirs["gross"]["amount"] == 0 and theirs["by_trip"] == []
