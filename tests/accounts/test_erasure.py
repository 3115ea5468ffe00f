"""Deleting an account: the money is paid out first, then no row or Redis key keeps the number.

What a person notices: their wallet balance is owed back to their M-Pesa (a pending
payout, balanced in the ledger) and an SMS in their language says so before the number is
forgotten; tickets already bought stay valid; the SMS and USSD channels keep nothing.
"""
from __future__ import annotations

import uuid
from datetime import timedelta

from redis import Redis
from sqlalchemy import func, select, text

from app.accounts.service import delete_account
from app.catalog.models import TripDriver
from app.database import utcnow
from app.extensions import db, limiter
from app.ledger.models import LedgerEntry, LedgerTransaction
from app.ledger.service import PLATFORM_PAYOUTS_PENDING, balance, wallet_account
from app.messaging.models import OutboundMessage
from app.messaging.service import send_stuck_messages
from app.payouts.models import Payout
from app.payments.models import Refund
from app.ticketing.scan_models import Scan
from app.wallet.service import get_wallet
from channels.i18n import t
from channels.sms.models import InboundSms, SmsPending
from channels.ussd.models import UssdSession
from tests.channels.scripts.runner import Conversation
from tests.factories import auth_headers, build_world
from tests.fixtures import load_form
from tests.redis_support import REDIS_URL, needs_redis
from tests.tickets.test_scan_support import sell
from tickets.shortcode import format_short_code


def _top_up(client, auth_headers, user, amount: int) -> None:
    response = client.post("/api/v1/wallet/top-ups", json={"amount": {"amount": amount, "currency": "KES"}}, headers=auth_headers(user))
    assert response.status_code == 202, response.get_json()
    db.session.expire_all()
    assert get_wallet(user.id, create=False).balance == amount  # the sandbox confirms at once


def _delete(client, auth_headers, user) -> None:
    headers = auth_headers(user)
    assert client.delete("/api/v1/me", headers=headers).status_code == 204
    db.session.expire_all()


def _rows_mentioning(needle: str) -> list[str]:
    """Every table row, as text, that still contains ``needle`` anywhere."""
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).all():
            if needle in " ".join(str(value) for value in row):
                found.append(f"{table.name}: {row}")
    return found


def test_the_wallet_balance_becomes_a_pending_mpesa_payout_and_the_person_is_told(client, world, auth_headers):
    user, phone = world.passenger, world.passenger.phone
    user.language = "sw"
    db.session.commit()
    _top_up(client, auth_headers, user, 50_000)

    _delete(client, auth_headers, user)

    assert get_wallet(user.id, create=False).balance == 0
    assert balance(wallet_account(user.id), "KES") == 0
    assert balance(PLATFORM_PAYOUTS_PENDING, "KES") == 50_000
    (payout,) = db.session.scalars(select(Refund)).all()
    assert (payout.amount, payout.currency, payout.destination, payout.status, payout.order_id) == (
        50_000, "KES", "mpesa", "pending_payout", None)
    (owed,) = db.session.scalars(select(Payout)).all()  # paid like any payout (app.payouts)
    assert (owed.phone, owed.refund_id, owed.status) == (phone, payout.id, "pending")
    assert payout.payout_phone is None  # the number moved to its payout: the one place it stays
    legs = db.session.scalars(select(LedgerEntry).where(LedgerEntry.transaction_id == payout.ledger_transaction_id)).all()
    assert sum(leg.amount for leg in legs) == 0 and len(legs) == 2

    goodbye = db.session.scalars(select(OutboundMessage).where(OutboundMessage.kind == "account_deleted")).one()
    assert goodbye.text == t("account_deleted_payout", "sw", amount="KES 500")
    assert goodbye.status == "sent" and goodbye.to_phone is None  # sent, then forgotten
    assert _rows_mentioning(phone) == [f"payouts: {tuple(db.session.execute(select(Payout.__table__)).one())}"]


def test_without_money_the_goodbye_says_so_and_nothing_is_paid(client, world, auth_headers):
    _delete(client, auth_headers, world.passenger)
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 0
    assert db.session.scalar(select(func.count()).select_from(LedgerTransaction)) == 0
    goodbye = db.session.scalars(select(OutboundMessage).where(OutboundMessage.kind == "account_deleted")).one()
    assert goodbye.text == t("account_deleted", "en") and goodbye.to_phone is None


def test_sms_and_ussd_keep_nothing_of_the_number(client, world, auth_headers):
    phone = world.passenger.phone
    form = load_form("africastalking/sms_inbound.form")
    client.post("/channels/sms/inbound", data=dict(form, id="in-1", text="BUY NAIROBI NAKURU"))
    client.post("/channels/sms/inbound", data=dict(form, id="in-2", text="HELP me, Wanjiku Kamau here"))
    assert db.session.scalar(select(func.count()).select_from(SmsPending)) == 1
    talk = Conversation(client, phone)
    talk.dial()
    talk.input("1")
    talk.session_end("Incomplete")  # a resumable USSD session (database store)
    assert db.session.scalar(select(func.count()).select_from(UssdSession)) == 1

    _delete(client, auth_headers, world.passenger)

    assert _rows_mentioning(phone) == []
    assert _rows_mentioning("Wanjiku") == []
    assert db.session.scalar(select(func.count()).select_from(SmsPending)) == 0
    assert db.session.scalar(select(func.count()).select_from(UssdSession)) == 0
    inbound = db.session.scalars(select(InboundSms).order_by(InboundSms.id)).all()
    assert [(m.gateway_id, m.from_phone, m.text) for m in inbound] == [("in-1", None, ""), ("in-2", None, "")]
    # a replay of an erased message is still recognised, and does nothing
    client.post("/channels/sms/inbound", data=dict(form, id="in-1", text="BUY NAIROBI NAKURU"))
    assert _rows_mentioning(phone) == []


