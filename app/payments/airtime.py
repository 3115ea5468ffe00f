"""Paying with phone balance: a total made of fixed premium-SMS price points.

Why a module of its own: the operator bills each premium message the fixed tariff of its
keyword, so "charge KES 800" means "send 500 + 200 + 100", three charges that each
succeed or fail on their own (one delivery report each). This module decides up front
whether a total can be paid at all (``plan_airtime``: refused with 422
``airtime-amount-not-payable`` otherwise, before anything is sent), records one
``AirtimeCharge`` per message, and settles the payment when the last report arrives:
all delivered → the payment succeeds (the use case confirms it: ``app.sales.confirming``);
any failed → ``settle_failure`` with the reason, and
whatever the delivered messages took is credited to the passenger's wallet (balanced
ledger entries, a ``Refund`` row and an SMS). Each report settles its own charge once, so
a replayed report changes nothing. The real gateway and the sandbox both end here.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app.core.money import format_money
from app.database import utcnow
from app.errors import Unprocessable
from app.extensions import db
from app.ledger.service import Leg, post, provider_clearing, wallet_account
from app.messaging import Amount, t
from app.messaging.service import queue_sms
from app.payments.messages import airtime_failure_key, payer_language
from app.payments.models import AirtimeCharge, Payment, Refund
from app.payments.settlement import settle_failure
from app.payments.states import AIRTIME_CHARGE, REFUND
from app.payments.transitions import lock_payment
from app.wallet.service import get_wallet
from app.payments.price_points import (
    MAX_MESSAGES,
    PricePoint,
    decompose,
    nearest_payable,
    parse_price_points,
)

log = logging.getLogger(__name__)

DELIVERED = {"Success"}
FAILED = {"Failed", "Rejected", "AbsentSubscriber", "Expired"}


class AirtimeAmountNotPayable(Unprocessable):
    slug = "airtime-amount-not-payable"
    title = "Amount not payable by phone balance"


def price_points() -> tuple[PricePoint, ...]:
    return parse_price_points(current_app.config.get("AT_PREMIUM_PRICE_POINTS"))


def max_messages() -> int:
    return int(current_app.config.get("AT_PREMIUM_MAX_MESSAGES") or MAX_MESSAGES)


def plan_airtime(total: int, currency: str) -> tuple[PricePoint, ...]:
    """The premium messages that make ``total`` exactly, or 422 with the nearest payable totals."""
    points = price_points()
    wallet_currency = current_app.config.get("WALLET_CURRENCY", "KES")
    plan = decompose(total, points, max_messages()) if currency == wallet_currency else None
    if plan:
        return plan
    below, above = nearest_payable(total, points, max_messages()) if currency == wallet_currency else (None, None)
    nearest = [t for t in (below, above) if t is not None]
    detail = f"Phone balance can only pay fixed amounts, and {format_money(total, currency)} is not one of them."
    if nearest:
        detail += " Nearest payable: " + " or ".join(format_money(t, wallet_currency) for t in nearest) + "."
    detail += " Please pay by M-Pesa or wallet."
    raise AirtimeAmountNotPayable(
        detail,
        payable_totals=[{"amount": t, "currency": wallet_currency} for t in nearest],
        price_points=[{"keyword": p.keyword, "amount": p.amount, "currency": wallet_currency} for p in points],
        suggested_methods=["mpesa", "wallet"],
    )


def record_charges(payment: Payment, charges) -> None:
    """Store what the provider sent: ``(seq, keyword, amount, message_id or None, failure)``."""
    for seq, keyword, amount, message_id, failure in charges:
        AIRTIME_CHARGE.create(AirtimeCharge(
            payment_id=payment.id, seq=seq, keyword=keyword, amount=amount, currency=payment.currency,
            provider_ref=message_id, failure_reason=None if message_id else (failure or "NotSent")[:80],
        ), "pending" if message_id else "failed", actor=f"provider:{payment.provider}",
            reason="sent" if message_id else "not sent")


def find_charge(message_id: str) -> AirtimeCharge | None:
    return db.session.scalar(select(AirtimeCharge).where(AirtimeCharge.provider_ref == message_id))


@dataclass(frozen=True)
class ChargeSettled:
    """What a delivery report did. ``outcome`` is set once the payment's last report is in:
    ``succeeded`` (every message delivered: the caller confirms ``charged`` as the payment's
    money, ``app.sales.confirming``) or ``failed`` (settled here, the charged part refunded)."""

    handled: bool  # False: the report is about no airtime charge
    payment_id: int | None = None
    outcome: str | None = None
    charged: int = 0
    receipt: str | None = None


def settle_charge(message_id: str, status: str, reason: str | None, *, source: str, raw=None,
                  now=None) -> ChargeSettled:
    """A premium message's delivery report: settle its charge; after the last one, say how
    the payment ended. Does not commit."""
    now = now or utcnow()
    charge = find_charge(message_id)
    if charge is None:
        return ChargeSettled(False)
    actor = f"provider:{lock_payment(charge.payment_id).provider}"  # the lock serialises one payment's reports
    charge = db.session.scalar(
        select(AirtimeCharge).where(AirtimeCharge.id == charge.id).with_for_update()
        .execution_options(populate_existing=True)
    )
    if charge.status != "pending":
        return ChargeSettled(True, charge.payment_id)  # a replay: this charge is already settled
    if status in DELIVERED:
        AIRTIME_CHARGE.transition(charge, "delivered", actor=actor, reason=status, now=now,
                                  locked=True)
    elif status in FAILED:
        AIRTIME_CHARGE.transition(charge, "failed", actor=actor, reason=reason or status, now=now,
                                  locked=True)
        charge.failure_reason = (reason or status)[:80]
    else:
        return ChargeSettled(True, charge.payment_id)  # Sent, Submitted, Buffered: not final
    charge.settled_at = now
    return _payment_outcome(charge.payment_id, source=source, now=now)


def _payment_outcome(payment_id: int, *, source: str, now) -> ChargeSettled:
    charges = db.session.scalars(
        select(AirtimeCharge).where(AirtimeCharge.payment_id == payment_id).order_by(AirtimeCharge.seq)
    ).all()
    if any(c.status == "pending" for c in charges):
        return ChargeSettled(True, payment_id)  # wait for the other reports
    payment = db.session.get(Payment, payment_id)
    failed = [c for c in charges if c.status == "failed"]
    charged = sum(c.amount for c in charges if c.status == "delivered")
    if not failed:
        return ChargeSettled(True, payment_id, "succeeded", charged, charges[0].provider_ref)
    reason = failed[0].failure_reason or "Failed"
    language = passenger_language(payment)
    settle_failure(payment_id, code=reason[:20], reason=reason, message=airtime_failure_key(reason),
                   source=source, now=now)
    if charged:
        _refund_charged_part(payment, charged, language, now)
    return ChargeSettled(True, payment_id, "failed", charged)


def passenger_language(payment: Payment) -> str:
    return payer_language(payment) or "en"


def _refund_charged_part(payment: Payment, amount: int, language: str, now) -> None:
    """Some messages were charged, the payment failed: that money goes to the wallet, with an SMS."""
    # "unapplied:" keeps it out of the order's refundable amount (it never paid the order).
    ref = f"unapplied:airtime:payment:{payment.id}"
    if db.session.scalar(select(Refund.id).where(Refund.ref == ref)) is not None:
        return
    get_wallet(payment.user_id, lock=True)  # the wallet's lock (and row) before its balance moves
    posted = post("unapplied", ref, [
        Leg(provider_clearing(payment.provider), -amount, payment.currency),
        Leg(wallet_account(payment.user_id), amount, payment.currency),
    ], order_id=payment.order_id, payment_id=payment.id, memo="airtime_partial", now=now)
    REFUND.create(Refund(
        ref=ref, order_id=payment.order_id, payment_id=payment.id, user_id=payment.user_id, amount=amount,
        currency=payment.currency, destination="wallet", reason="airtime_partial",
        ledger_transaction_id=posted.transaction.id,
    ), "completed", actor=f"provider:{payment.provider}", reason="airtime_partial", now=now)
    order = payment.order  # read through the payment's own foreign key
    to = payment.phone
    if to:
        queue_sms(to, t("airtime_partial_refund", language, code=order.code if order else "",
                        amount=Amount(amount, payment.currency)),
                  kind="refund", user_id=payment.user_id)
    log.info("airtime payment %s failed part-way: %s credited to the wallet", payment.id, amount)
