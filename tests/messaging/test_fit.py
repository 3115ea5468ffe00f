"""Every message, in every language, fits where it is sent — rendered with worst-case values.

Limits: an SMS is one 160-septet GSM-7 segment unless its English entry declares
``fit: sms 2`` (a concatenated SMS: 153 septets per segment); a USSD screen is 182
characters (``fit: ussd``). Every rendered character is GSM-7, so no message falls back
to UCS-2 (70 characters a segment). The worst-case values are the widest the call sites
pass: stop codes of 12 characters (the column), names cut where the channels cut them,
the largest amounts and the longest month in each language.
"""
from __future__ import annotations

import re
import string
from datetime import date, datetime

import pytest

from app.messaging import LANGUAGES, Amount, Day, Moment, gsm7, is_gsm7, t
from app.messaging.catalogue import entry, keys
from app.messaging.gsm import CONCATENATED_SEGMENT, SMS_SEGMENT, USSD_SCREEN, septets
MONTHS = range(1, 13)

# The widest value each placeholder gets, as the call sites cut it (see each comment).
WORST = {
    "amount": lambda m: Amount(99_999_999, "KES"),  # KES 999,999.99: above any fare, top-up or wallet
    "balance": lambda m: Amount(99_999_999, "KES"),
    "fee": lambda m: Amount(99_999_999, "KES"),  # withdrawal fee and limits (settings)
    "low": lambda m: Amount(99_999_999, "KES"),
    "high": lambda m: Amount(99_999_999, "KES"),
    "total": lambda m: Amount(99_999_999, "KES"),
    "carrier": lambda m: "C" * 30,  # carriers' names are cut to 30 (refunds, cancellation)
    "code": lambda m: "ABCDE-FGHJK",  # a formatted ticket code; booking codes have 8
    "route": lambda m: "NBOMACHAKOS1-ELDORETWEST9",  # two stop codes of 12 (the column)
    "when": lambda m: Moment(datetime(2026, m, 28, 23, 59)),
    "day": lambda m: Day(date(2026, m, 28)),
    "seat": lambda m: "W" * 8,  # the seat column
    "origin": lambda m: "Mtwapa Kisauni F",  # SMS cuts a city to 15, USSD to 11
    "destination": lambda m: "Kisumu Kondele B",
    "place": lambda m: "X" * 30,  # SMS commands cut an unknown word to 30
    "suggestion": lambda m: "Y" * 30,
    "word": lambda m: "Z" * 20,
    "count": lambda m: 10, "max": lambda m: 10, "last": lambda m: 9, "n": lambda m: 10,
    "percent": lambda m: 100, "minutes": lambda m: 15, "part": lambda m: 10, "parts": lambda m: 10,
    "currency": lambda m: "KES", "seats": lambda m: 100, "time": lambda m: "23:59",
    "price": lambda m: "150,000.50", "fare_class": lambda m: "Mwanafunzi", "fare": lambda m: "Mwanafunzi",
    "booking": lambda m: "7K37QBKA",
    "receipt": lambda m: "SBX1234567890A",  # M-Pesa receipts have 10, sandbox 14
    "reference": lambda m: "R" * 40,  # a payout's M-Pesa receipt, or the reference of one paid by hand
    "via": lambda m: "crédit téléphonique SBX1234567890A",
    "method": lambda m: "crédit téléphonique",
    "link": lambda m: "https://tickets.example.test/t/ABCDEFGHJK",
    "reason": lambda m: "R" * 110,  # a payment failure reason (the longest STK message)
    # SMS PAY and fare classes (channels/sms/commands): the longest words of any language.
    "classes": lambda m: "Kawaida, Mwanafunzi, Punguzo", "example": lambda m: "MWANAFUNZI",
    "other1": lambda m: "PORTEFEUILLE", "other2": lambda m: "AIRTIME",
    "mpesa": lambda m: "MPESA", "airtime": lambda m: "AIRTIME", "wallet": lambda m: "PORTEFEUILLE",
    "missing": lambda m: 150000, "until": lambda m: "23:59",
    "month": lambda m: "2027-06",  # a concession's "verified until" (app.ticketing.verdicts)
}
# Messages whose {code} is a booking code (8 characters), not a ticket code.
BOOKING_CODE = "7K37QBKA"
BOOKING_CODE_KEYS = {"trip_cancelled", "trip_cancelled_short", "receipt_paid", "receipt_paid_no_ref", "refund_to_wallet",
                     "refund_to_mpesa", "airtime_charge_text", "airtime_partial_refund",
                     "sms_airtime_to_mpesa", "sms_order_wallet", "unapplied_already_paid",
                     "sms_order_mpesa_ways", "sms_order_airtime_ways", "sms_payment_failed_ways",
                     "sms_airtime_not_payable", "sms_pay_ways", "sms_wallet_too_low", "sms_order_already_paid",
                     "sms_order_not_payable", "sms_no_such_order", "pay_another_way", "unpaid_order", "pay_unpaid",
                     "unapplied_seats_gone", "unapplied_not_payable"}
