"""The dashboard's conflict and money sections show the carrier's own rows, and only those."""
from __future__ import annotations

from sqlalchemy import select

from app.booking.models import Order
from app.database import utcnow
from app.extensions import db
from app.ledger.service import REVIEW_SUSPENSE, Leg, post
from app.payments.models import ParkedCallback, Refund
from app.ticketing.models import Ticket
from app.ticketing.scan_models import Scan, ScanConflict
from tests.carrier_page.helpers import sell
from tests.factories import make_carrier, make_user


def _conflict(world, ticket: Ticket) -> None:
    now = utcnow()
    first = Scan(device_id="web-a", nonce="n1", user_id=world.driver.id, carrier_id=world.carrier.id,
                 trip_id=ticket.trip_id, ticket_id=ticket.id, result="valid", code="valid", reason="Valid.",
                 source="batch", scanned_at=now)
    second = Scan(device_id="web-b", nonce="n2", user_id=world.driver.id, carrier_id=world.carrier.id,
                  trip_id=ticket.trip_id, ticket_id=ticket.id, result="already_used", code="already_used",
                  reason="Already used.", source="batch", scanned_at=now)
    db.session.add_all([first, second])
    db.session.flush()
    db.session.add(ScanConflict(kind="double_boarding", carrier_id=world.carrier.id, trip_id=ticket.trip_id,
                                ticket_id=ticket.id, first_scan_id=first.id, second_scan_id=second.id))


def test_conflicts_suspense_and_payouts_are_the_carriers_own(client, world, auth_headers):
    sold = sell(client, world, auth_headers)
    order = db.session.get(Order, sold["orders"][0]["id"])
    ticket = db.session.scalars(select(Ticket).where(Ticket.order_id == order.id)).first()
    _conflict(world, ticket)
    post("suspense", "test:suspense", [Leg("provider_clearing:sandbox", -700, "KES"),
                                       Leg(REVIEW_SUSPENSE, 700, "KES")], order_id=order.id, memo="amount mismatch")
    db.session.add(ParkedCallback(dedupe_key="stk:amount:x", source="stk", reason="amount_mismatch",
                                  payment_id=order.payment_id, amount=700, body="{}"))
    db.session.add(Refund(ref="test:payout", order_id=order.id, amount=1500, currency="KES", destination="mpesa",
                          reason="account deleted", status="pending_payout", payout_phone="+254711000111"))
    other = make_user("carrier_admin", carrier=make_carrier("Other"))
    db.session.commit()

    tables = client.get(f"/api/v1/carriers/{world.carrier.id}/dashboard",
                        headers=auth_headers(world.admin)).get_json()["tables"]
    (conflict,) = tables["scan_conflicts"]["rows"]
    assert (conflict["kind"], conflict["ticket"], conflict["first_device"], conflict["second_device"]) == (
        "double_boarding", ticket.short_code, "web-a", "web-b")
    assert sorted((row["what"], row["amount"], row["order"]) for row in tables["suspense"]["rows"]) == [
        ("parked stk", 700, order.code), ("suspense", 700, order.code)]
    (payout,) = tables["pending_payouts"]["rows"]
    assert (payout["amount"], payout["order"]) == (1500, order.code)
    assert payout["phone"] == "+2547****0111"  # masked, never the whole number

    others = client.get(f"/api/v1/carriers/{other.carrier_id}/dashboard",
                        headers=auth_headers(other)).get_json()["tables"]
    assert all(section["rows"] == [] for section in others.values())
