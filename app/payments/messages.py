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

# Africa's Talking premium-SMS (airtime) failureReason -> passenger-facing reason.
AIRTIME_FAILURES = {
    "InsufficientCredit": "Your airtime balance is too low for this payment. Top up airtime or pay by M-Pesa.",
    "UserIsPostpaid": "Post-paid and corporate lines cannot pay with airtime. Please pay by M-Pesa.",
    "InvalidLinkId": "Post-paid and corporate lines cannot pay with airtime. Please pay by M-Pesa.",
    "SimChanged": "Your SIM card was changed in the last 24 hours, so airtime payments are blocked for now. Please pay by M-Pesa.",
    "UserIsInactive": "Your line has never been topped up, so it cannot pay with airtime. Please pay by M-Pesa.",
    "UserNotActive": "Your line has never been topped up, so it cannot pay with airtime. Please pay by M-Pesa.",
    "UserInBlackList": "Your line has blocked premium messages, so it cannot pay with airtime. Please pay by M-Pesa.",
    "UserInBlacklist": "Your line has blocked premium messages, so it cannot pay with airtime. Please pay by M-Pesa.",
    "DeliveryFailure": "Your network could not complete the airtime charge. Please try again or pay by M-Pesa.",
    "AbsentSubscriber": "We could not reach your phone. Check it is on and has signal, then try again.",
    "UserAbsent": "We could not reach your phone. Check it is on and has signal, then try again.",
}
AIRTIME_GENERIC = "The airtime payment did not go through. Please try again or pay by M-Pesa."


def stk_failure_message(code) -> str:
    return STK_FAILURES.get(str(code), GENERIC_FAILURE)


def airtime_failure_message(reason: str | None) -> str:
    return AIRTIME_FAILURES.get(reason or "", AIRTIME_GENERIC)
