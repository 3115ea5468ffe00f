"""Settlements: built from closed days, paid with a reference by the platform, with history,
CSV, and the payout in the ledger."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.ledger.models import LedgerEntry
from app.ledger.service import balance, counter_cash
from tests import factories
from tests.counter.helpers import make_agent, open_shift, sell_cash
from tests.reports.helpers import backdate_ledger, cancel, sell, today

CASH_FARE = 80000  # Nairobi -> Nakuru, standard, at the counter


def base(world):
    return f"/api/v1/carriers/{world.carrier.id}/settlements"


def closed_week(client, world, headers):
    """A sale two days ago, refunded yesterday with another sale yesterday; both days closed."""
    order, _ = sell(world, world.passenger, classes=("standard", "student"))
    backdate_ledger(1)
    cancel(world.passenger, order.id)
    sell(world, world.passenger)
    backdate_ledger(1)
    start, end = today() - timedelta(days=2), today() - timedelta(days=1)
    days = []
    for day in (start, end):
        resp = client.post(f"/api/v1/carriers/{world.carrier.id}/reports/daily/{day}/close", headers=headers)
        assert resp.status_code == 200, resp.get_json()
        days += resp.get_json()["closed"]
    assert [d["gross"]["amount"] for d in days] == [270000, 150000] and days[1]["refunds"]["amount"] > 0
    return start, end, days


def test_a_settlement_adds_up_its_closed_days_and_is_paid_once_with_a_reference(client, world, auth_headers):
    admin = auth_headers(world.admin)
    platform_user = factories.make_user("platform_admin")
    db.session.commit()
    platform = auth_headers(platform_user)
    start, end, days = closed_week(client, world, admin)
    created = client.post(base(world), json={"period_start": start.isoformat(), "period_end": end.isoformat()},
                          headers=admin)
    assert created.status_code == 201, created.get_json()
    s = created.get_json()
    for field, key in (("gross", "gross"), ("refunds", "refunds"), ("commission", "commission"),
                       ("fees", "operator_fees"), ("net", "net_payable")):
        assert s[field]["amount"] == sum(day[key]["amount"] for day in days), field
    assert s["status"] == "pending" and s["reference"] is None and s["days"] == 2
    assert [h["to_status"] for h in s["history"]] == ["pending"]
    payable = balance(f"carrier_payable:{world.carrier.id}", "KES")

    one = f"{base(world)}/{s['id']}"
    assert client.post(f"{one}/paid", json={"reference": "FT123"}, headers=admin).status_code == 403
    assert client.post(f"{one}/paid", json={}, headers=platform).status_code == 422
    assert client.post(f"{one}/paid", json={"reference": ""}, headers=platform).status_code == 422
    paid = client.post(f"{one}/paid", json={"reference": "FT24123ABCD"}, headers=platform)
    assert paid.status_code == 200, paid.get_json()
    body = paid.get_json()
    assert (body["status"], body["reference"]) == ("paid", "FT24123ABCD")
    assert body["paid_at"].endswith("+00:00") and body["created_at"].endswith("+00:00")  # moments in UTC
    assert [(h["from_status"], h["to_status"], h["actor"]) for h in body["history"]] == \
        [(None, "pending", f"user:{world.admin.id}"), ("pending", "paid", f"user:{platform_user.id}")]
    assert balance(f"carrier_payable:{world.carrier.id}", "KES") == payable - s["net"]["amount"]
    assert balance("provider_clearing:settlements", "KES") == s["net"]["amount"]
    again = client.post(f"{one}/paid", json={"reference": "FT24123ABCD"}, headers=platform)
    assert again.status_code == 200 and balance(f"carrier_payable:{world.carrier.id}", "KES") == \
        payable - s["net"]["amount"]
    other_ref = client.post(f"{one}/paid", json={"reference": "FT999"}, headers=platform)
    assert other_ref.status_code == 409 and other_ref.get_json()["type"].endswith("settlement-state")
    # The payout is not the day's business: the closed day and today's report are untouched.
    report = client.get(f"/api/v1/carriers/{world.carrier.id}/reports/daily?date={today()}", headers=admin)
    assert report.get_json()["net_payable"]["amount"] == 0
    assert client.get(one, headers=admin).get_json()["status"] == "paid"


def test_settling_open_or_settled_days_or_a_backward_period_is_refused(client, world, auth_headers):
    admin = auth_headers(world.admin)
    start, end, _ = closed_week(client, world, admin)
    open_day = client.post(base(world), json={"period_start": start.isoformat(), "period_end": today().isoformat()},
                           headers=admin)
    assert open_day.status_code == 409 and open_day.get_json()["type"].endswith("day-not-closed")
    assert open_day.get_json()["day"] == today().isoformat()
    backward = client.post(base(world), json={"period_start": end.isoformat(),
                                              "period_end": (end - timedelta(days=1)).isoformat()}, headers=admin)
    assert backward.status_code == 422
    for body in ({}, {"period_start": "soon", "period_end": end.isoformat()}):
        assert client.post(base(world), json=body, headers=admin).status_code == 422
    body = {"period_start": start.isoformat(), "period_end": end.isoformat()}
    assert client.post(base(world), json=body, headers=admin).status_code == 201
    twice = client.post(base(world), json=body, headers=admin)
    assert twice.status_code == 409 and twice.get_json()["type"].endswith("already-settled")


def test_settlements_list_pages_and_exports_csv(client, world, auth_headers):
    admin = auth_headers(world.admin)
    start, end, _ = closed_week(client, world, admin)
    client.post(base(world), json={"period_start": start.isoformat(), "period_end": end.isoformat()}, headers=admin)
    listed = client.get(base(world), headers=admin)
    assert listed.status_code == 200 and len(listed.get_json()) == 1
    assert '"total": 1' in listed.headers["X-Pagination"]
    row = listed.get_json()[0]
    assert {"period_start", "period_end", "gross", "commission", "fees", "net", "status", "reference"} <= set(row)
    as_csv = client.get(base(world), headers={**admin, "Accept": "text/csv"})
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    [line] = list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True))))
    assert (line["period_start"], line["status"], line["reference"], line["currency"]) == \
        (start.isoformat(), "pending", "", "KES")
    assert line["net"] == f"{row['net']['amount'] // 100}.{row['net']['amount'] % 100:02d}"
    assert client.get(f"{base(world)}?page_size=1000", headers=admin).status_code == 422


def test_cash_the_carriers_counter_took_is_netted_and_settled_against_the_payable(client, world, auth_headers):
    """A carrier already holds its counters' cash: the settlement transfers only the rest, and
    paying it leaves neither the payable nor the carrier's cash in hand counted twice."""
    admin = auth_headers(world.admin)
    agent = make_agent(world)
    counter = auth_headers(agent)
    open_shift(client, counter, 10000)
    cash_sale = sell_cash(client, world, counter)
    closed = client.post("/api/v1/counter/drawer/count", json={"counted": 10000 + CASH_FARE}, headers=counter)
    assert closed.status_code == 200, closed.get_json()
    sell(world, world.passenger)  # and one sale in the app, paid by M-Pesa
    backdate_ledger(1)
    yesterday = today() - timedelta(days=1)
    day = client.post(f"/api/v1/carriers/{world.carrier.id}/reports/daily/{yesterday}/close", headers=admin)
    assert day.status_code == 200, day.get_json()
    closed_day = day.get_json()["closed"][0]
    assert cash_sale["total"]["amount"] == CASH_FARE

    created = client.post(base(world), json={"period_start": yesterday.isoformat(),
                                             "period_end": yesterday.isoformat()}, headers=admin)
    assert created.status_code == 201, created.get_json()
    s = created.get_json()
    assert s["cash_kept"]["amount"] == CASH_FARE
    assert s["net"]["amount"] == closed_day["net_payable"]["amount"] - CASH_FARE
    assert "cash_kept" in client.get(base(world), headers={**admin, "Accept": "text/csv"}).get_data(as_text=True)

    payable = balance(f"carrier_payable:{world.carrier.id}", "KES")
    platform = factories.make_user("platform_admin")
    db.session.commit()
    paid = client.post(f"{base(world)}/{s['id']}/paid", json={"reference": "FT24CASH1"},
                       headers=auth_headers(platform))
    assert paid.status_code == 200, paid.get_json()
    assert balance(f"carrier_payable:{world.carrier.id}", "KES") == payable - s["net"]["amount"] - CASH_FARE
    assert balance("provider_clearing:settlements", "KES") == s["net"]["amount"]
    assert balance(counter_cash(world.carrier.id), "KES") == 0  # the cash in hand is accounted for
    assert db.session.scalar(select(func.sum(LedgerEntry.amount))) == 0
