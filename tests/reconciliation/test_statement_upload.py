"""Uploading the Org Portal's own exports (the wire fixtures) through HTTP: what the carrier is told."""
from __future__ import annotations

import json
from datetime import datetime

from app.core import fields
from app.ledger.service import balance
from app.core.money import MoneyField
from app.reconciliation.schemas import Reconciliation

from tests.fixtures import load_fixture
from tests.reconciliation.support import OtherCarrier, nairobi, payments, shortcode, stored, upload

PAYBILL = load_fixture("mpesa/org_portal_statement_paybill.csv")
TILL = load_fixture("mpesa/org_portal_statement_till.csv")


def _paybill_world(world):
    """Payments here for the fixture's day: two as the statement says, one with another amount,
    one the statement lacks; and another carrier's payment under the unknown line's receipt."""
    shortcode(world.carrier)
    payments(world, [
        dict(code="HFF326ZJ", amount=144000, status="succeeded", receipt="SL18K2W9QZ", phone="+254711000111",
             created_at=nairobi("2026-12-01 07:13:40"), settled_at=nairobi("2026-12-01 07:14:05")),
        dict(code="KM7QW2XA", amount=80000, status="succeeded", receipt="SL19A7TT3M", method="mpesa_paybill",
             created_at=nairobi("2026-12-01 09:02:52"), settled_at=nairobi("2026-12-01 09:02:52")),
        dict(code="KM7QW2XB", amount=80000, status="succeeded", receipt="SL19B0PPX4",
             created_at=nairobi("2026-12-01 09:39:50"), settled_at=nairobi("2026-12-01 09:40:12")),
        dict(code="LATE0001", amount=150000, status="succeeded", receipt="SL1CQ0MISS",
             created_at=nairobi("2026-12-01 15:00:00"), settled_at=nairobi("2026-12-01 15:00:20")),
        dict(code="NEXTDAY1", amount=150000, status="succeeded", receipt="SL2AQ0NEXT",
             created_at=nairobi("2026-12-02 08:00:00"), settled_at=nairobi("2026-12-02 08:00:20")),
    ])
    other = OtherCarrier()
    payments(other, [dict(code="OTHER001", amount=200000, status="succeeded", receipt="SL1AC5D0ZE",
                          created_at=nairobi("2026-12-01 11:14:50"), settled_at=nairobi("2026-12-01 11:15:02"))])


def test_paybill_export_is_reconciled(client, world, auth_headers):
    _paybill_world(world)
    resp = upload(client, auth_headers(world.admin), world.carrier.id, PAYBILL)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["shortcode"] == "600638" and body["layout"] == "paybill"
    assert body["period_start"].startswith("2026-11-30T21:00:00") and body["period_end"].startswith("2026-12-01T20:59:59")
    assert [(m["receipt"], m["order_code"], m["matched_by"]) for m in body["matched"]] == [
        ("SL18K2W9QZ", "HFF326ZJ", "receipt"), ("SL19A7TT3M", "KM7QW2XA", "receipt")]
    assert body["matched"][0]["amount"] == {"amount": 144000, "currency": "KES"}
    assert body["matched"][0]["completed_at"].startswith("2026-12-01T04:14:03")
    mismatch = body["amount_mismatch"]
    assert [(m["receipt"], m["amount"]["amount"], m["amount_here"]["amount"]) for m in mismatch] == [
        ("SL19B0PPX4", 64000, 80000)]
    # Another carrier's payment under that receipt is not this carrier's: not shown, not matched.
    assert [(u["receipt"], u["account_reference"], u["payer"]) for u in body["unknown_here"]] == [
        ("SL1AC5D0ZE", "NOSUCHREF", "25474****7888")]
    assert [(m["receipt"], m["order_code"]) for m in body["missing_from_statement"]] == [("SL1CQ0MISS", "LATE0001")]
    assert body["charges"] == {"count": 1, "total": {"amount": 1440, "currency": "KES"}}
    assert body["sweeps"] == {"count": 1, "total": {"amount": 4000000, "currency": "KES"}}
    assert body["lines"] == {"in_file": 7, "not_completed": 1, "added": 6}
    assert body["match_rate"] == 0.5


def test_the_same_statement_again_changes_nothing_and_says_the_same(client, world, auth_headers):
    _paybill_world(world)
    headers = auth_headers(world.admin)
    first = upload(client, headers, world.carrier.id, PAYBILL).get_json()
    before = stored()
    again = upload(client, headers, world.carrier.id, PAYBILL).get_json()
    assert stored() == before and len(before["lines"]) == 6 and before["imports"] == 1
    assert again["lines"]["added"] == 0
    assert {k: v for k, v in again.items() if k != "lines"} == {k: v for k, v in first.items() if k != "lines"}


