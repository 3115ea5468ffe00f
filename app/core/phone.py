"""Phone numbers: the passenger's identity, so they are always stored in E.164.

Input comes in local forms (``0711 000111``), international forms, and from operators
as ``254711000111`` without a plus; ``normalize_phone`` turns all of them into
``+254711000111`` or raises ``InvalidPhone`` with a message a person can act on.
"""
from __future__ import annotations

from functools import lru_cache

import phonenumbers


class InvalidPhone(ValueError):
    """The text is not a valid mobile number."""


def normalize_phone(raw: str, country: str = "KE") -> str:
    """Return the E.164 form of ``raw``, reading local numbers as ``country``'s."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidPhone("A phone number is required.")
    return _normalized(raw, country)


@lru_cache(maxsize=4096)
def _normalized(raw: str, country: str) -> str:
    """Why cached: every USSD step and SMS reads the caller's number again, and parsing it
    with ``phonenumbers`` was ~1 ms of a step's CPU; the answer for a text never changes
    (an invalid number raises, which is not cached)."""
    text = raw.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    # Operators send international numbers without the plus (2547XXXXXXXX).
    if not text.startswith(("+", "0")) and len(digits) >= 11:
        text = "+" + digits
    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(f"{raw!r} is not a phone number.") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"{raw!r} is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str | None) -> str:
    """A loggable form: country code and last four digits only (``+2547****0111``)."""
    if not e164:
        return "<none>"
    if len(e164) <= 8:
        return "****"
    return f"{e164[:5]}****{e164[-4:]}"


def msisdn(e164: str) -> str:
    """The form Daraja wants: digits only, no plus (``254711000111``)."""
    return e164.lstrip("+")
