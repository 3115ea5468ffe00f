"""Tickets: the signed e-ticket and everything a gate needs to check it.

The modules imported here are pure (no database, no Flask): a scanner app or
CI can use them alone. ``tickets.qr`` is left out so that verifying does not
pull in Pillow; import it where codes are rendered.
"""

from tickets.codec import FareClass, InvalidPayload, TicketClaims, decode_unverified, encode
from tickets.keys import Keyring, KeyringError, generate_keyring_file, resolve_keyring
from tickets.shortcode import is_well_formed, new_short_code, normalize_short_code, short_code_hash
from tickets.verifier import VerificationResult, Verifier

__all__ = [
    "FareClass",
    "InvalidPayload",
    "Keyring",
    "KeyringError",
    "TicketClaims",
    "VerificationResult",
    "Verifier",
    "decode_unverified",
    "encode",
    "generate_keyring_file",
    "is_well_formed",
    "new_short_code",
    "normalize_short_code",
    "resolve_keyring",
    "short_code_hash",
]
