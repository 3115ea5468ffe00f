"""Amounts, dates and times as each language writes them, by Babel (CLDR data).

Why not f-strings: "KES 1,600" is English; a French reader expects "1 600 KES", a
Swahili one "Ago" for August. Babel knows these conventions per locale, so adding a
language is a line in ``BABEL_LOCALES``, not a new formatting table. Every result uses
plain spaces (Babel's U+00A0/U+202F are not GSM-7) so it can go into an SMS as is.
"""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal

from app.core.money import MINOR_UNITS

# The catalogue language -> the Babel locale whose conventions it follows.
BABEL_LOCALES = {"en": "en", "fr": "fr", "sw": "sw_KE"}
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})


def babel_locale(language: str | None) -> str:
    """The Babel locale for a catalogue language (English for anything unknown)."""
    return BABEL_LOCALES.get(language or "en", "en")


@lru_cache(maxsize=None)
def _locale(code: str) -> Locale:
    """One parsed ``Locale`` per code, its data loaded once.

    Why: given a locale *name*, Babel parses a new ``Locale`` on every call, and its data is
    fetched again through ``babel.localedata.load``, under one process-wide lock. A
    threaded worker's USSD steps queued on that lock (py-spy: 18% of a worker's samples on
    the "which trip" screen's dates, issue 17)."""
    return Locale.parse(code)


@lru_cache(maxsize=None)
def _money_patterns(locale: str) -> tuple[str, str]:
    """The locale's currency pattern with the ISO code (``¤¤``), with and without cents."""
    pattern = Locale.parse(locale).currency_formats["standard"].pattern.split(";")[0]
    pattern = pattern.replace("¤", "¤¤")
    # CLDR wants a space between a currency code and digits; Babel does not add it.
    pattern = pattern.replace("¤¤#", "¤¤\u00a0#").replace("0¤¤", "0\u00a0¤¤")
    return pattern, pattern.replace(".00", "")


def money(amount: int, currency: str, language: str | None = "en") -> str:
    """``amount`` minor units as ``language`` writes money: ``KES 1,600``, ``1 600 KES``.

    Cents appear only when there are some (``KES 1,600.50``); the ISO code is used rather
    than a symbol, since the same text goes to phones that show "Ksh" in no font.
    """
    exponent = MINOR_UNITS.get(currency, 2)
    value = Decimal(int(amount)).scaleb(-exponent)
    with_cents, whole = _money_patterns(babel_locale(language))
    pattern = whole if value == value.to_integral_value() else with_cents
    return format_currency(value, currency, format=pattern, locale=_locale(babel_locale(language)),
                           currency_digits=False).translate(_SPACES)


def amount_only(amount: int, currency: str, language: str | None = "en") -> str:
    """The number of ``money`` without the currency (``1,600`` / ``1 600``), for lists whose
    title names the currency once (the USSD trip list)."""
    exponent = MINOR_UNITS.get(currency, 2)
    value = Decimal(int(amount)).scaleb(-exponent)
    pattern = "#,##0" if value == value.to_integral_value() else "#,##0." + "0" * exponent
    return format_decimal(value, format=pattern, locale=_locale(babel_locale(language))).translate(_SPACES)


def short_date(day: date | datetime, language: str | None = "en") -> str:
    """``30 Sep`` / ``30 sept.`` / ``30 Sep``: a day on a small screen, month in ``language``."""
    return format_date(day, "dd MMM", locale=_locale(babel_locale(language))).translate(_SPACES)


def weekday_date(day: date | datetime, language: str | None = "en") -> str:
    """``Thu 03 Dec`` / ``jeu. 03 déc.`` / ``Alhamisi 03 Des``: a travel day named in full."""
    return format_date(day, "EEE dd MMM", locale=_locale(babel_locale(language))).translate(_SPACES)


def clock(moment: time | datetime, language: str | None = "en") -> str:
    """``07:05``: the 24-hour clock every language here reads (Babel's short time format)."""
    return format_time(moment, "HH:mm", locale=_locale(babel_locale(language))).translate(_SPACES)


class Amount(NamedTuple):
    """Money to show in a message: formatted in the message's language when it is rendered."""

    amount: int
    currency: str


class Day(NamedTuple):
    """A travel day to show in a message (``03 Dec`` / ``03 déc.`` / ``03 Des``)."""

    day: date


class Moment(NamedTuple):
    """A local date and time to show in a message (``03 Dec 08:00``)."""

    at: datetime


def localize(value, language: str | None):
    """``value`` as ``language`` writes it when it is an Amount, Day or Moment; else as is."""
    if isinstance(value, Amount):
        return money(value.amount, value.currency, language)
    if isinstance(value, Day):
        return short_date(value.day, language)
    if isinstance(value, Moment):
        return f"{short_date(value.at, language)} {clock(value.at, language)}"
    return value
