"""Starting payments (orders and wallet top-ups): what the API, USSD and SMS call.

Operator calls (STK push, premium SMS) never run inside a database transaction: the
payment row is committed as ``initiated`` first, the operator is called, then the row
moves to ``pending`` with the operator's reference (or to ``failed``). A push sent but not
answered in time stays ``pending`` without one; a callback that races ahead of that second
commit, or answers such a push, finds its payment through the callback URL
(``app.payments.stk_window``), so nothing is lost.
"""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select

from app.auth.models import User
from app.core.money import format_money
from app.core.phone import InvalidPhone, mask_phone, normalize_phone
from app.database import utcnow
from app.errors import ApiError, Unprocessable
from app.extensions import commit_keeping_state, db
from app.payments.airtime import plan_airtime, record_charges
from app.payments.jobs import first_poll_at
from app.payments.messages import say
from app.payments.models import Payment
from app.payments.orders import lock_payable_order
from app.payments.providers.airtime import AirtimeProvider, airtime_configured
from app.payments.providers.mpesa_stk import MpesaStkProvider, daraja_configured
from app.payments.providers.sandbox import SandboxProvider
from app.payments.providers.wallet import WalletProvider
from app.payments.settlement import settle_success
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


def start_payment(order, method: str, phone: str | None = None, link_id: str | None = None, *, now=None) -> Payment:
    """Start paying ``order`` by ``method`` (``mpesa``/``airtime``/``wallet`` or the internal names).

    Commits. A second call while a payment of the same method and phone is still in
    flight returns that payment instead of prompting the phone twice. Wallet payments are
    settled before returning (402 ``insufficient-funds`` and no change when short).
    """
    now = now or utcnow()
    method = API_METHODS.get(method, method)
    provider = select_provider(method)
    if method == "airtime":
        plan_airtime(order.total_amount, order.currency)  # 422 before anything is locked or sent
    order = lock_payable_order(order.id, now)
    user = db.session.get(User, order.user_id)
    payer = _phone(phone, user) if method != "wallet" else user.phone
    if method != "wallet" and order.currency != "KES" and provider.name in ("mpesa", "sandbox"):
        raise Unprocessable("M-Pesa takes Kenyan shillings only.", slug="invalid-method")
    in_flight = db.session.scalar(
        select(Payment).where(
            Payment.order_id == order.id, Payment.method == method, Payment.phone == payer,
            in_flight_clause(now),  # a push a killed worker left behind does not block for ever
        ).order_by(Payment.id.desc())
    )
    if in_flight is not None:
        db.session.commit()
        return in_flight
    payment = PAYMENT.create(
        Payment(order_id=order.id, user_id=order.user_id, purpose="order", method=method,
                provider=provider.name, amount=order.total_amount, currency=order.currency, phone=payer),
        "initiated", actor=f"user:{order.user_id}", reason=f"pay by {method}", now=now)
    if method == "wallet":
        return _pay_with_wallet(payment, now)
    return _start_with_provider(payment, provider, order.code, f"Safiri {order.code}", link_id)


def _pay_with_wallet(payment: Payment, now) -> Payment:
    wallet = get_wallet(payment.user_id, lock=True)
    if wallet.balance < payment.amount or wallet.currency != payment.currency:
        # Read everything first: the rollback discards a wallet row created just now.
        balance, currency = wallet.balance, wallet.currency
        price = format_money(payment.amount, payment.currency)
        db.session.rollback()
        raise InsufficientFunds(
            f"Your wallet holds {format_money(balance, currency)}; this booking costs "
            f"{price}. Top up or pay by M-Pesa.",
            balance={"amount": balance, "currency": currency},
        )
    payment_id = payment.id
    try:
        settle_success(payment_id, amount=payment.amount, currency=payment.currency, source="wallet", now=now,
                       inserted=payment)
    except Exception:
        db.session.rollback()
        raise
    commit_keeping_state()
    return payment



def _start_with_provider(payment: Payment, provider, reference: str, description: str, link_id) -> Payment:
    payment_id = payment.id
    db.session.commit()  # the row exists before the operator hears of it
    result = provider.start(payment, account_reference=reference, description=description, link_id=link_id)
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
    db.session.commit()
    log.info("payment %s %s via %s to %s", payment.id, payment.status, payment.provider, mask_phone(payment.phone))
    return payment


def start_topup(user, amount: int, phone: str | None = None, *, auto: bool = False) -> Payment:
    """Top up ``user``'s wallet by M-Pesa (STK push, or the sandbox). Commits."""
    validate_topup_amount(amount)
    payer = _phone(phone, user)
    provider = select_provider("mpesa_stk")
    payment = PAYMENT.create(
        Payment(user_id=user.id, purpose="topup", method="mpesa_stk", provider=provider.name,
                amount=amount, currency=wallet_currency(), phone=payer, auto_recharge=auto),
        "initiated", actor=f"user:{user.id}", reason="top-up" if not auto else "automatic top-up")
    return _start_with_provider(payment, provider, "WALLET", "Safiri top-up", None)
