"""Settling a payment: what payments does when an operator says money moved (or did not).

Daraja callbacks, Paybill confirmations, airtime delivery reports, the sandbox provider,
the STK-query poller and wallet payments all end in ``settle_success`` or
``settle_failure`` (or, for a push nobody answered, ``settle_expired``). They lock the
payment row first, so a callback racing the poller (or its own replay) waits and then finds
the payment settled and changes nothing.

A payment for an order is settled in two steps around booking, which payments does not
import: ``settle_success`` records that the money arrived (``Settled.to_apply``), the use
case (``app.sales.confirming.confirm_payment``) has booking apply it to the order, then
``record_order_payment`` moves the money in the ledger as booking's answer says (a sale, or
the payer's wallet when the order could not take it) and writes the receipt. Nothing here
commits: the use case commits once, so the payment, the order, the tickets, the ledger and
the SMS outbox rows commit together.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app.auth.models import User
from app.errors import Conflict
from app.messaging import Amount, t, text
from app.core.phone import mask_phone
from app.database import utcnow
from app.extensions import db
from app.jobs import MONEY_QUEUE, enqueue_after_commit, job_id
from app.ledger.fees import commission, operator_fees, operator_share
from app.ledger.service import (
    PLATFORM_FEES,
    PLATFORM_PAYOUTS_PENDING,
    REVIEW_SUSPENSE,
    Leg,
    carrier_payable,
    cash_drawer,
    post,
    provider_clearing,
    wallet_account,
)
from app.messaging.service import queue_sms
from app.payments.messages import payer_language, say
from app.payments.models import Payment, Refund
from app.payments.providers.daraja import initiator_configured
from app.payments.review import park
from app.payments.states import REFUND
from app.payments.topups import maybe_schedule_auto_recharge
from app.payments.transitions import lock_payment, transition
from app.wallet.service import get_wallet

log = logging.getLogger(__name__)

# A payment method's name in a receipt (catalogue keys).
METHOD_LABEL = {"mpesa_stk": "method_mpesa", "mpesa_paybill": "method_mpesa", "airtime": "method_airtime",
                "wallet": "method_wallet", "sandbox": "method_mpesa", "cash": "method_cash"}


@dataclass(frozen=True)
class Settled:
    payment: Payment
    changed: bool  # False: a replay or a late duplicate; nothing moved
    # True: money for an order, received in full; the caller applies it to the order
    # (booking) and then calls ``record_order_payment`` with booking's answer.
    to_apply: bool = False


def _source_account(payment: Payment) -> str:
    if payment.method == "wallet":
        return wallet_account(payment.user_id)
    if payment.method == "cash":
        return cash_drawer(payment.collected_by)
    return provider_clearing(payment.provider)


def _sms_to(payment: Payment) -> str | None:
    if payment.phone:
        return payment.phone
    user = db.session.get(User, payment.user_id) if payment.user_id else None
    return user.phone if user else None


def _label(payment: Payment, language: str | None) -> str:
    return t(METHOD_LABEL.get(payment.method, "method_mpesa"), language)


_language = payer_language  # every text about a payment is written in the payer's language


def settle_success(
    payment_id: int,
    *,
    amount: int,
    currency: str | None = None,
    receipt: str | None = None,
    payer_phone: str | None = None,
    source: str,
    raw=None,
    now=None,
    inserted: Payment | None = None,
) -> Settled:
    """Money arrived for this payment: record it (or park it), exactly once.

    ``payer_phone`` is checked only when it is a real E.164 number (Daraja often masks it);
    a different payer or amount parks the money in ``review_suspense`` and issues nothing.
    A top-up credits the wallet here. An order payment comes back ``to_apply``: the caller
    has booking apply it, then calls ``record_order_payment`` (``app.sales.confirming``).
    ``inserted``: the payment itself when the caller inserted it in this very transaction
    (wallet and Paybill payments): no other transaction can see the row yet, so it is not re-read.
    """
    now = now or utcnow()
    if inserted is not None and inserted.id == payment_id and inserted in db.session:
        payment = inserted
    else:
        payment = lock_payment(payment_id)
    if payment.status in ("succeeded", "refunded"):
        if receipt and payment.receipt is None:
            payment.receipt = receipt  # settled by STK query first; the callback brings the receipt
        elif receipt and receipt != payment.receipt:
            # Two different receipts for one payment: real money we must not lose.
            park(source, "second_receipt", raw or {}, provider_ref=payment.provider_ref,
                 receipt=receipt, payment_id=payment.id, amount=amount, phone=payer_phone)
        return Settled(payment, False)
    currency = currency or payment.currency
    if receipt:
        payment.receipt = receipt
    transition(payment, "succeeded", reason=f"confirmed by {source}", now=now)
    payment.settled_at = now
    payer_differs = bool(payer_phone and payment.phone and payer_phone.startswith("+")
                         and "*" not in payer_phone and payer_phone != payment.phone)
    if amount != payment.amount or currency != payment.currency or payer_differs:
        _to_suspense(payment, amount, currency, "amount_mismatch" if not payer_differs else "payer_mismatch",
                     source, raw, payer_phone, now)
        return Settled(payment, True)
    if payment.purpose == "topup" and payment.user_id is None:
        _to_suspense(payment, amount, currency, "unknown_account", source, raw, payer_phone, now)
    elif payment.purpose == "topup":
        _apply_topup(payment, now)
    else:
        return Settled(payment, True, to_apply=True)
    return Settled(payment, True)


def settle_failure(payment_id: int, *, code: str, reason: str, message: str, source: str, now=None,
                   actor: str | None = None) -> Settled:
    """The operator says no money moved: fail the payment with a reason the passenger can act on.

    ``message`` is the catalogue key of that reason (``stk_failure_key``, ``airtime_failure_key``),
    rendered in the payer's language on the payment and in the SMS.

    A failure arriving after a success (or a replay of a failure) changes nothing. The
    seat hold is left alone: it expires on its own, so the passenger can retry meanwhile.
    ``actor``: who decided (the provider by default; ``system:stk-window`` when time ran out).
    """
    now = now or utcnow()
    payment = lock_payment(payment_id)
    if payment.status not in ("initiated", "pending"):
        return Settled(payment, False)
    transition(payment, "failed", reason=f"{source}: {reason}", now=now, actor=actor)
    payment.result_code = str(code)[:20]
    payment.failure_reason = reason[:200]
    language = _language(payment)
    payment.message = say(payment, message)  # a catalogue key (stk_fail_1032...): in the payer's language
    to = _sms_to(payment)
    if to and payment.method != "wallet":
        # An order still unpaid: the same SMS says how to pay it another way (two segments).
        queue_sms(to, t("safiri_says", language, message=payment.message) + _another_way(payment, language),
                  kind="payment_failed", user_id=payment.user_id)
    log.info("payment %s failed (%s) via %s", payment.id, code, source)
    return Settled(payment, True)


def _another_way(payment: Payment, language: str) -> str:
    """For an order still waiting to be paid: how to pay it another way (its seats stay held)."""
    if payment.purpose != "order" or not payment.order_id:
        return ""
    order = payment.order  # read through the payment's own foreign key
    if order is None or order.status != "pending_payment":
        return ""
    return " " + t("pay_another_way", language, code=order.code)


def settle_expired(payment_id: int, *, reason: str, source: str, code: str | None = None, now=None,
                   actor: str | None = None) -> Settled:
    """Nobody answered the push in time: ``pending → expired``; nothing moved, nothing to undo.

    Only a still-pending payment expires (a settled one, or a replay, changes nothing). The
    seat hold is left to its own expiry, as after a failure. No SMS: the prompt simply
    vanished from the phone, and the passenger sees the reason on the payment. A success
    that arrives later still settles (``expired → succeeded``) as a late payment.
    ``actor``: who decided (the provider by default; ``system:stk-poll`` when time ran out).
    """
    now = now or utcnow()
    payment = lock_payment(payment_id)
    if payment.status != "pending":
        return Settled(payment, False)
    transition(payment, "expired", reason=f"{source}: {reason}", now=now, actor=actor)
    if code:
        payment.result_code = str(code)[:20]
    payment.message = text("payment_expired", _language(payment))
    log.info("payment %s expired (%s) via %s", payment.id, reason, source)
    return Settled(payment, True)


# ---- outcomes


def _to_suspense(payment: Payment, amount: int, currency: str, reason: str, source: str, raw, payer, now) -> None:
    post("suspense", f"payment:{payment.id}", [
        Leg(provider_clearing(payment.provider), -amount, currency),
        Leg(REVIEW_SUSPENSE, amount, currency),
    ], payment_id=payment.id, order_id=payment.order_id, memo=reason, now=now)
    park(source, reason, raw or {}, provider_ref=payment.provider_ref, receipt=payment.receipt,
         payment_id=payment.id, amount=amount, phone=payer)
    payment.outcome = "mismatch"
    language = _language(payment)
    payment.message = text("payment_mismatch", language)
    to = _sms_to(payment)
    if to:
        queue_sms(to, t("receipt_mismatch", language, amount=Amount(amount, currency),
                        receipt=payment.receipt or t("no_receipt", language)),
                  kind="receipt", user_id=payment.user_id)


def _apply_topup(payment: Payment, now) -> None:
    wallet = get_wallet(payment.user_id, lock=True)  # the wallet's lock before its balance moves
    post("topup", f"payment:{payment.id}", [
        Leg(provider_clearing(payment.provider), -payment.amount, payment.currency),
        Leg(wallet_account(payment.user_id), payment.amount, payment.currency),
    ], payment_id=payment.id, now=now)
    if not payment.auto_recharge:
        wallet.last_topup_amount = payment.amount
    payment.outcome = "topped_up"
    language = _language(payment)
    payment.message = text("topped_up", language, amount=Amount(payment.amount, payment.currency))
    to = _sms_to(payment)
    if to:
        via = f"{_label(payment, language)} {payment.receipt or ''}".strip()
        queue_sms(to, t("receipt_topup", language, amount=Amount(payment.amount, payment.currency), via=via,
                        balance=Amount(wallet.balance, wallet.currency)),
                  kind="receipt", user_id=payment.user_id)


def presume_applied(payment: Payment) -> None:
    """Write on a wallet payment what ``record_order_payment`` will write when booking takes it
    (outcome ``applied``, the "ticket coming" message), before it is settled, so that its
    one ``UPDATE`` carries them with its new status. A wallet payment booking does not take
    is refused and rolled back whole (``record_order_payment``), so nothing else is possible."""
    payment.outcome = "applied"
    payment.message = text("paid_ticket_coming", _language(payment))


def record_order_payment(payment: Payment, order, outcome: str, now) -> None:
    """Move the money of a settled order payment as booking's ``outcome`` says; the receipt.

    ``applied``: a sale (the payer's money to the carrier's payable and the platform's fee)
    and the receipt SMS; a wallet purchase may then schedule an auto-recharge.
    ``mismatch``: parked in ``review_suspense``. Anything else (``already_paid``,
    ``seats_gone``, ``not_payable``): the money goes to the payer's wallet with an SMS (a
    second M-Pesa payment of a paid booking is reversed instead where the carrier asks for
    it, ``_reverses``), except from the wallet itself, which is refused (409) so the caller rolls back and
    nothing was taken. ``order`` is the order booking answered about (locked).
    """
    payment.outcome = outcome
    if outcome == "applied":
        language = _language(payment)
        payment.message = text("paid_ticket_coming", language)  # set before posting: one UPDATE
        _post_sale(payment, order, now)
        to = _sms_to(payment)
        if to:
            queue_sms(to, t("receipt_paid" if payment.receipt else "receipt_paid_no_ref", language,
                            amount=Amount(payment.amount, payment.currency), method=_label(payment, language),
                            receipt=payment.receipt, code=order.code),
                      kind="receipt", user_id=payment.user_id)
        if payment.method == "wallet":
            maybe_schedule_auto_recharge(payment.user_id)
        return
    if payment.method in ("wallet", "cash"):
        # Nothing was taken from the wallet (or the agent keeps the cash): refuse, and the caller rolls back.
        raise Conflict(f"Booking {order.code} cannot be paid now ({outcome.replace('_', ' ')}).",
                       slug="order-not-payable")
    if outcome == "mismatch":
        _to_suspense(payment, payment.amount, payment.currency, "order_mismatch", "settlement", None, None, now)
        return
    if outcome == "already_paid" and _reverses(payment, order):
        _unapplied_to_reversal(payment, order, now)
        return
    _unapplied_to_wallet(payment, order, outcome, now)


def _post_sale(payment: Payment, order, now) -> None:
    """Split a sale: the carrier's share to its payable, the platform fee to fees, and what
    the operator keeps of an airtime payment to the carrier's operator fees."""
    fee = commission(payment.amount, order.trip.carrier.commission_bps)  # the carrier's rate
    kept = operator_share(payment.method, payment.amount)
    carrier_id = order.trip.carrier_id
    post("sale", f"payment:{payment.id}", [
        Leg(_source_account(payment), -payment.amount, payment.currency),
        Leg(carrier_payable(carrier_id), payment.amount - fee - kept, payment.currency),
        Leg(PLATFORM_FEES, fee, payment.currency),
        Leg(operator_fees(carrier_id), kept, payment.currency),
    ], carrier_id=carrier_id, order_id=order.id, payment_id=payment.id, now=now,
        # First posting by construction: settle_success holds the payment's row lock and has
        # just moved it to succeeded (once); the (kind, ref) unique constraint still refuses
        # a second sale (IntegrityError rolls the whole settlement back).
        known_new=True)