def test_sms_not_sent_yet_are_given_up_not_left_for_the_sweep(client, world, auth_headers):
    waiting = OutboundMessage(to_phone=world.passenger.phone, text="Your ticket ABCDE-FGHJK", kind="ticket",
                              user_id=world.passenger.id, status="queued")
    db.session.add(waiting)
    db.session.commit()
    db.session.execute(text("UPDATE outbound_messages SET created_at = :t"), {"t": utcnow() - timedelta(hours=1)})
    db.session.commit()

    _delete(client, auth_headers, world.passenger)

    waiting = db.session.get(OutboundMessage, waiting.id)
    assert (waiting.status, waiting.to_phone, waiting.failure_reason) == ("failed", None, "recipient erased")
    assert send_stuck_messages() == 0


def test_tickets_already_bought_stay_valid_and_anonymous(client, world, auth_headers):
    ticket = sell(world, names=["Wanjiku Kamau"])[0]
    _delete(client, auth_headers, world.passenger)
    db.session.refresh(ticket)
    assert ticket.status == "valid" and ticket.passenger_name is None
    page = client.get(f"/t/{ticket.short_code}")
    assert page.status_code == 200 and "Wanjiku" not in page.get_data(as_text=True)


def test_deleting_twice_pays_out_once(client, world, auth_headers):
    _top_up(client, auth_headers, world.passenger, 20_000)
    delete_account(world.passenger)
    headers = auth_headers(world.passenger)
    assert client.delete("/api/v1/me", headers=headers).status_code == 401  # the account is gone
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 1


@needs_redis
def test_ussd_state_in_redis_is_erased(make_app):
    prefix = f"test-erase-{uuid.uuid4().hex[:8]}:"
    app = make_app(REDIS_URL=REDIS_URL, USSD_REDIS_PREFIX=prefix, RATELIMIT_STORAGE_URI="memory://", JOBS_INLINE=True)
    redis = Redis.from_url(REDIS_URL)
    with app.app_context():
        try:
            world = build_world()
            bystander = "+254733000999"
            client = app.test_client()
            phone = world.passenger.phone
            talk = Conversation(client, phone)
            talk.dial()
            talk.input("1")
            talk.session_end("Incomplete")  # a resume offer under the phone
            Conversation(client, phone).dial()  # a second session, taking the offer
            talk = Conversation(client, phone)
            talk.dial()
            talk.input("1")
            talk.session_end("Incomplete")
            Conversation(client, bystander).dial()
            keys_before = {k.decode() for k in redis.scan_iter(prefix + "*")}
            assert f"{prefix}r:{phone}" in keys_before and f"{prefix}p:{phone}" in keys_before
            assert len([k for k in keys_before if ":s:" in k]) == 4

            assert client.delete("/api/v1/me", headers=auth_headers(world.passenger)).status_code == 204

            left = {k.decode(): redis.get(k) if redis.type(k) == b"string" else redis.smembers(k)
                    for k in redis.scan_iter(prefix + "*")}
            assert all(phone not in key and phone.encode() not in str(value).encode()
                       for key, value in left.items()), left
            assert [k for k in left if ":s:" in k] and all(bystander in str(v) for k, v in left.items()
                                                           if ":s:" in k)  # others keep theirs
        finally:
            for key in redis.scan_iter(prefix + "*"):
                redis.delete(key)
            db.session.rollback()
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
            db.session.commit()


def test_an_mpesa_refund_still_to_be_paid_keeps_the_number_it_goes_to(client, world, auth_headers):
    ticket = sell(world)[0]
    refund = Refund(ref="cancel:test", order_id=ticket.order_id, user_id=world.passenger.id, amount=75_000,
                    currency="KES", destination="mpesa", reason="cancelled", status="pending_payout")
    db.session.add(refund)
    db.session.commit()
    phone = world.passenger.phone

    _delete(client, auth_headers, world.passenger)

    db.session.refresh(refund)
    assert refund.payout_phone == phone  # the carrier's finance team still knows where to pay


def test_the_ussd_rate_limit_counts_without_storing_the_number(client, world):
    Conversation(client, world.passenger.phone).dial()
    keys = " ".join(str(key) for key in limiter.limiter.storage.storage)
    assert "ussd" in keys and world.passenger.phone not in keys


def test_a_driver_who_checked_tickets_by_sms_leaves_no_number_in_the_scans(client, world, auth_headers):
    db.session.add(TripDriver(trip_id=world.trip.id, user_id=world.driver.id))
    db.session.commit()
    ticket = sell(world)[0]
    form = load_form("africastalking/sms_inbound.form")
    client.post("/channels/sms/inbound", data=dict(form, id="chk-1", text=f"CHECK {format_short_code(ticket.short_code)}",
                                                   **{"from": world.driver.phone}))
    assert db.session.scalar(select(func.count()).select_from(Scan)) == 1
    phone = world.driver.phone

    _delete(client, auth_headers, world.driver)

    assert _rows_mentioning(phone) == []
    assert db.session.scalar(select(func.count()).select_from(Scan)) == 1  # the scan stays
