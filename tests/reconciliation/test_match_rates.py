"""The bar: on a generated 30-day month, at least 98% of Paybill lines and 90% of Till lines
matched automatically, no line matched to the wrong payment, and no line stored twice however
often (and in whatever overlapping pieces) the statements are uploaded."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.reconciliation.models import StatementLine
from tests.reconciliation.statement_gen import seed_month
from tests.reconciliation.support import shortcode, stored, upload


def _score(body: dict, truth: dict[str, int | None], mismatched: set[str]) -> dict:
    matched = {m["receipt"]: m["payment_id"] for m in body["matched"]}
    true_lines = {r for r, pid in truth.items() if pid is not None and r not in mismatched}
    return {
        "rate": sum(matched.get(r) == truth[r] for r in true_lines) / len(true_lines),
        "false": sorted(r for r, pid in matched.items() if truth.get(r) != pid),
        "money_lines": len(body["matched"]) + len(body["unknown_here"]) + len(body["amount_mismatch"]),
        "true_lines": len(true_lines),
    }


def _no_duplicates() -> None:
    twice = db.session.execute(select(StatementLine.shortcode_id, StatementLine.receipt).group_by(
        StatementLine.shortcode_id, StatementLine.receipt).having(func.count() > 1)).all()
    paid_twice = db.session.execute(select(StatementLine.payment_id).where(StatementLine.payment_id.is_not(None))
                                    .group_by(StatementLine.payment_id).having(func.count() > 1)).all()
    assert twice == [] and paid_twice == []


def _halves(csv_text: str, header_startswith: str) -> tuple[str, str]:
    """Two overlapping pieces of an export (each with the description lines and the header)."""
    lines = csv_text.rstrip("\n").split("\n")
    header_at = next(i for i, line in enumerate(lines) if line.startswith(header_startswith))
    head, rows = lines[:header_at + 1], lines[header_at + 1:]
    first, second = rows[: len(rows) * 2 // 3], rows[len(rows) // 3:]
    return "\n".join(head + first) + "\n", "\n".join(head + second) + "\n"


def test_a_generated_month_clears_the_bar(client, world, auth_headers):
    shortcode(world.carrier, "600638")
    shortcode(world.carrier, "5123456", kind="till", store_name="SAFIRI COACHES NAKURU")
    month = seed_month(world, days=30, per_day=30, seed=11)
    headers = auth_headers(world.admin)

    paybill = upload(client, headers, world.carrier.id, month.paybill_csv)
    assert paybill.status_code == 200, paybill.get_json()
    body = paybill.get_json()
    score = _score(body, month.paybill_truth, month.mismatched)
    assert score["money_lines"] == len(month.paybill_truth) and score["true_lines"] > 700
    assert score["rate"] >= 0.98 and score["false"] == []
    assert {m["receipt"] for m in body["amount_mismatch"]} == month.mismatched
    assert {m["payment_id"] for m in body["missing_from_statement"]} == month.missing
    assert {u["receipt"] for u in body["unknown_here"]} == {r for r, pid in month.paybill_truth.items() if pid is None}

    till = upload(client, headers, world.carrier.id, month.till_csv)
    assert till.status_code == 200, till.get_json()
    till_score = _score(till.get_json(), month.till_truth, set())
    assert till_score["true_lines"] > 80
    assert till_score["rate"] >= 0.90 and till_score["false"] == []
    print(f"\nPaybill: {score['rate']:.2%} of {score['true_lines']} lines; "
          f"Till: {till_score['rate']:.2%} of {till_score['true_lines']} lines")

    # Re-uploads, whole and in overlapping pieces, add nothing and match the same.
    before = stored()
    for text, header in ((month.paybill_csv, "Receipt No."), (month.till_csv, "STORE_NAME")):
        for piece in (*_halves(text, header), text):
            resp = upload(client, headers, world.carrier.id, piece)
            assert resp.status_code == 200 and resp.get_json()["lines"]["added"] == 0, resp.get_json()
            assert _score(resp.get_json(), month.paybill_truth | month.till_truth, month.mismatched)["false"] == []
    assert stored() == before
    _no_duplicates()


def test_overlapping_pieces_first_then_the_whole_store_each_line_once(client, world, auth_headers):
    shortcode(world.carrier, "600638")
    month = seed_month(world, days=10, per_day=20, seed=5, paybill_dates="ymd")
    headers = auth_headers(world.admin)
    first, second = _halves(month.paybill_csv, "Receipt No.")
    added = [upload(client, headers, world.carrier.id, piece).get_json()["lines"]["added"] for piece in (first, second)]
    whole = upload(client, headers, world.carrier.id, month.paybill_csv).get_json()
    assert whole["lines"]["added"] == 0 and sum(added) == len(stored()["lines"])
    assert _score(whole, month.paybill_truth, month.mismatched)["rate"] == 1.0
    _no_duplicates()
