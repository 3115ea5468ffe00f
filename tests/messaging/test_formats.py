"""Amounts and dates as each language writes them (Babel), with spaces a phone can show."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from app.messaging import Amount, Day, Moment, amount_only, is_gsm7, money, short_date, t


@pytest.mark.parametrize("language, whole, cents", [
    ("en", "KES 1,600", "KES 150,000.50"),
    ("fr", "1 600 KES", "150 000,50 KES"),
    ("sw", "KES 1,600", "KES 150,000.50"),
])
def test_money_per_language(language, whole, cents):
    assert money(160_000, "KES", language) == whole
    assert money(15_000_050, "KES", language) == cents
    assert "\u00a0" not in money(160_000, "KES", language) and "\u202f" not in money(160_000, "KES", language)


def test_currencies_without_cents_and_numbers_alone():
    assert money(5_000, "UGX", "fr") == "5 000 UGX"
    assert amount_only(160_000, "KES", "fr") == "1 600" and amount_only(160_050, "KES", "en") == "1,600.50"


@pytest.mark.parametrize("language, august, december", [
    ("en", "03 Aug", "24 Dec"), ("fr", "03 août", "24 déc."), ("sw", "03 Ago", "24 Des"),
])
def test_months_in_the_language(language, august, december):
    assert short_date(date(2026, 8, 3), language) == august
    assert short_date(date(2026, 12, 24), language) == december


def test_values_in_a_message_follow_its_language_and_stay_gsm7():
    text = t("ticket_sms_header", "fr", n=2, route="NBO-ELD", when=Moment(datetime(2026, 8, 3, 7, 5)),
             total=Amount(320_000, "KES"))
    assert text == "Safiri 2 billets NBO-ELD 03 aout 07:05 3 200 KES"  # "û" has no GSM-7 form
    assert is_gsm7(text)
    assert t("no_trips", "sw", day=Day(date(2026, 12, 24))) == "Hakuna safari tarehe 24 Des."
