"""Statements that cannot be imported whole: a clear 4xx problem, and nothing stored."""
from __future__ import annotations

import io

import pytest

from tests.fixtures import load_fixture
from tests.reconciliation.support import OtherCarrier, nairobi, payments, shortcode, stored, upload

PAYBILL = load_fixture("mpesa/org_portal_statement_paybill.csv")
TILL = load_fixture("mpesa/org_portal_statement_till.csv")


@pytest.fixture
def paybill(world):
    shortcode(world.carrier)
    payments(world, [dict(code="KM7QW2XA", amount=80000, status="succeeded", receipt="SL19A7TT3M",
                          created_at=nairobi("2026-12-01 09:02:40"), settled_at=nairobi("2026-12-01 09:02:55"))])
    return world


def _refused(resp, status: int, slug: str) -> dict:
    assert resp.status_code == status, resp.get_json()
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["type"] == f"/problems/{slug}", body
    return body


def _edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize("content, slug, says", [
    ("", "statement-empty", "empty"),
    ("\n\n  \n", "statement-empty", "empty"),
    (PAYBILL.split("SL18K2W9QZ")[0], "statement-empty", "no transactions"),
    ("name,amount\nbob,12\n", "statement-columns", "No statement table"),
    (_edit(PAYBILL, "Transaction Status,", ""), "statement-columns", "transaction status"),
    (_edit(TILL, "CREDIT_AMOUNT", "AMOUNT"), "statement-columns", "credit_amount"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "statement-not-csv", "binary"),
    (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64, "statement-not-csv", "xlsx"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "statement-not-csv", "PDF"),
    (_edit(PAYBILL, "01-12-2026 09:02:51", "31-02-2026 09:02:51"), "statement-row", "Line 11"),
    (_edit(PAYBILL, "01-12-2026 09:02:51", "01-01-0001 00:00:00"), "statement-row", "Line 11"),
    (_edit(PAYBILL, "800.00,,\"52,225.60\"", "eight hundred,,\"52,225.60\""), "statement-row", "not an amount"),
    (_edit(PAYBILL, "SL19A7TT3M", "SL19-7TT3M"), "statement-row", "receipt number"),
])
def test_unreadable_statements_are_refused_and_nothing_is_stored(client, paybill, auth_headers, content, slug, says):
    before = stored()
    body = _refused(upload(client, auth_headers(paybill.admin), paybill.carrier.id, content), 422, slug)
    assert says.lower() in body["detail"].lower()
    assert stored() == before


def test_duplicate_rows_are_refused_naming_them(client, paybill, auth_headers):
    line = next(row for row in PAYBILL.splitlines() if row.startswith("SL19A7TT3M"))
    body = _refused(upload(client, auth_headers(paybill.admin), paybill.carrier.id, PAYBILL + line + "\n"),
                    422, "statement-duplicate-rows")
    assert "SL19A7TT3M (lines 11 and 16)" in body["detail"]
    assert stored() == {"lines": [], "imports": 0}


def test_rows_in_the_future_are_refused(client, paybill, auth_headers):
    future = _edit(PAYBILL, "01-12-2026 18:00:00,01-12-2026 18:00:00", "01-12-2099 18:00:00,01-12-2099 18:00:00")
    body = _refused(upload(client, auth_headers(paybill.admin), paybill.carrier.id, future), 422,
                    "statement-future-rows")
    assert "line 15" in body["detail"]
    assert stored() == {"lines": [], "imports": 0}


def test_another_carriers_shortcode_is_refused_like_an_unknown_one(client, world, auth_headers):
    other = OtherCarrier()
    shortcode(other.carrier, "600638")
    shortcode(world.carrier, "600100")
    body = _refused(upload(client, auth_headers(world.admin), world.carrier.id, PAYBILL), 422, "statement-not-yours")
    assert "600638" in body["detail"] and "600100" in body["detail"] and "Other" not in body["detail"]
    unknown = _refused(upload(client, auth_headers(world.admin), world.carrier.id,
                              _edit(PAYBILL, "600638", "699999")), 422, "statement-not-yours")
    assert unknown["detail"] == body["detail"].replace("600638", "699999")
    assert stored() == {"lines": [], "imports": 0}


