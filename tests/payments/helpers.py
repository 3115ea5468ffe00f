"""Shared helpers for payments, wallet, ledger and callback tests (importable, not fixtures)."""
from __future__ import annotations

from sqlalchemy import func, select

from app.booking.models import Order
from app.extensions import db
from app.ledger.models import LedgerEntry, LedgerTransaction
from app.ledger.service import Leg, post
from app.messaging.models import OutboundMessage
from app.payments.models import ParkedCallback, Payment, Refund
from app.wallet.models import Wallet
from app.wallet.service import get_wallet
from app.ticketing.models import Ticket

TOKEN = "s3cret-token"
DARAJA = "https://daraja.example.test"
DARAJA_CONFIG = dict(
    MPESA_CONSUMER_KEY="ck", MPESA_CONSUMER_SECRET="cs", MPESA_SHORTCODE="174379",
    MPESA_PASSKEY="bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919",
    MPESA_BASE_URL=DARAJA, CHANNEL_TOKEN=TOKEN,
)
FIXTURE_PHONE = "+254708374149"  # the payer in mpesa/stk_callback_success.json


def counts() -> dict:
    """Everything a replay must leave unchanged."""
    def n(model):
        return db.session.scalar(select(func.count()).select_from(model))

    return {
        "ledger_txns": n(LedgerTransaction), "ledger_entries": n(LedgerEntry), "tickets": n(Ticket),
        "sms": n(OutboundMessage), "payments": n(Payment), "refunds": n(Refund), "parked": n(ParkedCallback),
        "wallet_total": db.session.scalar(select(func.coalesce(func.sum(Wallet.balance), 0))),
    }


def ledger_balanced() -> bool:
    rows = db.session.execute(
        select(LedgerEntry.transaction_id, LedgerEntry.currency, func.sum(LedgerEntry.amount))
        .group_by(LedgerEntry.transaction_id, LedgerEntry.currency)
    ).all()
    return all(total == 0 for _, _, total in rows)


def wallets_match_ledger() -> bool:
    for wallet in db.session.scalars(select(Wallet)):
        total = db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
                LedgerEntry.account == f"wallet:{wallet.user_id}", LedgerEntry.currency == wallet.currency)
        )
        if total != wallet.balance or wallet.balance < 0:
            return False
    return True


def sms_to(phone: str, kind: str | None = None) -> list[str]:
    query = select(OutboundMessage.text).where(OutboundMessage.to_phone == phone).order_by(OutboundMessage.id)
    if kind:
        query = query.where(OutboundMessage.kind == kind)
    return list(db.session.scalars(query))


def book(client, world, headers, fare_class="standard", seat=None):
    body = {
        "trip_id": world.trip.id, "origin_stop_id": world.nairobi.id, "destination_stop_id": world.eldoret.id,
        "passengers": [{"fare_class": fare_class, **({"seat": seat} if seat else {})}],
    }
    resp = client.post("/api/v1/orders", json=body, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def fund_wallet(user, amount: int) -> None:
    """Credit a wallet through the ledger (as a settled top-up would: the wallet locked, then posted)."""
    get_wallet(user.id, lock=True)
    post("topup", f"test-fund:{user.id}:{amount}:{counts()['ledger_txns']}", [
        Leg("provider_clearing:sandbox", -amount, "KES"), Leg(f"wallet:{user.id}", amount, "KES"),
    ])
    db.session.commit()


def order_status(order_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Order, order_id).status
