"""Every airtime failure reason the operator material lists gets its own clear message and
a suggestion, in each language, within one SMS ("Safiri: " + text, 160 GSM-7 characters)."""
from __future__ import annotations

import pytest

from app.payments.messages import AIRTIME_FAILURE_KEYS, airtime_failure_key, airtime_failure_message
from app.messaging import LANGUAGES, is_gsm7, keys, t
from app.messaging.catalogue import templates

# failureReason → the words that tell the passenger what happened (English).
LISTED = {
    "InsufficientCredit": "balance is too low",
    "InvalidLinkId": "request expired",
    "UserInBlacklist": "blocked premium messages",
    "UserInBlackList": "blocked premium messages",
    "UserAccountSuspended": "line is suspended",
    "UserNotSubscribedToProduct": "not signed up",
    "DeliveryFailure": "network could not complete",
    "AbsentSubscriber": "could not reach your phone",
    # SMSBUS refusals (wire names not published: our reading, see app.payments.messages)
    "UserIsCorporate": "Business and corporate lines",
    "UserIsPostpaid": "unpaid bill",
    "UserIsInactive": "not been topped up since it was activated",
    "InitialBalanceUnused": "starter balance",
    "SimChanged": "replaced in the last 24 hours",
}
SUGGESTIONS = {"en": "M-Pesa", "fr": "M-Pesa", "sw": "M-Pesa"}


@pytest.mark.parametrize("reason", sorted(LISTED))
def test_each_listed_reason_has_its_own_english_message(reason):
    message = airtime_failure_message(reason, "en")
    assert LISTED[reason] in message and "M-Pesa" in message
    assert airtime_failure_key(reason) != "airtime_fail_generic"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("reason", sorted(set(AIRTIME_FAILURE_KEYS) | set(LISTED) | {"SomethingNew", ""}))
def test_every_reason_reads_in_every_language_within_one_sms(reason, language):
    message = airtime_failure_message(reason, language)
    assert message == t(airtime_failure_key(reason), language)
    sms = f"Safiri: {message}"
    assert len(sms) <= 160 and is_gsm7(sms), (reason, language, len(sms), sms)
    assert SUGGESTIONS[language] in message


def test_distinct_situations_get_distinct_messages_in_every_language():
    keys = sorted({airtime_failure_key(r) for r in LISTED})
    assert len(keys) == 12  # twelve situations, each its own text
    for language in LANGUAGES:
        assert len({t(key, language) for key in keys}) == len(keys)
        assert len({t(key, language) for key in keys} | {t("airtime_fail_generic", language)}) == len(keys) + 1


def test_unknown_reason_falls_back_to_a_generic_message():
    assert airtime_failure_message("SomethingNew") == "The airtime payment did not go through. Please try again or pay by M-Pesa."
    assert airtime_failure_message(None, "sw") == t("airtime_fail_generic", "sw")


def test_french_uses_only_accents_gsm7_has():
    for key in keys():
        entry = templates(key)
        if key.startswith("airtime"):
            assert not set(entry["fr"]) & set("êâîôûçÊÂÎÔÛÇ"), key
