"""The daily report: totals and breakdowns from the ledger, CSV, the commission setting,
bad dates, and boarding."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.database import utcnow
from app.extensions import db
from app.ledger.service import balance
from app.ticketing.models import Ticket
from app.ticketing.transitions import transition_ticket
from tests import factories
from tests.reports.helpers import cancel, ledger_day, sell, today

MONEY = ("gross", "refunds", "commission", "operator_fees", "net_payable")


def url(carrier_id, day=None):
    base = f"/api/v1/carriers/{carrier_id}/reports/daily"
    return f"{base}?date={day}" if day else base


def amounts(row):
    return {k: row[k]["amount"] for k in MONEY} | {k: row[k] for k in ("tickets_sold", "tickets_refunded")}


def test_report_totals_agree_with_the_ledger_and_every_breakdown_sums_to_them(client, world, auth_headers):
    sell(world, world.passenger, classes=("standard", "student"))  # app, M-Pesa: 1,500 + 1,200
    ussd, _ = sell(world, world.passenger, classes=("reduced",), channel="ussd")  # 750
    sms_buyer = factories.make_user()
    db.session.commit()
    sell(world, sms_buyer, classes=("standard",), channel="sms")
    cancel(world.passenger, ussd.id)  # tomorrow's trip: the policy refunds part of it

    resp = client.get(url(world.carrier.id, today()), headers=auth_headers(world.admin))
    assert resp.status_code == 200, resp.get_json()
    report = resp.get_json()
    ledger = ledger_day(world.carrier.id, today())
    totals = amounts(report)
    assert totals["net_payable"] == ledger["net_payable"] and totals["commission"] == ledger["commission"]
    assert totals["gross"] == 150000 + 120000 + 75000 + 150000
    assert totals["refunds"] > 0 and totals["tickets_sold"] == 4 and totals["tickets_refunded"] == 1
    assert totals["gross"] - totals["refunds"] - totals["commission"] - totals["operator_fees"] == \
        totals["net_payable"]
    assert report["status"] == "open" and report["timezone"] == "Africa/Nairobi" and report["commission_bps"] == 500
    for name in ("by_route", "by_trip", "by_channel", "by_payment_method", "by_fare_class"):
        rows = [amounts(r) for r in report[name]]
        assert {k: sum(r[k] for r in rows) for k in totals} == totals, name
        for r in rows:
            assert r["gross"] - r["refunds"] - r["commission"] - r["operator_fees"] == r["net_payable"], name
    channels = {r["channel"]: amounts(r) for r in report["by_channel"]}
    assert set(channels) == {"api", "ussd", "sms"}
    assert channels["api"]["gross"] == 270000 and channels["ussd"]["tickets_refunded"] == 1
    classes = {r["fare_class"]: amounts(r) for r in report["by_fare_class"]}
    assert classes["student"]["gross"] == 120000 and classes["standard"]["gross"] == 300000
    assert classes["student"]["commission"] == 6000  # 5% of its own price, split exactly
    assert [r["method"] for r in report["by_payment_method"]] == ["mpesa"]
    [route] = report["by_route"]
    assert (route["route_code"], route["route_name"]) == ("NBO-ELD", "Nairobi - Nakuru - Eldoret")
    [trip] = report["by_trip"]
    assert trip["trip_id"] == world.trip.id and trip["departure_at"].endswith("08:00:00+03:00")


def test_a_double_payment_and_a_failed_payment_change_nothing_the_carrier_is_owed(client, world, auth_headers):
    headers = auth_headers(world.admin)
    sell(world, world.passenger)
    before = client.get(url(world.carrier.id, today()), headers=headers).get_json()
    order, outcome = sell(world, world.passenger, phone="0711000000")  # the sandbox fails numbers ending 0000
    assert outcome.status == "failed"
    after = client.get(url(world.carrier.id, today()), headers=headers).get_json()
    assert amounts(after) == amounts(before)


def test_csv_has_the_same_figures_in_major_units_and_defuses_formulas(client, world, auth_headers):
    world.route.code = "=HYPERLINK(1)"
    db.session.commit()
    sell(world, world.passenger)
    resp = client.get(url(world.carrier.id, today()), headers={**auth_headers(world.admin), "Accept": "text/csv"})
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    total = rows[0]
    assert (total["section"], total["gross"], total["commission"], total["net_payable"], total["currency"]) == \
        ("total", "1500.00", "75.00", "1425.00", "KES")
    route = next(r for r in rows if r["section"] == "route")
    assert route["label"].startswith("'=HYPERLINK(1)")  # shown as text, never run as a formula
    assert not any(cell.startswith("=") for r in rows for cell in r.values() if cell)
    assert {r["section"] for r in rows} >= {"total", "route", "trip", "channel", "payment_method", "fare_class"}
    as_json = client.get(url(world.carrier.id, today()), headers=auth_headers(world.admin))
    assert as_json.mimetype == "application/json"


def test_bad_dates_answer_400_problems_naming_the_field(client, world, auth_headers):
    headers = auth_headers(world.admin)
    tomorrow = (today() + timedelta(days=1)).isoformat()
    for bad in ("2026-13-01", "2026-02-30", "yesterday", "2026-7-1", "01/07/2026", "1999-12-31", "2101-01-01",
                tomorrow, ""):
        resp = client.get(f"/api/v1/carriers/{world.carrier.id}/reports/daily?date={bad}", headers=headers)
        assert resp.status_code == 400, (bad, resp.get_json())
        assert resp.mimetype == "application/problem+json" and "date" in resp.get_json()["errors"], bad
    default = client.get(url(world.carrier.id), headers=headers).get_json()
    assert default["date"] == today().isoformat()


def test_commission_is_a_carrier_setting_only_platform_admins_change(client, world, auth_headers):
    platform = factories.make_user("platform_admin")
    db.session.commit()
    settings = f"/api/v1/carriers/{world.carrier.id}/settings"
    refused = client.patch(settings, json={"commission_bps": 0}, headers=auth_headers(world.admin))
    assert refused.status_code == 403 and refused.get_json()["type"].endswith("commission-platform-only")
    assert client.get(settings, headers=auth_headers(world.admin)).get_json()["commission_bps"] is None
    for bad in (-1, 10001, "5%"):
        assert client.patch(settings, json={"commission_bps": bad}, headers=auth_headers(platform)).status_code == 422
    resp = client.patch(settings, json={"commission_bps": 1000}, headers=auth_headers(platform))
    assert resp.status_code == 200 and resp.get_json()["commission_bps"] == 1000
    sell(world, world.passenger)
    report = client.get(url(world.carrier.id, today()), headers=auth_headers(world.admin)).get_json()
    assert report["commission_bps"] == 1000
    assert (report["commission"]["amount"], report["net_payable"]["amount"]) == (15000, 135000)
    assert balance("platform_fees", "KES") == 15000


def test_a_refund_after_the_rate_changed_gives_back_the_commission_its_sale_took(client, world, auth_headers):
    platform = factories.make_user("platform_admin")
    db.session.commit()
    world.carrier.refund_rules = [{"hours_before_departure": 0, "refund_percent": 100}]
    db.session.commit()
    order, _ = sell(world, world.passenger)  # 1,500 at 5%: 75 taken
    settings = f"/api/v1/carriers/{world.carrier.id}/settings"
    assert client.patch(settings, json={"commission_bps": 2000}, headers=auth_headers(platform)).status_code == 200
    cancel(world.passenger, order.id)  # a full refund, now that the rate is 20%
    assert balance("platform_fees", "KES") == 0  # exactly the 75 back, not 300
    assert balance(f"carrier_payable:{world.carrier.id}", "KES") == 0
    report = client.get(url(world.carrier.id, today()), headers=auth_headers(world.admin)).get_json()
    assert (report["gross"]["amount"], report["refunds"]["amount"], report["commission"]["amount"],
            report["net_payable"]["amount"]) == (150000, 150000, 0, 0)


def test_boarding_counts_boarded_no_shows_and_those_still_awaited(client, world, auth_headers):
    first, _ = sell(world, world.passenger, classes=("standard", "standard", "student"))
    tickets = list(db.session.scalars(select(Ticket).where(Ticket.order_id == first.id).order_by(Ticket.id)))
    transition_ticket(tickets[0], "used", actor=f"user:{world.driver.id}")
    world.trip.departure_at = utcnow() - timedelta(minutes=30)  # it has left
    later = factories.make_trip(world.route, world.vehicle, utcnow() + timedelta(minutes=5))
    db.session.commit()
    sell(world, world.passenger, trip=later)
    day = world.trip.departure_at.astimezone(factories.NAIROBI).date()
    report = client.get(url(world.carrier.id, day), headers=auth_headers(world.admin)).get_json()
    by_trip = {t["trip_id"]: t for t in report["boarding"]["by_trip"]}
    gone = by_trip[world.trip.id]
    assert (gone["tickets"], gone["boarded"], gone["no_show"], gone["awaiting"]) == (3, 1, 2, 0)
    if later.departure_at.astimezone(factories.NAIROBI).date() == day:
        waiting = by_trip[later.id]
        assert (waiting["tickets"], waiting["boarded"], waiting["no_show"], waiting["awaiting"]) == (1, 0, 0, 1)
    assert report["boarding"]["boarded"] == 1 and report["boarding"]["trips"] == len(by_trip)


def test_a_refund_the_carrier_pays_by_hand_is_not_a_sale(client, world, auth_headers):
    """Paying a refund from the carrier's own M-Pesa credits the carrier back (the platform
    owes it that money): a movement between carrier and platform, not a sale of the day."""
    order, _ = sell(world, world.passenger)  # 1,500 by M-Pesa
    cancel(world.passenger, order.id)  # refunded to M-Pesa: a payout a person pays (no API initiator)
    headers = auth_headers(world.admin)
    before = amounts(client.get(url(world.carrier.id, today()), headers=headers).get_json())
    assert before["gross"] == 150000 and before["refunds"] > 0
    payouts = f"/api/v1/carriers/{world.carrier.id}/payouts"
    (payout,) = client.get(f"{payouts}?status=pending", headers=headers).get_json()
    paid = client.post(f"{payouts}/{payout['id']}/paid", json={"reference": "SL1CX8KQ2P"}, headers=headers)
    assert paid.status_code == 200, paid.get_json()

    after = amounts(client.get(url(world.carrier.id, today()), headers=headers).get_json())
    assert after == before  # gross is the sales only; the refund counted once, when it was made
    ledger = ledger_day(world.carrier.id, today())
    assert (after["net_payable"], after["commission"]) == (ledger["net_payable"], ledger["commission"])


class TestAirtimeOperatorShare:
    @pytest.fixture
    def app_settings(self):
        return {"AIRTIME_OPERATOR_SHARE_BPS": 3000}  # the operator keeps 30% of an airtime payment

    def test_the_operators_share_of_an_airtime_sale_is_an_operator_fee(self, client, world, auth_headers):
        sell(world, world.passenger, method="airtime")  # KES 1,500
        sell(world, world.passenger)  # KES 1,500 by M-Pesa: no share
        report = client.get(url(world.carrier.id, today()), headers=auth_headers(world.admin)).get_json()
        totals = amounts(report)
        assert (totals["gross"], totals["commission"], totals["operator_fees"]) == (300000, 15000, 45000)
        assert totals["net_payable"] == 300000 - 15000 - 45000
        methods = {r["method"]: amounts(r) for r in report["by_payment_method"]}
        assert (methods["airtime"]["operator_fees"], methods["mpesa"]["operator_fees"]) == (45000, 0)
        assert balance(f"operator_fees:{world.carrier.id}", "KES") == 45000
        ledger = ledger_day(world.carrier.id, today())
        assert (totals["net_payable"], totals["operator_fees"]) == (ledger["net_payable"], ledger["operator_fees"])
