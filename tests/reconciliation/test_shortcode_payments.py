"""Payments record the Paybill/Till they came to, and a statement of one shortcode is matched
only with that shortcode's payments: a carrier with two Paybills never sees a payment to one
matched (or listed as missing) on the other's statement."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.payments.models import Payment
from tests.channels.test_mpesa_callbacks import (  # noqa: F401 - fixtures
    ACCEPTED, CONFIRMATION, c2b_body, cheap, daraja, pushed,
)
from tests.payments.helpers import DARAJA_CONFIG, book
from tests.reconciliation.support import shortcode, upload
from tests.reconciliation.test_statement_upload import PAYBILL, _paybill_world


@pytest.fixture
def app_settings():
    return DARAJA_CONFIG  # pushes go to MPESA_SHORTCODE 174379


def _shortcode_of(**where) -> str | None:
    db.session.expire_all()
    return db.session.scalar(select(Payment.shortcode).filter_by(**where))


def test_a_paybill_confirmation_records_its_business_shortcode(client, cheap, auth_headers):
    order = book(client, cheap, auth_headers(cheap.passenger))
    body = dict(c2b_body(order["code"]), TransID="RKTQDM7W9Z", BusinessShortCode="600700")
    assert client.post(CONFIRMATION, json=body).get_json() == ACCEPTED
    assert _shortcode_of(receipt="RKTQDM7W9Z") == "600700"


def test_an_stk_push_records_the_shortcode_it_went_to(client, cheap, auth_headers, daraja):
    _, payment = pushed(client, cheap, auth_headers, daraja)
    assert _shortcode_of(id=payment["id"]) == "174379"


def test_a_statement_matches_only_its_own_shortcodes_payments(client, world, auth_headers):
    _paybill_world(world)  # Paybill 600638 (the fixture's), and the fixture day's payments
    shortcode(world.carrier, "600700")  # the carrier's second Paybill
    db.session.execute(update(Payment).where(Payment.receipt.in_(["SL18K2W9QZ", "SL1CQ0MISS"]))
                       .values(shortcode="600700"))
    db.session.execute(update(Payment).where(Payment.receipt == "SL19A7TT3M").values(shortcode="600638"))
    db.session.commit()

    body = upload(client, auth_headers(world.admin), world.carrier.id, PAYBILL).get_json()
    assert body["shortcode"] == "600638"
    # SL19A7TT3M came to 600638: matched. SL18K2W9QZ came to 600700: its receipt on 600638's
    # statement is not that payment (another Paybill's), so the line is unknown here.
    assert [m["receipt"] for m in body["matched"]] == ["SL19A7TT3M"]
    assert {u["receipt"] for u in body["unknown_here"]} == {"SL18K2W9QZ", "SL1AC5D0ZE"}
    # A payment to 600700 is not missing from 600638's statement.
    assert body["missing_from_statement"] == []