# Placeholders filled with another message: the longest of those messages, in the same language.
NESTED = {
    "message": lambda lang: [k for k in keys() if k.startswith(("stk_fail_", "airtime_fail_", "unapplied_"))],
    "refund": lambda lang: ["trip_refund_wallet", "trip_refund_mpesa"],
    "concession": lambda lang: ["concession_student", "concession_reduced"],
}


def _fields(key: str) -> set[str]:
    e = entry(key)
    found = set()
    for source in (e.source, e.plural or ""):
        found |= {name for _, name, _, _ in string.Formatter().parse(source) if name}
    return found


def limit(key: str) -> tuple[str, int]:
    """``("sms", n)``, ``("ussd", 1)`` or ``("any", 0)`` from the English entry's ``fit:``
    comment (default: one SMS). ``any``: the code sends it only when it fits, else a shorter one;
    ``page``: a web page (the scanner), no limit."""
    comments = " ".join(entry(key).comments)  # a PO editor may wrap a long comment
    found = re.search(r"fit:\s+(sms|ussd|any|page)(?:\s+(\d))?", comments)
    if found:
        return found.group(1), int(found.group(2) or 1)
    return "sms", 1


def _worst_renderings(key: str, lang: str):
    fields = _fields(key)
    unknown = fields - set(WORST) - set(NESTED)
    assert not unknown, f"{key}: give {unknown} a worst-case value in tests/messaging/test_fit.py"
    for month in MONTHS:
        values = {name: WORST[name](month) for name in fields if name in WORST and name != "n"}
        if key in BOOKING_CODE_KEYS:
            values["code"] = BOOKING_CODE
        for name in fields & set(NESTED):
            inner = [max(_worst_renderings(k, lang), key=len) for k in NESTED[name](lang)]
            values[name] = max(inner, key=len)
        yield t(key, lang, n=10 if "n" in fields or entry(key).plural else None, **values)
        if entry(key).plural:
            yield t(key, lang, n=1, **values)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_fits_its_channel_in_every_language(language):
    too_long = []
    for key in keys():
        channel, count = limit(key)
        if channel == "page":
            continue  # a web page: no segment, any character
        budget = USSD_SCREEN if channel == "ussd" else SMS_SEGMENT if count == 1 else CONCATENATED_SEGMENT * count
        worst = max(_worst_renderings(key, language), key=len)
        assert is_gsm7(worst), (key, language, worst)
        if channel != "any" and septets(worst) > budget:
            too_long.append(f"{language}/{key}: {len(worst)} > {budget}: {worst!r}")
    assert not too_long, "\n".join(too_long)


def test_a_declared_second_segment_is_needed_somewhere():
    """``fit: sms 2`` only where one segment is really too small (else it wastes money)."""
    for key in keys():
        channel, count = limit(key)
        if channel == "sms" and count > 1:
            longest = max(len(r) for lang in LANGUAGES for r in _worst_renderings(key, lang))
            assert longest > SMS_SEGMENT, f"{key} fits one SMS: drop its 'fit: sms {count}'"


@pytest.mark.parametrize("language", LANGUAGES)
def test_payment_failures_fit_one_sms_after_the_safiri_prefix(language):
    for key in keys():
        if key.startswith(("stk_fail_", "airtime_fail_")):
            assert len(t("safiri_says", language, message=t(key, language))) <= SMS_SEGMENT, (language, key)


def test_babel_spaces_become_plain_spaces_for_phones():
    assert t("cancelled", "fr", code="X", amount=Amount(160_000, "KES")) == \
        "Billet X annulé. 1 600 KES remboursés sur votre portefeuille."
    assert gsm7("1\u202f600\u00a0KES") == "1 600 KES"