# Why a payment could not buy its ticket -> the catalogue key that tells the payer.
UNAPPLIED_TEXT = {"already_paid": "unapplied_already_paid", "seats_gone": "unapplied_seats_gone",
                  "not_payable": "unapplied_not_payable"}


def _reverses(payment: Payment, order) -> bool:
    """Is a second payment of a paid booking reversed to the payer (not put in the wallet)?
    An M-Pesa payment with a receipt, a carrier that asks for it, and an API initiator."""
    return bool(payment.provider == "mpesa" and payment.receipt and order.trip.carrier.reverse_double_payments
                and initiator_configured(current_app.config))


def _unapplied_to_reversal(payment: Payment, order, now) -> None:
    """The double payment is owed back to its payer by reversal: out of the Paybill's clearing
    into ``payouts_pending:platform``, recorded as a refund ``pending_payout`` (destination
    ``reversal``) that ``app.payouts`` pays (enqueued by name: payouts sits above payments)."""
    ref = f"unapplied:payment:{payment.id}"
    posted = post("unapplied", ref, [
        Leg(_source_account(payment), -payment.amount, payment.currency),
        Leg(PLATFORM_PAYOUTS_PENDING, payment.amount, payment.currency),
    ], order_id=order.id, payment_id=payment.id, memo="already_paid: reversed", now=now)
    refund = db.session.scalar(select(Refund).where(Refund.ref == ref))
    if refund is None:
        refund = REFUND.create(Refund(
            ref=ref, order_id=order.id, payment_id=payment.id, user_id=order.user_id, amount=payment.amount,
            currency=payment.currency, destination="reversal", reason="already_paid",
            ledger_transaction_id=posted.transaction.id,
        ), "pending_payout", actor=f"provider:{payment.provider}", reason="already paid: reversed", now=now)
    enqueue_after_commit("app.payouts.jobs:pay_refund", refund.id, job_id=job_id("refund-payout", refund.id),
                         queue=MONEY_QUEUE)
    language = _language(payment)
    values = dict(code=order.code, amount=Amount(payment.amount, payment.currency))
    payment.message = text("unapplied_reversed", language, **values)
    to = _sms_to(payment)
    if to:
        queue_sms(to, t("safiri_says", language, message=payment.message), kind="refund", user_id=order.user_id)
    log.info("payment %s paid booking %s twice: reversed to the payer", payment.id, order.code)


