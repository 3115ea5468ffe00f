"""Starting payments (orders and wallet top-ups): the steps the use cases of ``app.sales`` call.

Operator calls (STK push, premium SMS) never run inside a database transaction: the use
case commits the payment row as ``initiated`` first (``open_payment``/``open_topup``), asks
the operator (``ask_operator``), then records the answer in a second transaction
(``record_operator_answer``: ``pending`` with the operator's reference, or ``failed``). A
push sent but not answered in time stays ``pending`` without one; a callback that races
ahead of that second commit, or answers such a push, finds its payment through the
callback URL (``app.payments.stk_window``), so nothing is lost. A wallet payment checks the
wallet (``take_from_wallet``) and is settled in the same transaction. Nothing here commits.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app.auth.models import User
from app.core.money import format_money
from app.core.phone import InvalidPhone, mask_phone, normalize_phone
from app.database import utcnow
from app.errors import ApiError, Unprocessable
from app.extensions import db
from app.payments.airtime import plan_airtime, record_charges
from app.payments.jobs import first_poll_at
from app.payments.messages import say
from app.payments.models import Payment
from app.payments.providers.airtime import AirtimeProvider, airtime_configured
from app.payments.providers.base import StartResult
from app.payments.providers.mpesa_stk import MpesaStkProvider, daraja_configured
from app.payments.providers.sandbox import SandboxProvider
from app.payments.providers.wallet import WalletProvider
from app.payments.states import PAYMENT
from app.payments.stk_window import in_flight_clause
from app.payments.transitions import lock_payment, transition
from app.production import is_production
from app.wallet.service import (
    InsufficientFunds,
    get_wallet,
    validate_topup_amount,
    wallet_currency,
)

log = logging.getLogger(__name__)

# The API's name of a payment method → the stored method (answers map back with
# models.PUBLIC_METHODS, so a payment requested as "mpesa" comes back as "mpesa").
API_METHODS = {"mpesa": "mpesa_stk", "airtime": "airtime", "wallet": "wallet"}


class PaymentMethodUnavailable(ApiError):
    status, title, slug = 503, "Payment method unavailable", "payment-method-unavailable"


def select_provider(method: str):
    """The provider for a passenger's choice: the operator when configured, else the sandbox.

    Never the sandbox in production (it confirms payments by itself): there an unconfigured
    operator makes the method unavailable. Production refuses to start without Daraja
    credentials (``app.production``); this is the second guard, where the choice is made.
    """
    config = current_app.config
    if method == "wallet":
        return WalletProvider()
    if method == "mpesa_stk":
        if daraja_configured(config):
            return MpesaStkProvider()
        operator = "M-Pesa"
    elif method == "airtime":
        if airtime_configured(config):
            return AirtimeProvider()
        operator = "Airtime"
    else:
        raise Unprocessable(f"Unknown payment method {method!r}.", slug="invalid-method")
    if is_production(config):
        log.error("payment method %s requested but its operator is not configured", method)
        raise PaymentMethodUnavailable(f"{operator} payments are not available right now.")
    return SandboxProvider()


def _phone(raw: str | None, user) -> str:
    if not raw:
        if not user.phone:
            raise Unprocessable("A phone number is required.", slug="invalid-phone")
        return user.phone
    try:
        return normalize_phone(raw, current_app.config.get("DEFAULT_COUNTRY", "KE"))
    except InvalidPhone as exc:
        raise Unprocessable(str(exc), slug="invalid-phone", errors={"phone": [str(exc)]}) from None


@dataclass(frozen=True)
class Opened:
    """A payment row ready to go: ``started`` False when it is one already in flight (the
    phone was prompted before: do not prompt it twice)."""

    payment: Payment
    provider: object
    started: bool
    reference: str = ""  # what the payer sees on the prompt (the booking code, or WALLET)
    description: str = ""


def open_payment(order, method: str, phone: str | None = None, *, now=None) -> Opened:
    """A payment of ``order`` (locked by the caller: booking's ``lock_payable_order``) by
    ``method`` (``mpesa``/``airtime``/``wallet`` or the internal names). Never commits.

    A payment of the same method and phone still in flight is returned instead of a second
    one, so a double tap does not prompt the phone twice. Raises 422 ``invalid-method``,
    ``invalid-phone``, ``airtime-amount-not-payable``; 503 when the operator is unavailable.
    """
    now = now or utcnow()
    method = API_METHODS.get(method, method)
    provider = select_provider(method)
    if method == "airtime":
        plan_airtime(order.total_amount, order.currency)
    user = db.session.get(User, order.user_id)
    payer = _phone(phone, user) if method != "wallet" else user.phone
    if method != "wallet" and order.currency != "KES" and provider.name in ("mpesa", "sandbox"):
        raise Unprocessable("M-Pesa takes Kenyan shillings only.", slug="invalid-method")
    if method != "wallet":  # a wallet payment settles in its own transaction: never in flight
        in_flight = db.session.scalar(
            select(Payment).where(
                Payment.order_id == order.id, Payment.method == method, Payment.phone == payer,
                in_flight_clause(now),  # a push a killed worker left behind does not block for ever
            ).order_by(Payment.id.desc())
        )
        if in_flight is not None:
            return Opened(in_flight, provider, False)
    payment = PAYMENT.create(
        Payment(order_id=order.id, user_id=order.user_id, purpose="order", method=method,
                provider=provider.name, amount=order.total_amount, currency=order.currency, phone=payer,
                shortcode=getattr(provider, "shortcode", None)),
        "initiated", actor=f"user:{order.user_id}", reason=f"pay by {method}", now=now)
    return Opened(payment, provider, True, order.code, f"Safiri {order.code}")


def open_cash_payment(order, agent, *, now=None) -> Payment:
    """Cash an agent takes at the counter for ``order`` (locked by the caller), into their
    drawer: the row the caller settles at once (``confirm_payment``). Never commits.

    Only the counter calls this: the passenger's channels name methods from
    ``app.sales.common.PAYMENT_METHODS``, which has no cash (422 ``invalid-method``).
    """
    return PAYMENT.create(
        Payment(order_id=order.id, user_id=order.user_id, purpose="order", method="cash", provider="cash",
                amount=order.total_amount, currency=order.currency, collected_by=agent.id),
        "initiated", actor=f"user:{agent.id}", reason="cash at the counter", now=now or utcnow())


def take_from_wallet(payment: Payment) -> None:
    """Check that the payer's wallet (locked now: the last lock of a wallet purchase) holds
    the payment; else 402 ``insufficient-funds`` naming what it holds. The money itself
    moves when the purchase is recorded (``settlement.record_order_payment``)."""
    wallet = get_wallet(payment.user_id, lock=True)
    if wallet.balance < payment.amount or wallet.currency != payment.currency:
        raise InsufficientFunds(
            f"Your wallet holds {format_money(wallet.balance, wallet.currency)}; this booking costs "
            f"{format_money(payment.amount, payment.currency)}. Top up or pay by M-Pesa.",
            balance={"amount": wallet.balance, "currency": wallet.currency},
        )


def open_topup(user, amount: int, phone: str | None = None, *, auto: bool = False) -> Opened:
    """A top-up of ``user``'s wallet by M-Pesa (STK push, or the sandbox). Never commits."""
    validate_topup_amount(amount)
    payer = _phone(phone, user)
    provider = select_provider("mpesa_stk")
    payment = PAYMENT.create(
        Payment(user_id=user.id, purpose="topup", method="mpesa_stk", provider=provider.name,
                amount=amount, currency=wallet_currency(), phone=payer, auto_recharge=auto,
                shortcode=getattr(provider, "shortcode", None)),
        "initiated", actor=f"user:{user.id}", reason="top-up" if not auto else "automatic top-up")
    return Opened(payment, provider, True, "WALLET", "Safiri top-up")


def ask_operator(opened: Opened, link_id: str | None = None) -> StartResult:
    """Ask the operator to collect (STK push, premium SMS). Runs outside any transaction:
    the payment row is committed first, so a callback that races ahead finds it."""
    return opened.provider.start(opened.payment, account_reference=opened.reference,
                                 description=opened.description, link_id=link_id)


def record_operator_answer(payment_id: int, result: StartResult) -> Payment:
    """The operator's answer to ``ask_operator``: ``pending`` with its reference (and, for
    M-Pesa, the first STK query booked in case no callback ever comes), or ``failed``.
    A callback that settled the payment meanwhile is left as it is. Never commits."""
    payment = lock_payment(payment_id)
    if result.accepted:
        # None: sent but never answered; its callback may already have named it (stk_window).
        payment.provider_ref = result.provider_ref or payment.provider_ref
        payment.message = say(payment, result.message)
        if result.charges:
            record_charges(payment, result.charges)
        if payment.status == "initiated":
            transition(payment, "pending", reason="sent to operator")
            if payment.provider == "mpesa" and payment.method == "mpesa_stk":
                payment.next_poll_at = first_poll_at(utcnow())  # in case no callback ever comes
    else:
        payment.message = say(payment, result.message)
        if payment.status == "initiated":
            transition(payment, "failed", reason=result.failure_reason or "operator refused")
    log.info("payment %s %s via %s to %s", payment.id, payment.status, payment.provider, mask_phone(payment.phone))
    return payment
