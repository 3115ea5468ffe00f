"""Pay an order with a chosen method, and fall back to another when one fails.

Why a use case: the method names, which methods can pay a given order (M-Pesa takes KES;
phone balance only fixed price-point totals; the wallet only what it holds) and what to
offer after a failure were each channel's guess. After a failed M-Pesa prompt the order
stays ``pending_payment`` and its seats stay held until the hold expires, so the passenger
can pay by wallet or phone balance (or M-Pesa again) without losing the seat;
``PaymentOutcome.other_methods`` and ``OrderView.other_methods`` list what can pay it now.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from app.booking.service import get_order_for, lock_own_order, lock_payable_order
from app.database import utcnow
from app.errors import ApiError, NotFound, Unprocessable
from app.extensions import db, unit_of_work
from app.payments.models import PUBLIC_METHODS, Payment
from app.payments.settlement import presume_applied
from app.payments.service import Opened, ask_operator, open_payment, record_operator_answer, take_from_wallet
from app.sales.common import PAYMENT_METHODS, PaymentLike
from app.sales.confirming import confirm_payment
from app.sales.orders import OrderView, order_view
from app.sales.prompts import PROMPTING_METHODS, guard_prompt

# Refusals before anything is sent that another method may avoid.
REFUSALS_WITH_ALTERNATIVES = ("insufficient-funds", "airtime-amount-not-payable", "invalid-method")

# Words a passenger may use for a method (USSD labels, SMS keywords) → the method.
METHOD_WORDS = {
    "mpesa": "mpesa", "m-pesa": "mpesa", "stk": "mpesa",
    "airtime": "airtime", "phone": "airtime", "balance": "airtime", "credit": "airtime", "salio": "airtime",
    "wallet": "wallet", "portefeuille": "wallet", "pochi": "wallet",
}


@dataclass
class PaymentOutcome(PaymentLike):
    """What happened when the passenger asked to pay. Attributes it lacks are the payment's,
    so the API dumps it as a payment."""

    payment: object  # app.payments.models.Payment
    method: str
    status: str  # initiated | pending | succeeded | failed | expired
    message: str | None
    order: OrderView
    other_methods: list[str] = field(default_factory=list)


def method_from_word(word: str) -> str:
    """``"M-Pesa"``, ``"WALLET"``, ``"airtime"`` → the method; 422 ``invalid-method`` otherwise."""
    method = METHOD_WORDS.get((word or "").strip().lower())
    if method is None:
        raise Unprocessable(f"Pay by {', '.join(PAYMENT_METHODS)}.", slug="invalid-method")
    return method


def pay_order(user, order_id: int, method: str, *, phone: str | None = None, link_id: str | None = None) -> PaymentOutcome:
    """Start paying one of the caller's orders by ``method`` (``mpesa``, ``airtime``, ``wallet``).

    Wallet payments settle before returning, in one unit of work (``_pay_from_wallet``; 402
    ``insufficient-funds`` and no change when short); M-Pesa and phone balance are
    ``pending`` until the operator answers (the sandbox answers at once): the payment row
    commits, the operator is asked outside any transaction, its answer commits
    (``start_with_operator``). A refusal up front raises (422 ``invalid-method``,
    ``airtime-amount-not-payable``; 409 ``order-not-payable``); a failure reported by the
    operator comes back as ``status="failed"`` with ``other_methods`` to try next.
    """
    if method not in PAYMENT_METHODS:
        method = method_from_word(method)
    if method == "wallet":  # settled in this request: locked now, with what it reads next (404 as below)
        order = lock_own_order(user, order_id)
    else:
        order = get_order_for(user, order_id)  # 404 for anyone else's order, before anything is locked
    if method in PROMPTING_METHODS:
        guard_prompt(user, phone)  # 429 too-many-prompts before anything is locked or sent
    now = utcnow()
    try:
        if method == "wallet":
            payment = unit_of_work(lambda: _pay_from_wallet(order_id, now))
        else:
            opened = unit_of_work(lambda: open_payment(lock_payable_order(order_id, now), method, phone, now=now))
            payment = start_with_operator(opened, link_id if method == "airtime" else None)
            db.session.refresh(payment)  # the sandbox (inline jobs) may have settled it already
    except ApiError as refused:
        # Refused up front (wallet too low, a total phone balance cannot make...): nothing
        # changed; name the ways that can pay it now, as after a failure.
        if refused.slug in REFUSALS_WITH_ALTERNATIVES:
            refused.extra.setdefault("other_methods", _others_now(user, order_id, method))
        raise
    # The row the unit of work locked and changed (one object per row). A wallet payment was
    # made and settled right here, so it is the order's latest: not looked up again.
    view = order_view(order, last_payment=payment) if method == "wallet" else order_view(order)
    public = PUBLIC_METHODS.get(payment.method, payment.method)
    outcome = PaymentOutcome(payment, public, payment.status, payment.message, view)
    if outcome.failed:
        outcome.other_methods = view.other_methods
    return outcome


def _pay_from_wallet(order_id: int, now) -> Payment:
    """A wallet purchase, whole: the order locked, the payment row, the wallet locked and
    checked, then the confirmation every payment gets (``confirm_payment``). Never commits."""
    order = lock_payable_order(order_id, now)
    payment = open_payment(order, "wallet", now=now).payment
    take_from_wallet(payment)
    presume_applied(payment)
    confirm_payment(payment.id, amount=payment.amount, currency=payment.currency, source="wallet", now=now,
                    inserted=payment)
    return payment


def start_with_operator(opened: Opened, link_id: str | None = None) -> Payment:
    """Ask the operator about a payment whose row is committed, then record its answer (a
    unit of work of its own). One already in flight is returned as it is: no second prompt."""
    if not opened.started:
        return opened.payment
    answer = ask_operator(opened, link_id)
    return unit_of_work(lambda: record_operator_answer(opened.payment.id, answer))


def _others_now(user, order_id: int, refused_method: str) -> list[str]:
    view = order_view(get_order_for(user, order_id))
    return [o.method for o in view.payment_options if o.available and o.method != refused_method]


def payment_status(user, payment_id: int) -> PaymentOutcome:
    """One of the caller's payments (platform admins: any) with what to try next if it failed."""
    payment = db.session.get(Payment, payment_id)
    if payment is None or (payment.user_id != user.id and user.role != "platform_admin"):
        raise NotFound("There is no such payment.", slug="payment-not-found")
    view = None
    if payment.order_id is not None and payment.user_id == user.id:
        view = order_view(get_order_for(user, payment.order_id))
    outcome = PaymentOutcome(payment, PUBLIC_METHODS.get(payment.method, payment.method), payment.status,
                             payment.message, view)
    if outcome.failed and view is not None and view.payment_failed and view.last_payment.id == payment.id:
        outcome.other_methods = view.other_methods
    return outcome
