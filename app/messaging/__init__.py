"""Messaging: what people are told (the catalogue) and how it reaches them (the SMS outbox).

``app.messaging.catalogue`` holds every passenger-facing text in en/fr/sw (gettext ``.po``
files read with Babel); ``app.messaging.formats`` writes amounts and dates per language;
``app.messaging.service`` queues an SMS in the caller's transaction and sends it after
commit. Import the catalogue API from here: ``from app.messaging import t``.
"""
from app.messaging.catalogue import (  # noqa: F401  (the public API)
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    LANGUAGES,
    error_text,
    has,
    keys,
    lang_or_default,
    t,
    text,
)
from app.messaging.formats import Amount, Day, Moment, amount_only, clock, money, short_date, weekday_date  # noqa: F401
from app.messaging.gsm import (  # noqa: F401
    CONCATENATED_SEGMENT,
    GSM7_EXTENSION,
    SMS_SEGMENT,
    USSD_SCREEN,
    USSD_SHOWN,
    fold_keyword,
    gsm7,
    is_gsm7,
    septets,
)
