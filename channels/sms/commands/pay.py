"""PAY: pay an unpaid order a chosen way, retry after a failure, or change the method.

``PAY <order code> MPESA | AIRTIME | WALLET`` (French and Swahili words too: CREDIT,
PORTEFEUILLE, SIMU, POCHI). ``PAY <code>`` alone answers how to pay it each way. The order,
whether it can still be paid and which methods can pay it are ``app.sales``' answers
(``get_order_by_code``, ``OrderView.payment_options``, ``pay_order``): only the sender's
own orders are found (someone else's code reads as unknown), and every refusal names
what to send instead and changes nothing.
"""
from __future__ import annotations

from app.core.money import MINOR_UNITS
from app.errors import ApiError, NotFound
from app.sales.common import PAID_OR_REFUNDED_ORDER_STATUSES, PAYMENT_METHODS
from app.sales.orders import get_order_by_code
from app.sales.paying import pay_order
from app.sales.wallet import wallet_balance
from channels.sms.commands.parse import Inbound, join_method_words, read_method


def _others(msg: Inbound, method: str, preferred: list[str] = ()) -> dict:
    """The two ways other than ``method`` to name, those that can pay now (``preferred``) first."""
    order = [m for m in preferred if m != method] + [m for m in PAYMENT_METHODS if m != method and m not in preferred]
    return {"other1": msg.method_word(order[0]), "other2": msg.method_word(order[1])}


def _all_words(msg: Inbound) -> dict:
    return {m: msg.method_word(m) for m in PAYMENT_METHODS}


def _available(view) -> dict[str, bool]:
    return {option.method: option.available for option in view.payment_options}


def _wallet_too_low(msg: Inbound, view) -> str:
    balance = wallet_balance(msg.user)
    held = balance.amount if balance.currency == view.total.currency else 0
    unit = 10 ** MINOR_UNITS.get(view.total.currency, 2)
    missing = -(-(view.total.amount - held) // unit)  # whole units, rounded up
    return msg.t("sms_wallet_too_low", balance=msg.money(balance), code=view.code, total=msg.money(view.total),
                 missing=missing, **_all_words(msg))


def start_and_reply(msg: Inbound, view, method: str, *, fallback: bool = True) -> str:
    """Start paying the order (``OrderView``) by ``method``; say what happens next and how else to pay.

    ``fallback``: phone balance that cannot make the total switches to M-Pesa at once
    (a list choice with airtime as the usual method); an explicit ``PAY ... AIRTIME`` is
    refused instead, naming the other ways.
    """
    available = _available(view)
    ready = [m for m in PAYMENT_METHODS if available.get(m)]
    code, total = view.code, msg.money(view.total)
    switched = False
    if method == "airtime" and not available.get("airtime"):
        if not fallback:
            return msg.t("sms_airtime_not_payable", code=code, total=total, **_others(msg, "airtime", ready))
        method, switched = "mpesa", True  # nothing was sent; the M-Pesa prompt still asks for the PIN
    if method == "wallet" and not available.get("wallet"):
        return _wallet_too_low(msg, view)
    try:
        outcome = pay_order(msg.user, view.id, method, phone=msg.phone, link_id=msg.link_id)
    except ApiError as refused:
        if refused.slug == "insufficient-funds":  # spent meanwhile
            return _wallet_too_low(msg, view)
        raise
    if outcome.failed:
        return msg.t("sms_payment_failed_ways", reason=outcome.message or "", code=code,
                     **_others(msg, method, outcome.other_methods))
    if switched:
        return msg.t("sms_airtime_to_mpesa", code=code, total=total)
    if method == "wallet":
        return msg.t("sms_order_wallet", code=code, total=total)
    return msg.t(f"sms_order_{method}_ways", code=code, total=total, **_others(msg, method, ready))


def _own_order(msg: Inbound, code: str):
    code = code.replace("-", "")
    if not code:
        return None
    try:
        return get_order_by_code(msg.user, code)
    except NotFound:
        return None


def pay(msg: Inbound, args: list[str]) -> str:
    """``PAY K7Q2ABCD WALLET``: the sender's own unpaid order, paid the way named."""
    words = join_method_words(args)
    if not words:
        return msg.t("sms_pay_usage", **_all_words(msg))
    view, choice = _own_order(msg, "".join(words)), None
    if view is None and len(words) >= 2:  # the last word names the method
        view, choice = _own_order(msg, "".join(words[:-1])), read_method(words[-1])
        if view is None:
            return msg.t("sms_no_such_order", code="".join(words[:-1])[:12])
    if view is None:
        return msg.t("sms_no_such_order", code="".join(words)[:12])
    if view.status in PAID_OR_REFUNDED_ORDER_STATUSES:
        return msg.t("sms_order_already_paid", code=view.code)
    if not view.payment_options:  # sales offers ways to pay only while the order can be paid
        return msg.t("sms_order_not_payable", code=view.code)
    if choice is not None and choice.value is None:
        word = words[-1][:14]
        if choice.suggestion:
            return msg.t("sms_did_you_mean_method", word=word, code=view.code,
                         suggestion=msg.method_word(choice.suggestion))
        return msg.t("sms_bad_method", word=word, code=view.code, **_all_words(msg))
    if choice is None:
        return msg.t("sms_pay_ways", code=view.code, total=msg.money(view.total),
                     until=f"{view.hold_expires_local:%H:%M}", **_all_words(msg))
    return start_and_reply(msg, view, choice.value, fallback=False)
