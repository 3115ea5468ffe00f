"""GET /api/v1/carriers/{id}/dashboard: the figures the /carrier page draws, JSON and CSV."""
from __future__ import annotations

import csv
import io

from app.extensions import db
from tests.carrier_page.helpers import sell
from tests.factories import make_carrier, make_user


def url(world) -> str:
    return f"/api/v1/carriers/{world.carrier.id}/dashboard"


def test_sales_by_channel_and_method_equal_what_was_sold(client, world, auth_headers):
    sold = sell(client, world, auth_headers)
    resp = client.get(url(world), headers=auth_headers(world.admin))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert len(body["days"]) == 30 and body["days"][-1] == body["today"]
    by_channel = {row["channel"]: row["amount"] for row in body["tables"]["sales_by_channel"]["rows"]}
    by_method = {row["method"]: row["amount"] for row in body["tables"]["sales_by_method"]["rows"]}
    assert by_channel == sold["channel"]
    assert by_method == sold["method"]
    assert {row["date"] for row in body["tables"]["sales_by_channel"]["rows"]} == {body["today"]}
    assert sum(row["count"] for row in body["tables"]["sales_by_method"]["rows"]) == 3
    # The same gross as the ledger's statement for the day.
    statement = client.get(f"/api/v1/carriers/{world.carrier.id}/statement", headers=auth_headers(world.admin))
    assert statement.get_json()["totals"][0]["sales"]["amount"]["amount"] == sum(sold["channel"].values())
    (trip,) = [row for row in body["tables"]["occupancy"]["rows"] if row["trip_id"] == world.trip.id]
    assert (trip["seats"], trip["sold"], trip["boarded"]) == (world.vehicle.seat_count, 3, 0)
    assert trip["occupancy_percent"] == round(300 / world.vehicle.seat_count, 1)
    assert body["tables"]["unmatched_statement_lines"] == {"available": True, "rows": []}
    assert body["tables"]["pending_payouts"]["available"] is True


def test_another_carriers_dashboard_is_404(client, world, auth_headers):
    other = make_user("carrier_admin", carrier=make_carrier("Other"))
    db.session.commit()
    assert client.get(url(world), headers=auth_headers(other)).status_code == 404
    assert client.get(url(world) + "?format=csv&table=occupancy", headers=auth_headers(other)).status_code == 404
    assert client.get(url(world), headers=auth_headers(world.passenger)).status_code == 403
    assert client.get(url(world)).status_code == 401
    assert client.get("/api/v1/carriers/999999/dashboard", headers=auth_headers(world.admin)).status_code == 404


def test_each_table_downloads_as_csv(client, world, auth_headers):
    sold = sell(client, world, auth_headers)
    headers = auth_headers(world.admin)
    tables = client.get(url(world), headers=headers).get_json()["tables"]
    for name in tables:
        resp = client.get(url(world) + f"?table={name}", headers={**headers, "Accept": "text/csv"})
        assert resp.status_code == 200, name
        assert resp.mimetype == "text/csv"
        assert f"{name}.csv" in resp.headers["Content-Disposition"]
        rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
        assert len(rows) == len(tables[name]["rows"]), name
    resp = client.get(url(world) + "?format=csv&table=sales_by_method", headers=headers)
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert {row["method"]: int(row["amount"]) for row in rows} == sold["method"]


def test_csv_without_a_table_or_with_an_unknown_one_is_a_clear_error(client, world, auth_headers):
    headers = auth_headers(world.admin)
    missing = client.get(url(world) + "?format=csv", headers=headers)
    assert missing.status_code == 400
    assert "table" in missing.get_json()["detail"]
    assert client.get(url(world) + "?format=csv&table=nope", headers=headers).status_code == 422
