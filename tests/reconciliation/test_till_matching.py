"""Till lines without a receipt here: matched by amount, payer and time only when it is certain."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.payments.models import Payment
from app.reconciliation.models import StatementLine
from tests.fixtures import load_fixture
from tests.reconciliation.support import OtherCarrier, nairobi, payments, shortcode, upload

HEADER = load_fixture("mpesa/org_portal_statement_till.csv").splitlines()[0]


def till(*lines: tuple[str, str, str, str]) -> str:
    """(receipt, Nairobi time, payer as printed, amount) -> a Till export."""
    rows = [f"SAFIRI COACHES NAKURU,{receipt},Merchant Account,Customer Merchant Payment,{at},{payer} - A B,"
            f"\"{amount}\",,\"1.00\"," for receipt, at, payer, amount in lines]
    return "\n".join([HEADER, *rows]) + "\n"


@pytest.fixture
def tills(world):
    shortcode(world.carrier, "5123456", kind="till")
    return world


def failed(world, code, phone="+254722333444", at="2026-12-01 10:00:00", amount=80000, **kw):
    return payments(world, [dict(code=code, amount=amount, status=kw.pop("status", "failed"), phone=phone,
                                 created_at=nairobi(at), **kw)])[0]


def _matched(client, world, auth_headers, text):
    resp = upload(client, auth_headers(world.admin), world.carrier.id, text)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    return {m["receipt"]: m["payment_id"] for m in body["matched"]}, [u["receipt"] for u in body["unknown_here"]]


@pytest.mark.parametrize("payer, fits", [
    ("254722333444", True), ("0722333444", True), ("254722***444", True), ("2547*****444", True),
    ("254******444", False),  # too little of the number shows
    ("254722333445", False), ("", False),
])
def test_the_payer_must_be_the_payments(client, tills, auth_headers, payer, fits):
    payment = failed(tills, "PAYER001")
    matched, _ = _matched(client, tills, auth_headers, till(("SLT0000001", "2026-12-01 10:04:00", payer, "800.00")))
    assert matched == ({"SLT0000001": payment} if fits else {})


@pytest.mark.parametrize("at, amount, fits", [
    ("2026-12-01 09:58:30", "800.00", True),  # clocks differ a little
    ("2026-12-01 10:29:00", "800.00", True),
    ("2026-12-01 10:31:00", "800.00", False),  # beyond TILL_MATCH_WINDOW_MINUTES
    ("2026-12-01 09:57:00", "800.00", False),  # before the prompt
    ("2026-12-01 10:04:00", "800.50", False),
])
def test_the_amount_and_the_time_must_fit(client, tills, auth_headers, at, amount, fits):
    payment = failed(tills, "TIME0001")
    matched, _ = _matched(client, tills, auth_headers, till(("SLT0000001", at, "254722333444", amount)))
    assert matched == ({"SLT0000001": payment} if fits else {})


def test_two_payments_that_fit_one_line_match_neither(client, tills, auth_headers):
    failed(tills, "TWICE001", at="2026-12-01 10:00:00")
    failed(tills, "TWICE002", at="2026-12-01 10:02:00", status="expired")
    matched, unknown = _matched(client, tills, auth_headers, till(("SLT0000001", "2026-12-01 10:05:00",
                                                                   "254722333444", "800.00")))
    assert matched == {} and unknown == ["SLT0000001"]


def test_one_payment_that_fits_two_lines_matches_neither(client, tills, auth_headers):
    failed(tills, "PAIDTWO1")
    matched, unknown = _matched(client, tills, auth_headers, till(
        ("SLT0000001", "2026-12-01 10:03:00", "254722333444", "800.00"),
        ("SLT0000002", "2026-12-01 10:04:00", "254722333444", "800.00")))
    assert matched == {} and unknown == ["SLT0000001", "SLT0000002"]


def test_payments_with_a_receipt_or_of_another_carrier_are_never_guessed(client, tills, auth_headers):
    failed(tills, "RECEIPT1", status="succeeded", receipt="SLX0000001", settled_at=nairobi("2026-12-01 10:00:20"))
    other = OtherCarrier()
    failed(other, "OTHER001")
    matched, unknown = _matched(client, tills, auth_headers, till(("SLT0000001", "2026-12-01 10:04:00",
                                                                   "254722333444", "800.00")))
    assert matched == {} and unknown == ["SLT0000001"]


def test_a_payment_paired_once_is_not_paired_again_and_a_receipt_overrules_the_pairing(client, tills, auth_headers):
    payment = failed(tills, "ONCE0001")
    first, _ = _matched(client, tills, auth_headers, till(("SLT0000001", "2026-12-01 10:04:00", "254722333444",
                                                           "800.00")))
    assert first == {"SLT0000001": payment}
    later, unknown = _matched(client, tills, auth_headers, till(("SLT0000002", "2026-12-01 10:06:00", "254722333444",
                                                                "800.00")))
    assert later == {} and unknown == ["SLT0000002"]
    # The prompt's late callback brought the receipt, and the Paybill statement shows it:
    # the receipt is proof, the earlier pairing a guess that gives way.
    shortcode(tills.carrier, "600638")
    late = db.session.get(Payment, payment)
    late.receipt, late.status, late.settled_at = "SLP0000001", "succeeded", nairobi("2026-12-01 10:20:00")
    db.session.commit()
    paybill = load_fixture("mpesa/org_portal_statement_paybill.csv").replace("SL19A7TT3M", "SLP0000001")
    body = upload(client, auth_headers(tills.admin), tills.carrier.id, paybill).get_json()
    assert {m["receipt"]: m["payment_id"] for m in body["matched"]} == {"SLP0000001": payment}
    lines = dict(db.session.execute(select(StatementLine.receipt, StatementLine.payment_id)).all())
    assert lines["SLT0000001"] is None and lines["SLP0000001"] == payment