def _unapplied_to_wallet(payment: Payment, order, outcome: str, now) -> None:
    """Money that cannot buy the ticket goes to the payer's wallet at once, with an SMS."""
    user_id = order.user_id
    ref = f"unapplied:payment:{payment.id}"
    get_wallet(user_id, lock=True)  # the wallet's lock (and row) before its balance moves
    posted = post("unapplied", ref, [
        Leg(_source_account(payment), -payment.amount, payment.currency),
        Leg(wallet_account(user_id), payment.amount, payment.currency),
    ], order_id=order.id, payment_id=payment.id, memo=outcome, now=now)
    if db.session.scalar(select(Refund.id).where(Refund.ref == ref)) is None:
        REFUND.create(Refund(
            ref=ref, order_id=order.id, payment_id=payment.id, user_id=user_id, amount=payment.amount,
            currency=payment.currency, destination="wallet", reason=outcome,
            ledger_transaction_id=posted.transaction.id,
        ), "completed", actor=f"provider:{payment.provider}", reason=outcome, now=now)
    language = _language(payment)
    key = UNAPPLIED_TEXT.get(outcome, UNAPPLIED_TEXT["not_payable"])
    values = dict(code=order.code, amount=Amount(payment.amount, payment.currency))
    payment.message = text(key, language, **values)
    to = _sms_to(payment)
    if to:
        queue_sms(to, t("safiri_says", language, message=t(key, language, **values)), kind="refund", user_id=user_id)
    log.info("payment %s unapplied (%s) -> wallet of user %s, payer %s",
             payment.id, outcome, user_id, mask_phone(payment.phone))