def test_an_overlapping_statement_adds_only_its_new_lines(client, world, auth_headers):
    _paybill_world(world)
    headers = auth_headers(world.admin)
    upload(client, headers, world.carrier.id, PAYBILL)
    rows = PAYBILL.splitlines()
    header_at = rows.index(next(r for r in rows if r.startswith("Receipt No.")))
    later = (rows[:header_at + 1] + rows[-2:]  # the last two lines again, and one new line
             + ["SL2AQ0NEXT,02-12-2026 08:00:10,02-12-2026 08:00:08,Pay Bill Online,Completed,\"1,500.00\",,"
                "\"16,365.60\",true,Pay Bill Online,254711000111 - JANE WANJIKU,,NEXTDAY1"])
    later[2] = "Time Period:,From 01-12-2026 12:00:00 To 02-12-2026 23:59:59"
    body = upload(client, headers, world.carrier.id, "\n".join(later)).get_json()
    assert body["lines"] == {"in_file": 3, "not_completed": 1, "added": 1}
    assert [m["receipt"] for m in body["matched"]] == ["SL2AQ0NEXT"]
    # LATE0001 is in neither statement; what the first one showed is not missing any more.
    assert [m["receipt"] for m in body["missing_from_statement"]] == ["SL1CQ0MISS"]
    assert len(stored()["lines"]) == 7


def test_till_export_is_reconciled_by_amount_payer_and_time(client, world, auth_headers):
    shortcode(world.carrier, "5123456", kind="till", store_name="Safiri Coaches Nakuru")
    # The prompt failed at 06:52; the passenger paid the Till by hand three minutes later.
    failed, other = payments(world, [
        dict(code="TILLPAY1", amount=80000, status="failed", phone="+254722333444",
             created_at=nairobi("2026-12-01 06:52:30")),
        dict(code="TILLPAY2", amount=80000, status="failed", phone="+254722999000",
             created_at=nairobi("2026-12-01 06:53:00")),
    ])
    resp = upload(client, auth_headers(world.admin), world.carrier.id, TILL)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["shortcode"] == "5123456" and body["layout"] == "till"
    assert [(m["receipt"], m["payment_id"], m["payment_status"], m["matched_by"]) for m in body["matched"]] == [
        ("SL21QW7ZC3", failed, "failed", "amount_payer_time")]
    assert body["unknown_here"] == [] and body["missing_from_statement"] == []
    assert body["charges"]["total"]["amount"] == 440 and body["sweeps"]["total"]["amount"] == 1079560
    assert body["match_rate"] == 1.0
    again = upload(client, auth_headers(world.admin), world.carrier.id, TILL).get_json()
    assert again["matched"] == body["matched"] and again["lines"]["added"] == 0


def _revived(value, field):
    """The answer's JSON with its times as datetimes again, to dump it through the schema."""
    if isinstance(field, fields.DateTime):
        return datetime.fromisoformat(value)
    if isinstance(field, fields.List):
        return [_revived(item, field.inner) for item in value]
    if isinstance(field, fields.Nested) and isinstance(value, dict) and not isinstance(field, MoneyField):
        return {name: _revived(value[name], field.schema.fields[name]) for name in value}
    return value


def _declared(schema) -> dict:
    """Field name -> nested declared names, for every object of the answer."""
    shape = {}
    for name, field in schema.fields.items():
        inner = field.inner if isinstance(field, fields.List) else field
        shape[name] = _declared(inner.schema) if isinstance(inner, fields.Nested) and not isinstance(
            inner, MoneyField) else None
    return shape


def test_the_answer_is_exactly_what_the_documented_schema_writes(client, world, auth_headers):
    _paybill_world(world)
    body = upload(client, auth_headers(world.admin), world.carrier.id, PAYBILL).get_json()
    schema = Reconciliation()
    revived = {name: _revived(value, schema.fields[name]) for name, value in body.items()}
    assert json.loads(json.dumps(schema.dump(revived))) == body
    declared = _declared(schema)
    for name, sub in declared.items():  # every declared field is there, in every object
        assert name in body
        if sub and body[name]:
            item = body[name][0] if isinstance(body[name], list) else body[name]
            assert set(item) == set(sub), name


def test_mpesa_charges_become_the_carriers_operator_fees_once(client, world, auth_headers):
    """The statement's charge rows (M-Pesa's cost, taken at source) are the carrier's operator
    fees in the daily report of the upload's day: net payable falls by them, gross does not
    move; uploading the statement again posts nothing more."""
    _paybill_world(world)
    headers = auth_headers(world.admin)
    report_url = f"/api/v1/carriers/{world.carrier.id}/reports/daily"

    def figures():
        body = client.get(report_url, headers=headers).get_json()
        return {key: body[key]["amount"] for key in ("gross", "operator_fees", "net_payable")}

    before = figures()
    assert upload(client, headers, world.carrier.id, PAYBILL).status_code == 200
    after = figures()
    assert after == {"gross": before["gross"], "operator_fees": before["operator_fees"] + 1440,
                     "net_payable": before["net_payable"] - 1440}
    assert upload(client, headers, world.carrier.id, PAYBILL).status_code == 200
    assert figures() == after
    assert balance(f"operator_fees:{world.carrier.id}", "KES") == 1440
