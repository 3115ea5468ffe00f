"""Channel code's door to the message catalogue (``app.messaging``): a thin re-export.

Why keep it: USSD menus and SMS commands import their texts from here, and the catalogue
itself (gettext ``.po`` files in en/fr/sw, read with Babel) lives in ``app.messaging``,
below the channels. Nothing is defined here but the GSM-7-safe short date.
"""
from __future__ import annotations

from app.messaging import (  # noqa: F401  (re-exported for channels)
    LANGUAGE_NAMES,
    LANGUAGES,
    SMS_SEGMENT,
    USSD_SHOWN,
    error_text,
    fold_keyword,
    gsm7,
    is_gsm7,
    lang_or_default,
    t,
)
from app.messaging import short_date as _short_date
from app.messaging.gsm import GSM7_BASIC  # noqa: F401


def short_date(day, language: str | None) -> str:
    """``03 Aug`` / ``03 aout`` / ``03 Ago``: the month in ``language``, GSM-7 safe."""
    return gsm7(_short_date(day, language))
