"""Short ticket codes for passengers without a smartphone (SMS, USSD, a
conductor typing into a phone).

Format: 10 characters of Crockford base32 (``0-9A-Z`` without I L O U): nine
random symbols (45 bits from :mod:`secrets`) and one check symbol from the
same alphabet, so the code stays typeable on a keypad and readable over the
phone. Shown as ``XXXXX-XXXXX``; the dash and any spaces are optional.

Why this check symbol: a plain weighted sum mod 32 cannot catch every
adjacent transposition (32 is even), and Crockford's own mod-37 check needs
five extra symbols (``*~$=U``). Instead the symbols are treated as elements
of GF(32) (polynomial basis, modulus x^5 + x^2 + 1) and the check symbol is
the Horner sum ``c = sum(alpha^(10-i) * v_i for i = 1..9)`` with alpha = x
(the value 2). Equivalently, running ``acc = alpha*acc XOR v`` over all ten
symbols must end at 0. A single substitution changes the sum by
``alpha^k * e`` (non-zero); swapping neighbours a, b changes it by
``alpha^k * (alpha+1) * (a XOR b)`` (non-zero), so every single-symbol error
and every adjacent transposition is detected. That lets an SMS reply say
"this code has a typo" rather than "no such ticket".
"""

from __future__ import annotations

import hashlib
import secrets

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "check_symbol",
    "format_short_code",
    "is_well_formed",
    "new_short_code",
    "normalize_short_code",
    "short_code_hash",
]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
_RANDOM_SYMBOLS = CODE_LENGTH - 1
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_MODULUS = 0b100101  # x^5 + x^2 + 1, primitive over GF(2)
# Crockford decoding: look-alikes map onto the symbol they resemble.
_TRANSLATE = str.maketrans({"O": "0", "I": "1", "L": "1", " ": None, "-": None})


def _times_alpha(value: int) -> int:
    value <<= 1
    return value ^ _MODULUS if value & 0b100000 else value


def _horner(symbols: str) -> int:
    acc = 0
    for char in symbols:
        acc = _times_alpha(acc) ^ _VALUE[char]
    return acc


def check_symbol(data: str) -> str:
    """The check symbol for nine data symbols (already normalised)."""
    if len(data) != _RANDOM_SYMBOLS or any(c not in _VALUE for c in data):
        raise ValueError(f"need {_RANDOM_SYMBOLS} Crockford base32 symbols")
    return ALPHABET[_times_alpha(_horner(data))]


def new_short_code() -> str:
    """A fresh unguessable code (normalised form, no dash)."""
    value = secrets.randbits(5 * _RANDOM_SYMBOLS)
    data = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in range(_RANDOM_SYMBOLS))
    return data + check_symbol(data)


def normalize_short_code(text: str) -> str:
    """What the passenger typed, in canonical form: upper case, no spaces or
    dashes, O read as 0 and I/L as 1. Does not check the result."""
    return text.upper().translate(_TRANSLATE)


def is_well_formed(code: str) -> bool:
    """True when ``code`` (raw or normalised) has the right length and
    alphabet and its check symbol holds. False means "typo", whereas a
    well-formed code that matches no ticket means "wrong code"."""
    if not isinstance(code, str):
        return False
    code = normalize_short_code(code)
    if len(code) != CODE_LENGTH or any(c not in _VALUE for c in code):
        return False
    return _horner(code) == 0


def format_short_code(code: str) -> str:
    """Display form ``XXXXX-XXXXX`` (SMS, receipts)."""
    code = normalize_short_code(code)
    return f"{code[:5]}-{code[5:]}"


def short_code_hash(code: str) -> str:
    """SHA-256 hex of the normalised code, for offline manifests.

    This hides codes from a casual reader of a manifest, nothing more:
    45 bits can be brute-forced with enough GPU time, so manifests still
    belong only on staff devices.
    """
    return hashlib.sha256(normalize_short_code(code).encode("utf-8")).hexdigest()
