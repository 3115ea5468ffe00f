"""The dashboard's conflict and money sections show the carrier's own rows, and only those,
read from the tables their areas keep: the suspense review queue, the ``payouts`` table,
and the reconciliation's statement lines (with payments missing from uploaded periods)."""
from __future__ import annotations

from sqlalchemy import select

from app.booking.models import Order
from app.database import utcnow
from app.extensions import db
from app.ticketing.models import Ticket
from app.ticketing.scan_models import Scan, ScanConflict
from tests.carrier_page.helpers import sell
from tests.channels.test_mpesa_callbacks import cheap  # noqa: F401 - fixture
from tests.factories import make_carrier, make_user
from tests.payments.helpers import book
from tests.payouts.test_suspense_review import wrong_amount_payment
from tests.reconciliation.support import upload
from tests.reconciliation.test_statement_upload import PAYBILL, _paybill_world


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


def cancelled_mpesa_booking(client, world, auth_headers) -> dict:
    """An M-Pesa booking cancelled by its passenger: its refund is a pending payout (no initiator)."""
    headers = auth_headers(world.passenger)
    order = book(client, world, headers)
    client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "mpesa"}, headers=headers)
    done = client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=headers).get_json()
    assert done["refund_to"] == "mpesa", done
    return order


def _tables(client, carrier_id, headers) -> dict:
    resp = client.get(f"/api/v1/carriers/{carrier_id}/dashboard", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["tables"]


def test_conflicts_suspense_and_payouts_are_the_carriers_own(client, cheap, auth_headers):
    world = cheap
    sold = sell(client, world, auth_headers)
    order = db.session.get(Order, sold["orders"][0]["id"])
    ticket = db.session.scalars(select(Ticket).where(Ticket.order_id == order.id)).first()
    _conflict(world, ticket)
    wrong, parked = wrong_amount_payment(client, world, auth_headers)
    refunded = cancelled_mpesa_booking(client, world, auth_headers)
    other = make_user("carrier_admin", carrier=make_carrier("Other"))
    db.session.commit()

    tables = _tables(client, world.carrier.id, auth_headers(world.admin))
    (conflict,) = tables["scan_conflicts"]["rows"]
    assert (conflict["kind"], conflict["ticket"], conflict["first_device"], conflict["second_device"]) == (
        "double_boarding", ticket.short_code, "web-a", "web-b")
    (item,) = tables["suspense"]["rows"]
    assert (item["item"], item["reason"], item["amount"], item["order"], item["receipt"]) == (
        parked.id, parked.reason, 500, wrong["code"], "RKTQDM7W7A")
    (payout,) = tables["pending_payouts"]["rows"]
    assert (payout["status"], payout["kind"], payout["order"], payout["amount"]) == (
        "pending", "refund", refunded["code"], refunded["total"]["amount"])
    assert payout["phone"].startswith("+2547") and "****" in payout["phone"]  # masked, never the whole number

    others = _tables(client, other.carrier_id, auth_headers(other))
    assert all(section["rows"] == [] for section in others.values())


def test_a_paid_payout_leaves_the_pending_list(client, world, auth_headers):
    cancelled_mpesa_booking(client, world, auth_headers)
    admin = auth_headers(world.admin)
    (payout,) = _tables(client, world.carrier.id, admin)["pending_payouts"]["rows"]
    paid = client.post(f"/api/v1/carriers/{world.carrier.id}/payouts/{payout['payout_id']}/paid",
                       json={"reference": "SL1CX8KQ2P"}, headers=admin)
    assert paid.status_code == 200
    assert _tables(client, world.carrier.id, admin)["pending_payouts"]["rows"] == []


def test_unmatched_statement_lines_come_from_the_uploaded_statements(client, world, auth_headers):
    _paybill_world(world)
    admin = auth_headers(world.admin)
    assert upload(client, admin, world.carrier.id, PAYBILL).status_code == 200
    rows = _tables(client, world.carrier.id, admin)["unmatched_statement_lines"]["rows"]
    assert sorted((row["kind"], row["receipt"], row["amount"], row["expected"]) for row in rows) == [
        ("amount_mismatch", "SL19B0PPX4", 64000, 80000),
        ("missing_from_statement", "SL1CQ0MISS", "", 150000),
        ("unknown_here", "SL1AC5D0ZE", 200000, ""),
    ]
    csv = client.get(f"/api/v1/carriers/{world.carrier.id}/dashboard?format=csv&table=unmatched_statement_lines",
                     headers=admin)
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0] == "kind,receipt,at,shortcode,amount,expected,currency,details" and len(lines) == 4
    assert any(line.startswith("unknown_here,SL1AC5D0ZE,") and ",600638,200000,," in line for line in lines)
