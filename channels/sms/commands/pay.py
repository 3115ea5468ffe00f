"""PAY: pay an unpaid order a chosen way, retry after a failure, or change the method.

``PAY <order code> MPESA | AIRTIME | WALLET`` (French and Swahili words too: CREDIT,
PORTEFEUILLE, SIMU, POCHI). ``PAY <code>`` alone answers how to pay it each way. Only the
sender's own orders are found: someone else's code reads as unknown (never reveal that
it exists). Every refusal names what to send instead and changes nothing.
"""
from __future__ import annotations

from sqlalchemy import select

from app.core.money import MINOR_UNITS, format_money
from app.extensions import db
from channels.sms.commands.parse import METHOD_WORDS, Inbound, read_choice

METHODS = ("mpesa", "airtime", "wallet")
PAID = ("paid", "partially_refunded", "refunded")


def _others(msg: Inbound, method: str) -> dict:
    """``{"other1": "WALLET", "other2": "AIRTIME"}``: the two ways not just taken, in the sender's words."""
    first, second = [msg.method_word(m) for m in METHODS if m != method]
    return {"other1": first, "other2": second}


def _own_order(msg: Inbound, code: str):
    from app.booking.models import Order

    code = code.replace("-", "").upper()
    if not code:
        return None
    return db.session.scalar(select(Order).where(Order.code == code, Order.user_id == msg.user.id))


def _wallet_too_low(msg: Inbound, order) -> str:
    from app.wallet.service import get_wallet

    wallet = get_wallet(msg.user.id, create=False)
    balance = wallet.balance if wallet and wallet.currency == order.currency else 0
    unit = 10 ** MINOR_UNITS.get(order.currency, 2)
    missing = -(-(order.total_amount - balance) // unit)  # whole units, rounded up
    return msg.t("sms_wallet_too_low", balance=format_money(balance, order.currency), code=order.code,
                 total=format_money(order.total_amount, order.currency), missing=missing,
                 mpesa=msg.method_word("mpesa"), wallet=msg.method_word("wallet"))


def start_and_reply(msg: Inbound, order, method: str, *, fallback: bool = True) -> str:
    """Start paying ``order`` by ``method`` and say what happens next and how else to pay.

    ``fallback``: phone balance that cannot make the total switches to M-Pesa at once
    (a list choice with airtime as the usual method); an explicit ``PAY ... AIRTIME`` is
    refused instead, naming the other ways.
    """
    from app.payments.airtime import AirtimeAmountNotPayable
    from app.payments.service import start_payment
    from app.wallet.service import InsufficientFunds

    code, total = order.code, format_money(order.total_amount, order.currency)
    try:
        payment = start_payment(order, method, phone=msg.phone, link_id=msg.link_id if method == "airtime" else None)
    except AirtimeAmountNotPayable:
        # Phone balance can only pay sums of the operator's price points: nothing was sent.
        db.session.rollback()
        if not fallback:
            return msg.t("sms_airtime_not_payable", code=code, total=total, **_others(msg, "airtime"))
        payment = start_payment(order, "mpesa", phone=msg.phone)
        if payment.status == "failed":
            return msg.t("sms_payment_failed_ways", reason=payment.message or "", code=code, **_others(msg, "mpesa"))
        return msg.t("sms_airtime_to_mpesa", code=code, total=total)
    except InsufficientFunds:
        return _wallet_too_low(msg, order)
    if payment.status == "failed":
        return msg.t("sms_payment_failed_ways", reason=payment.message or "", code=code, **_others(msg, method))
    if method == "wallet":
        return msg.t("sms_order_wallet", code=code, total=total)
    return msg.t(f"sms_order_{method}_ways", code=code, total=total, **_others(msg, method))


def _ways(msg: Inbound, order) -> str:
    from app.core.timeutil import to_local

    until = to_local(order.hold_expires_at, order.origin.timezone)
    return msg.t("sms_pay_ways", code=order.code, total=format_money(order.total_amount, order.currency),
                 until=f"{until:%H:%M}", **{m: msg.method_word(m) for m in METHODS})


def pay(msg: Inbound, args: list[str]) -> str:
    """``PAY K7Q2ABCD WALLET``: the sender's own unpaid order, paid the way named."""
    from app.database import utcnow

    words = list(args)
    if len(words) >= 2 and words[-2:] == ["M", "PESA"]:
        words[-2:] = ["MPESA"]
    if not words:
        return msg.t("sms_pay_usage", **{m: msg.method_word(m) for m in METHODS})
    order, method, choice = _own_order(msg, "".join(words)), None, None
    if order is None and len(words) >= 2:  # the last word names the method
        order, choice = _own_order(msg, "".join(words[:-1])), read_choice(words[-1], METHOD_WORDS)
        if order is None:
            return msg.t("sms_no_such_order", code="".join(words[:-1])[:12])
    if order is None:
        return msg.t("sms_no_such_order", code="".join(words)[:12])
    if order.status in PAID:
        return msg.t("sms_order_already_paid", code=order.code)
    if order.status != "pending_payment" or order.hold_expires_at <= utcnow():
        return msg.t("sms_order_not_payable", code=order.code)
    if choice is not None and choice.value is None:
        word = words[-1][:14]
        if choice.suggestion:
            return msg.t("sms_did_you_mean_method", word=word, code=order.code,
                         suggestion=msg.method_word(choice.suggestion))
        return msg.t("sms_bad_method", word=word, code=order.code, **{m: msg.method_word(m) for m in METHODS})
    if choice is None:
        return _ways(msg, order)
    return start_and_reply(msg, order, choice.value, fallback=False)
