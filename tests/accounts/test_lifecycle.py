"""Deactivating (reversible) and deleting (erases the person, keeps the records)."""
from sqlalchemy import select

from app.auth.models import OtpChallenge, User
from app.ledger.models import LedgerEntry
from app.messaging.models import OutboundMessage
from app.payments.models import Payment
from app.ticketing.models import Ticket
from tests.auth.flow import assert_problem, bearer, outbox, sign_in


def _refresh(client, tokens):
    return client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})


def test_deactivate_ends_sessions_and_signing_in_reactivates(client, world):
    phone_tokens = sign_in(client, world.passenger.phone)
    other_device = sign_in(client, world.passenger.phone)
    assert client.post("/api/v1/me/deactivate", headers=bearer(phone_tokens)).status_code == 204

    assert_problem(client.get("/api/v1/me", headers=bearer(phone_tokens)), 401, "inactive-account")
    assert_problem(_refresh(client, phone_tokens), 401)
    assert_problem(_refresh(client, other_device), 401)

    again = sign_in(client, world.passenger.phone)
    assert again["user"]["id"] == world.passenger.id and again["user"]["status"] == "active"
    assert client.get("/api/v1/me", headers=bearer(again)).get_json()["name"] == "Wanjiku Passenger"


def test_delete_erases_personal_data_but_keeps_the_row(client, world, db):
    user_id = world.passenger.id
    phone = world.passenger.phone
    tokens = sign_in(client, phone)
    client.patch("/api/v1/me", headers=bearer(tokens), json={"preferred_payment": "wallet"})
    assert outbox(client, phone)  # the sign-in SMS

    assert client.delete("/api/v1/me", headers=bearer(tokens)).status_code == 204

    assert_problem(client.get("/api/v1/me", headers=bearer(tokens)), 401, "inactive-account")
    assert_problem(_refresh(client, tokens), 401)
    db.session.expire_all()
    row = db.session.get(User, user_id)  # orders and ledger entries keep pointing here
    assert (row.status, row.phone, row.name, row.preferred_payment) == ("deleted", None, None, None)
    assert row.deleted_at is not None
    assert outbox(client, phone) == []
    messages = db.session.scalars(select(OutboundMessage)).all()
    assert messages and all(m.to_phone is None for m in messages)  # kept, but to nobody
    assert db.session.scalars(select(OtpChallenge).where(OtpChallenge.phone == phone)).all() == []


def test_a_deleted_number_signs_up_afresh(client, world):
    phone, old_id = world.passenger.phone, world.passenger.id
    tokens = sign_in(client, phone)
    client.delete("/api/v1/me", headers=bearer(tokens))
    fresh = sign_in(client, phone)
    assert fresh["user"]["id"] != old_id and fresh["user"]["phone"] == phone
    assert fresh["user"]["name"] is None and fresh["user"]["role"] == "passenger"


def test_delete_also_works_for_a_deactivated_account_via_sign_in(client, world):
    tokens = sign_in(client, world.passenger.phone)
    client.post("/api/v1/me/deactivate", headers=bearer(tokens))
    tokens = sign_in(client, world.passenger.phone)
    assert client.delete("/api/v1/me", headers=bearer(tokens)).status_code == 204


def test_delete_keeps_payments_tickets_and_ledger_without_the_person(client, world, db):
    tokens = sign_in(client, world.passenger.phone)
    headers = bearer(tokens)
    assert client.post("/api/v1/wallet/top-ups", json={"amount": {"amount": 200000, "currency": "KES"}}, headers=headers).status_code == 202
    order = client.post(
        "/api/v1/orders",
        json={
            "trip_id": world.trip.id, "origin_stop_id": world.nairobi.id,
            "destination_stop_id": world.eldoret.id,
            "passengers": [{"fare_class": "standard", "name": "Wanjiku K"}],
        },
        headers=headers,
    ).get_json()
    paid = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "wallet"}, headers=headers)
    assert paid.status_code == 202
    entries_before = db.session.scalar(select(db.func.count()).select_from(LedgerEntry))

    assert client.delete("/api/v1/me", headers=headers).status_code == 204

    db.session.expire_all()
    payments = db.session.scalars(select(Payment).where(Payment.user_id == world.passenger.id)).all()
    assert len(payments) == 2 and all(p.phone is None for p in payments)
    tickets = db.session.scalars(select(Ticket).where(Ticket.user_id == world.passenger.id)).all()
    assert len(tickets) == 1 and tickets[0].passenger_name is None
    # the KES 500 left in the wallet became a pending M-Pesa payout: two more entries
    assert db.session.scalar(select(db.func.count()).select_from(LedgerEntry)) == entries_before + 2
