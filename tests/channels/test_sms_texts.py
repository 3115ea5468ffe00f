"""The SMS replies of fare classes, PAY, HISTORY and RESEND fit one GSM-7 SMS in every language."""
import pytest

from channels.i18n import LANGUAGES, SMS_SEGMENT, is_gsm7, t
from channels.sms.commands.parse import CLASS_SHOWN, METHOD_SHOWN

KEYS = [
    "sms_help_commands", "sms_help_buy", "sms_help_pay", "sms_offers_head_class", "sms_class_not_sold",
    "sms_unknown_class", "sms_did_you_mean_class", "sms_order_mpesa_ways", "sms_order_airtime_ways",
    "sms_airtime_not_payable", "sms_pay_usage", "sms_pay_ways", "sms_no_such_order", "sms_order_already_paid",
    "sms_order_not_payable", "sms_bad_method", "sms_did_you_mean_method", "sms_wallet_too_low",
    "sms_history_title", "sms_no_history", "sms_ticket_used", "sms_ticket_cancelled", "sms_ticket_refunded",
    "sms_ticket_expired", "sms_resend_usage", "sms_more_tickets",
]
# Two segments allowed (the operator's failure reason has no bound of its own):
# sms_payment_failed_ways.
LIMIT = SMS_SEGMENT


def _worst(language: str) -> dict:
    methods = sorted(METHOD_SHOWN[language].values(), key=len, reverse=True)
    classes = CLASS_SHOWN[language]
    longest_class = max(classes.values(), key=len)
    return {
        "code": "K7Q2ABCD", "total": "KES 1,500,000", "balance": "KES 1,500,000", "missing": "1500000",
        "origin": "O" * 15, "destination": "D" * 15, "day": "30 Sep", "count": 10, "until": "23:59",
        "fare_class": longest_class, "suggestion": methods[0], "word": "W" * 20,
        "classes": ", ".join(classes.values()), "example": classes["student"],
        "other1": methods[0], "other2": methods[1], **{m: METHOD_SHOWN[language][m] for m in METHOD_SHOWN[language]},
    }


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("key", KEYS)
def test_each_new_sms_text_fits_one_sms_with_worst_case_values(key, language):
    text = t(key, language, **_worst(language))
    assert is_gsm7(text), text
    assert len(text) <= LIMIT, f"{key}/{language}: {len(text)} characters\n{text}"

