"""What the passenger is told: operator result codes mapped to message catalogue keys.

Kept apart from the settlement logic so USSD, SMS and the app all say the same thing; the
sentences themselves (en/fr/sw) live in the catalogue (``app.messaging``).
"""
from __future__ import annotations

from app.auth.models import User
from app.extensions import db
from app.messaging import has, t, text

# Daraja STK ResultCodes with a message of their own (``stk_fail_<code>`` in the catalogue);
# any other code is ``stk_fail_generic``.
STK_FAILURE_CODES = ("1", "1001", "1019", "1025", "9999", "1032", "1037", "2001", "17", "26")


# Africa's Talking premium-SMS (airtime) failureReason -> catalogue key (app.messaging,
# en/fr/sw). The fixtures README and the AT SDK name InsufficientCredit, InvalidLinkId,
# UserInBlacklist, UserAccountSuspended, UserNotSubscribedToProduct and DeliveryFailure.
# The SMSBUS material describes further refusals (business/corporate numbers, unpaid
# post-paid balance, no top-up since activation, initial balance unused, SIM replaced in the
# last 24 h) without their exact wire names: the names below are our best reading, matched
# case-insensitively, and anything unknown falls back to ``airtime_fail_generic``.
AIRTIME_FAILURE_KEYS = {
    "InsufficientCredit": "low_credit",
    "InsufficientBalance": "low_credit",
    "UserIsCorporate": "corporate",
    "CorporateNumber": "corporate",
    "BusinessNumber": "corporate",
    "UserIsPostpaid": "postpaid_unpaid",
    "PostpaidUnpaidBalance": "postpaid_unpaid",
    "UserHasUnpaidBalance": "postpaid_unpaid",
    "UserIsInactive": "never_topped_up",
    "UserNotActive": "never_topped_up",
    "NoTopUpSinceActivation": "never_topped_up",
    "InitialBalanceUnused": "initial_balance",
    "UserHasInitialBalance": "initial_balance",
    "SimChanged": "sim_changed",
    "SimSwap": "sim_changed",
    "SimReplaced": "sim_changed",
    "InvalidLinkId": "link_expired",
    "UserInBlacklist": "blacklisted",  # also spelled UserInBlackList (matched case-insensitively)
    "UserAccountSuspended": "suspended",
    "UserNotSubscribedToProduct": "not_subscribed",
    "DeliveryFailure": "network",
    "AbsentSubscriber": "absent",
    "UserAbsent": "absent",
}
_AIRTIME_KEYS_FOLDED = {name.lower(): key for name, key in AIRTIME_FAILURE_KEYS.items()}
# The passenger-facing meaning of each key, for people reading logs and docs.
AIRTIME_FAILURE_KINDS = sorted(set(AIRTIME_FAILURE_KEYS.values()))


def stk_failure_key(code) -> str:
    """The catalogue key for a Daraja STK ResultCode (``stk_fail_generic`` when unmapped)."""
    code = str(code)
    return f"stk_fail_{code}" if code in STK_FAILURE_CODES else "stk_fail_generic"


def stk_failure_message(code, language: str | None = None) -> str:
    """What the passenger is told when an M-Pesa prompt fails, with what to do next."""
    return t(stk_failure_key(code), language)


def airtime_failure_key(reason: str | None) -> str:
    """The catalogue key for an airtime failureReason (``airtime_fail_generic`` when unknown)."""
    return "airtime_fail_" + _AIRTIME_KEYS_FOLDED.get((reason or "").strip().lower(), "generic")


def airtime_failure_message(reason: str | None, language: str | None = None) -> str:
    """What the passenger is told for an airtime failure, with what to do instead."""
    return t(airtime_failure_key(reason), language)


def payer_language(payment) -> str | None:
    """The language of the payment's account holder: every text about a payment uses it."""
    user = db.session.get(User, payment.user_id) if payment.user_id else None
    return user.language if user else None


def say(payment, message: str | None) -> str | None:
    """``message`` for the payment's ``message`` field: a catalogue key (what providers and
    settlement name) rendered in the payer's language; any other text as it is."""
    if message and has(message):
        return text(message, payer_language(payment))
    return message