def test_a_till_export_must_be_of_one_of_the_carriers_tills(client, world, auth_headers):
    headers = auth_headers(world.admin)
    shortcode(world.carrier, "600638")
    _refused(upload(client, headers, world.carrier.id, TILL), 422, "statement-shortcode-unknown")
    _refused(upload(client, headers, world.carrier.id, TILL, query="?shortcode=600638"), 422, "statement-layout")
    other = OtherCarrier()
    shortcode(other.carrier, "5123456", kind="till", store_name="SAFIRI COACHES NAKURU")
    shortcode(world.carrier, "5000001", kind="till", store_name="Coast Express Mombasa")
    _refused(upload(client, headers, world.carrier.id, TILL), 422, "statement-not-yours")
    _refused(upload(client, headers, world.carrier.id, TILL, query="?shortcode=5000001"), 422, "statement-not-yours")
    assert stored() == {"lines": [], "imports": 0}


def test_a_line_imported_before_that_now_says_otherwise_stops_the_whole_file(client, paybill, auth_headers):
    headers = auth_headers(paybill.admin)
    upload(client, headers, paybill.carrier.id, PAYBILL)
    before = stored()
    changed = _edit(PAYBILL, "800.00,,\"52,225.60\"", "900.00,,\"52,325.60\"")
    changed += "SL1ZZNEW01,01-12-2026 19:00:00,01-12-2026 19:00:00,Pay Bill Online,Completed,50.00,,1.00,true," \
               "Pay Bill Online,254711000111 - JANE,,ABC\n"
    body = _refused(upload(client, headers, paybill.carrier.id, changed), 409, "statement-conflicts")
    assert "SL19A7TT3M" in body["detail"] and body["receipts"] == ["SL19A7TT3M"]
    assert stored() == before


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(client, paybill, auth_headers):
    size = 50 * 1024 * 1024

    class FiftyMegabytes(io.RawIOBase):
        """A 50 MB body (never held in memory) that counts what the server reads of it."""

        position = read_bytes = 0

        def readable(self):
            return True

        def seekable(self):
            return True

        def seek(self, offset, whence=0):
            self.position = {0: offset, 1: self.position + offset, 2: size + offset}[whence]
            return self.position

        def tell(self):
            return self.position

        def readinto(self, buffer):
            n = max(0, min(len(buffer), size - self.position))
            buffer[:n] = b"a" * n
            self.position += n
            FiftyMegabytes.read_bytes += n
            return n

    resp = client.post(f"/api/v1/carriers/{paybill.carrier.id}/statements", input_stream=FiftyMegabytes(),
                       content_type="multipart/form-data; boundary=xyz", headers=auth_headers(paybill.admin))
    body = _refused(resp, 413, "body-too-large")
    assert "52,428,800 bytes" in body["detail"] and "STATEMENT_MAX_BYTES" in body["detail"]
    assert FiftyMegabytes.read_bytes < 1024 * 1024
    assert stored() == {"lines": [], "imports": 0}


def test_the_size_limit_holds_for_a_real_file_too(client, app, paybill, auth_headers):
    app.config["STATEMENT_MAX_BYTES"] = 1000
    assert len(PAYBILL) > 1000
    _refused(upload(client, auth_headers(paybill.admin), paybill.carrier.id, PAYBILL), 413, "body-too-large")
    app.config["STATEMENT_MAX_BYTES"] = 4000
    assert upload(client, auth_headers(paybill.admin), paybill.carrier.id, PAYBILL).status_code == 200


def test_other_endpoints_keep_the_small_body_limit(client, world, auth_headers):
    resp = client.post("/api/v1/orders", data=b"{" + b" " * 70000 + b"}", content_type="application/json",
                       headers=auth_headers(world.passenger))
    assert resp.status_code == 413


def test_without_a_file_the_field_is_named(client, paybill, auth_headers):
    resp = client.post(f"/api/v1/carriers/{paybill.carrier.id}/statements", headers=auth_headers(paybill.admin),
                       data={"other": "x"}, content_type="multipart/form-data")
    body = _refused(resp, 422, "unprocessable") if resp.get_json().get("type") != "about:blank" else resp.get_json()
    assert resp.status_code == 422 and "file" in body["errors"]
