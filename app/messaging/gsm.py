"""The GSM-7 alphabet: what a feature phone shows without switching a message to UCS-2.

Why here: every SMS and USSD screen is rendered from the message catalogue, and a single
character outside GSM 03.38's basic set (an "ê", a narrow no-break space from a number
format) would turn a 160-character SMS into a 70-character one. Catalogue texts are
tested to stay inside the set; dynamic values (stop names typed by carriers, amounts
formatted by Babel) go through ``gsm7`` before they reach a phone.
"""
from __future__ import annotations

import unicodedata

# GSM 03.38 basic character set (the extension table costs two septets; we avoid it).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each of these costs two septets (an escape, then the character).
GSM7_EXTENSION = frozenset("^{}\\[]~|\u20ac\f")
SMS_SEGMENT = 160  # septets in one single-part SMS
CONCATENATED_SEGMENT = 153  # septets per part of a multi-part SMS (7 go to the part header)
USSD_SCREEN = 182  # characters on one USSD screen
USSD_SHOWN = 160  # what the menus fill: some handsets show fewer than USSD_SCREEN


def septets(text: str) -> int:
    """Septets ``text`` takes in a GSM-7 SMS: one per basic character, two per extension one."""
    return sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)


def gsm7(text: str) -> str:
    """``text`` with every character outside the GSM-7 basic set replaced by a look-alike.

    Accents the alphabet lacks are stripped ("Kisumu Côte" → "Kisumu Cote"); Babel's
    no-break spaces (U+00A0, U+202F) become plain spaces; anything that has no ASCII form
    becomes "?" rather than forcing the whole message into UCS-2.
    """
    if GSM7_BASIC.issuperset(text):
        return text  # the usual case, checked in one C loop: every USSD screen passes here
    out = []
    for ch in text:
        if ch in GSM7_BASIC:
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append("".join(c if c in GSM7_BASIC else "?" for c in base) or "?")
    return "".join(out)


def is_gsm7(text: str) -> bool:
    """True when every character of ``text`` is in the GSM-7 basic set."""
    return GSM7_BASIC.issuperset(text)


def fold_keyword(text: str) -> str:
    """Upper-case ASCII without accents: how SMS keywords are compared ("Réserver" → "RESERVER")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
