"""How to retry by SMS, added to the SMS of a failed M-Pesa or phone balance payment.

``PAY <code> WALLET`` works only from the phone that owns the order, so the hint goes
only to that phone, and only while the order can still be paid.
"""
from __future__ import annotations

from app.auth.models import User
from app.extensions import db
from channels.i18n import t
from channels.sms.commands.parse import METHOD_SHOWN

PUBLIC_METHOD = {"mpesa_stk": "mpesa", "airtime": "airtime", "wallet": "wallet"}


def retry_hints(payment, to: str) -> list[str]:
    """The hint in the owner's language, long then short; none when SMS cannot act on it."""
    from app.booking.models import Order

    if payment.purpose != "order" or payment.order_id is None:
        return []
    order = db.session.get(Order, payment.order_id)
    user = db.session.get(User, order.user_id) if order else None
    if order is None or user is None or user.phone != to or order.status != "pending_payment":
        return []
    lang = user.language if user.language in METHOD_SHOWN else "en"
    failed = PUBLIC_METHOD.get(payment.method, "mpesa")
    others = [METHOD_SHOWN[lang][m] for m in ("wallet", "airtime", "mpesa") if m != failed]
    return [t("sms_pay_retry_hint", lang, code=order.code, other1=others[0], other2=others[1]),
            t("sms_pay_retry_hint_short", lang, code=order.code, other1=others[0])]


def register() -> None:
    """Connect the listener (idempotent: blinker keeps one connection per receiver)."""
    from app.payments.signals import payment_failed

    payment_failed.connect(retry_hints, weak=False)
