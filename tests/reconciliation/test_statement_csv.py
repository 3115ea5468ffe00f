"""Reading the Org Portal's exports whatever a spreadsheet did to them (no database)."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest

from app.reconciliation.statement_csv import StatementRejected, parse_statement
from tests.fixtures import load_fixture

PAYBILL = load_fixture("mpesa/org_portal_statement_paybill.csv")
TILL = load_fixture("mpesa/org_portal_statement_till.csv")
UTC = timezone.utc


def test_the_paybill_export_as_it_comes():
    statement = parse_statement(PAYBILL.encode(), "Africa/Nairobi")
    assert (statement.layout, statement.shortcode) == ("paybill", "600638")
    assert statement.period == (datetime(2026, 11, 30, 21, 0, tzinfo=UTC), datetime(2026, 12, 1, 20, 59, 59, tzinfo=UTC))
    kinds = [(r.receipt, r.kind, r.amount, r.completed) for r in statement.rows]
    assert kinds == [
        ("SL18K2W9QZ", "payment", 144000, True), ("SL18K2W9R1", "charge", -1440, True),
        ("SL19A7TT3M", "payment", 80000, True), ("SL19B0PPX4", "payment", 64000, True),
        ("SL1AC5D0ZE", "payment", 200000, True), ("SL1AD8W2QA", "payment", 80000, False),
        ("SL1BE3KS8N", "sweep", -4000000, True)]
    first, charge, _, typed = statement.rows[:4]
    assert first.completed_at == datetime(2026, 12, 1, 4, 14, 3, tzinfo=UTC)  # 07:14:03 in Nairobi
    assert (first.payer, first.account_reference, first.line) == ("254711000111", "HFF326ZJ", 9)
    assert charge.linked_receipt == "SL18K2W9QZ" and charge.payer is None
    assert typed.account_reference == "km7qw2xb"  # as the customer typed it


def test_the_till_export_as_it_comes():
    statement = parse_statement(TILL.encode(), "Africa/Nairobi")
    assert (statement.layout, statement.shortcode, statement.store_names) == ("till", None, {"SAFIRI COACHES NAKURU"})
    assert statement.period is None
    assert [(r.kind, r.amount, r.payer) for r in statement.rows] == [
        ("payment", 80000, "254722333444"), ("charge", -440, None), ("sweep", -1079560, "600638")]
    assert statement.rows[0].completed_at == datetime(2026, 12, 1, 3, 55, 41, tzinfo=UTC)


@pytest.mark.parametrize("change", [
    lambda t: t.replace("01-12-2026 09:02:51", "2026-12-01 09:02:51"),  # the other date format
    lambda t: t.replace("01-12-2026 09:02:51", "46357.37697917"),  # Excel's serial number
    lambda t: "\ufeff" + t,  # a byte-order mark
    lambda t: t.replace("\n", "\r\n"),  # Windows line ends
])
def test_what_spreadsheets_do_to_the_file_is_read_the_same(change):
    row = next(r for r in parse_statement(change(PAYBILL).encode(), "Africa/Nairobi").rows if r.receipt == "SL19A7TT3M")
    assert row.completed_at == datetime(2026, 12, 1, 6, 2, 51, tzinfo=UTC) and row.amount == 80000


def test_tab_separated_utf16_as_excel_saves_unicode_text():
    out = io.StringIO()
    csv.writer(out, delimiter="\t", lineterminator="\r\n").writerows(csv.reader(io.StringIO(PAYBILL)))
    statement = parse_statement(out.getvalue().encode("utf-16"), "Africa/Nairobi")
    assert statement.shortcode == "600638" and statement.rows[0].amount == 144000


def test_withdrawn_written_negative_and_blank_amounts():
    text = PAYBILL.replace(",,14.40,", ",,-14.40,")
    rows = parse_statement(text.encode(), "Africa/Nairobi").rows
    assert rows[1].amount == -1440


def test_money_both_in_and_out_on_one_row_is_refused():
    with pytest.raises(StatementRejected, match="Line 11: both money in and money out"):
        parse_statement(PAYBILL.replace("800.00,,\"52,225.60\"", "800.00,1.00,\"52,225.60\"").encode(),
                        "Africa/Nairobi")


def test_the_header_is_found_by_content_not_position():
    moved = "Some bank's cover page\n\n\n" + PAYBILL.replace("Transactions\n", "")
    assert len(parse_statement(moved.encode(), "Africa/Nairobi").rows) == 7
