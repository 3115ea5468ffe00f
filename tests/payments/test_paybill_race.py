"""Paybill confirmations racing for one unpaid booking (PostgreSQL only): none is lost.

Several C2B confirmations with different TransIDs for the same booking arrive at once (a
passenger who pays twice, Daraja delivering late confirmations together). Exactly one buys
the ticket; each other one is money that arrived for a booking already paid, so it goes to
the payer's wallet with its SMS. Daraja hears "Accepted" for every one and never retries,
so none may be parked as a processing error.

The race used to deadlock: each confirmation inserted its payment (the foreign key takes
a share lock on the order row) and then asked for the order's ``FOR UPDATE``, which waits
for the others' share locks. The use case now locks the order first, then inserts the
payment, and a transaction that still loses a deadlock is run again whole.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.booking.models import Order
from app.extensions import db
from app.messaging.models import OutboundMessage
from app.payments.models import ParkedCallback, Payment
from app.ticketing.models import Ticket
from channels.mpesa import routes as mpesa_routes
from tests.channels.test_mpesa_callbacks import ACCEPTED, CONFIRMATION, c2b_body, cheap  # noqa: F401 - fixture
from tests.payments.helpers import DARAJA_CONFIG, book, ledger_balanced, sms_to, wallets_match_ledger

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def app_settings():
    # Ten requests at once, each with its own session: room in the pool for all of them.
    return dict(DARAJA_CONFIG, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 15, "max_overflow": 5})


def _confirm_at_once(app, monkeypatch, bodies) -> list:
    """POST every body to the confirmation URL from its own thread, lined up so that all of
    them start their database work together (a barrier right after the body is parsed)."""
    barrier = threading.Barrier(len(bodies), timeout=30)
    real_parse = mpesa_routes.parse_c2b

    def lined_up(body):
        parsed = real_parse(body)
        barrier.wait()
        return parsed

    monkeypatch.setattr(mpesa_routes, "parse_c2b", lined_up)
    answers: list = [None] * len(bodies)

    def send(i):
        try:
            resp = app.test_client().post(CONFIRMATION, json=bodies[i])
            answers[i] = (resp.status_code, resp.get_json())
        except Exception as exc:  # asserted below
            answers[i] = exc

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    monkeypatch.undo()
    db.session.expire_all()
    return answers


@pytest.mark.parametrize("confirmations", [3, 10])
def test_simultaneous_paybill_confirmations_for_one_booking_lose_nothing(
        app, client, cheap, auth_headers, monkeypatch, confirmations):
    order = book(client, cheap, auth_headers(cheap.passenger))
    bodies = []
    for i in range(confirmations):
        body = c2b_body(order["code"])  # KES 1: the booking's price, masked payer (Daraja's usual)
        body["TransID"] = f"RKTQDM{i:04d}"
        bodies.append(body)
    db.session.commit()

    answers = _confirm_at_once(app, monkeypatch, bodies)

    assert answers == [(200, ACCEPTED)] * confirmations
    parked = db.session.scalars(select(ParkedCallback.reason)).all()
    assert parked == []
    payments = db.session.scalars(select(Payment).where(Payment.order_id == order["id"])).all()
    assert len(payments) == confirmations and {p.status for p in payments} == {"succeeded"}
    outcomes = sorted(p.outcome for p in payments)
    assert outcomes == ["already_paid"] * (confirmations - 1) + ["applied"]
    applied = next(p for p in payments if p.outcome == "applied")
    paid = db.session.get(Order, order["id"])
    assert paid.status == "paid" and paid.payment_id == applied.id
    assert db.session.scalar(select(func.count(Ticket.id)).where(Ticket.order_id == order["id"])) == 1
    wallet = client.get("/api/v1/wallet", headers=auth_headers(cheap.passenger)).get_json()
    assert wallet["balance"] == {"amount": 100 * (confirmations - 1), "currency": "KES"}
    phone = cheap.passenger.phone
    assert len(sms_to(phone, "receipt")) == 1
    assert len(sms_to(phone, "refund")) == confirmations - 1
    assert db.session.scalar(select(func.count(OutboundMessage.id)).where(OutboundMessage.kind == "ticket")) == 1
    assert ledger_balanced() and wallets_match_ledger()
