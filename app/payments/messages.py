"""What the passenger is told: operator result codes mapped to plain, actionable sentences.

Kept apart from the settlement logic so USSD, SMS and the app all say the same thing.
"""
from __future__ import annotations

GENERIC_FAILURE = "The payment did not go through. Your seat stays held until the hold expires; please try again."

# Daraja STK ResultCode -> passenger-facing reason.
STK_FAILURES = {
    "1": "Your M-Pesa balance is too low for this payment. Top up M-Pesa and try again.",
    "1001": "Another M-Pesa transaction is in progress on your phone. Wait a minute and try again.",
    "1019": "The M-Pesa request expired before it was answered. Please try again.",
    "1025": "M-Pesa could not send the payment prompt. Please try again.",
    "9999": "M-Pesa could not send the payment prompt. Please try again.",
    "1032": "You cancelled the M-Pesa request. Your seat stays held for a few minutes; try again to keep it.",
    "1037": "We could not reach your phone for the M-Pesa PIN. Check it is on and has signal, then try again.",
    "2001": "The M-Pesa PIN was wrong. Please try again.",
    "17": "M-Pesa had an internal problem. Please try again in a minute.",
    "26": "M-Pesa is busy right now. Please try again in a minute.",
}

# Africa's Talking premium-SMS (airtime) failureReason -> catalogue key (channels.i18n,
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


def stk_failure_message(code) -> str:
    return STK_FAILURES.get(str(code), GENERIC_FAILURE)


def airtime_failure_key(reason: str | None) -> str:
    """The catalogue key for an airtime failureReason (``airtime_fail_generic`` when unknown)."""
    return "airtime_fail_" + _AIRTIME_KEYS_FOLDED.get((reason or "").strip().lower(), "generic")


def airtime_failure_message(reason: str | None, language: str | None = None) -> str:
    """What the passenger is told for an airtime failure, with what to do instead."""
    from channels.i18n import t

    return t(airtime_failure_key(reason), language)
