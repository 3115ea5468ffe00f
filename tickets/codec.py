"""The signed ticket payload: a fixed binary layout, Base45 text, one QR code.

Why a hand-made binary layout and not JSON/CWT: the whole ticket must fit a
QR code of version 6 at error correction M (154 alphanumeric characters) so
that a cheap phone camera in a dim matatu still reads it. An Ed25519 signature
alone is 64 bytes (96 Base45 characters); the claims get 22 bytes, fixed
width, big-endian (format version 2)::

    off len field
      0   1 format version (0x02)
      1   1 key number; the key's JWK kid is "k<number>" (e.g. 0x02 -> "k2")
      2   5 ticket id, uint40
      7   4 trip id, uint32
     11   2 seat index, uint16: 0-based position of the seat label in the
            trip vehicle's seat layout when the ticket was issued
     13   1 fare class code (0 standard, 1 student, 2 reduced)
     14   4 valid-from, uint32 unix seconds (UTC)
     18   4 valid-until, uint32 unix seconds (UTC)
     22  64 Ed25519 signature over CONTEXT + bytes 0..21

Why an index and not the label: version 1 carried the label as 1-4 characters
of [0-9A-Z], so ``12a`` was signed as ``12A`` and ``A-1`` or ``VIP01`` could
not be carried at all. Any label a carrier types fits an index; a verifier maps
it back to the label through the trip manifest's ``seat_layout``.

The text form is ``PREFIX + base45(bytes 0..85)``: 4 + 129 = 133 characters,
all in the QR alphanumeric charset. Every ticket has the same length, so the
"longest realistic ticket" is every ticket. docs/ticket-format.md is the
normative description; this module and that document must agree (the format
test vectors parse the document). Version 1 payloads are rejected.

Decoding is strict and canonical (one text per byte string, no lower case,
no trailing garbage), so a changed character either fails to decode or
changes the signed bytes.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import StrEnum

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = [
    "BASE45_ALPHABET",
    "BODY_FORMAT",
    "BODY_LENGTH",
    "CONTEXT",
    "FORMAT_VERSION",
    "PAYLOAD_LENGTH",
    "PREFIX",
    "SIGNATURE_LENGTH",
    "FareClass",
    "InvalidPayload",
    "MAX_SEAT_INDEX",
    "TicketClaims",
    "b45decode",
    "b45encode",
    "decode_unverified",
    "encode",
    "format_kid",
    "parse_body",
    "parse_kid",
    "signing_input",
    "split_payload",
]

PREFIX = "SF1:"
FORMAT_VERSION = 2
# Domain separation: a signature made for a ticket can never be replayed as a
# signature over some other message of the same key, and vice versa.
CONTEXT = b"SAFIRI-TICKET\x00"
BODY_LENGTH = 22
SIGNATURE_LENGTH = 64
PAYLOAD_LENGTH = len(PREFIX) + (BODY_LENGTH + SIGNATURE_LENGTH) // 2 * 3  # 133
_PREFIX_LENGTH = len(PREFIX)

BODY_FORMAT = ">BB5sIHBII"  # struct format of the 22-byte body (see table above)
_BODY = struct.Struct(BODY_FORMAT)
assert _BODY.size == BODY_LENGTH

MAX_TICKET_ID = 2**40 - 1
MAX_TRIP_ID = 2**32 - 1
MAX_TIMESTAMP = 2**32 - 1
MAX_SEAT_INDEX = 2**16 - 1
_KID_RE = re.compile(r"k(0|[1-9][0-9]{0,2})\Z")


class InvalidPayload(ValueError):
    """Any reason a text is not a well-formed ticket payload (before signatures)."""


class FareClass(StrEnum):
    """Fare classes a gate may need to see (a student must show a student card)."""

    STANDARD = "standard"
    STUDENT = "student"
    REDUCED = "reduced"


_FARE_CODES: dict[FareClass, int] = {
    FareClass.STANDARD: 0,
    FareClass.STUDENT: 1,
    FareClass.REDUCED: 2,
}
_FARE_BY_CODE: dict[int, FareClass] = {v: k for k, v in _FARE_CODES.items()}


def format_kid(number: int) -> str:
    """JWK kid of key number ``number`` (the byte at offset 1)."""
    if not 0 <= number <= 255:
        raise ValueError("key number must be 0..255")
    return f"k{number}"


def parse_kid(kid: str) -> int:
    """Key number of a kid "k0".."k255" (canonical decimal, no leading zeros)."""
    if not isinstance(kid, str) or not _KID_RE.match(kid) or int(kid[1:]) > 255:
        raise ValueError(f"kid must be 'k0'..'k255', got {kid!r}")
    return int(kid[1:])


_KIDS = tuple(format_kid(number) for number in range(256))  # parse_body's, made once
_set_field = object.__setattr__  # how a frozen dataclass sets its own fields

_EARLIEST = datetime.fromtimestamp(0, timezone.utc)
_LATEST = datetime.fromtimestamp(MAX_TIMESTAMP, timezone.utc)


def _utc_seconds(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    if value.tzinfo is not timezone.utc or value.microsecond:  # decoding skips this
        value = value.astimezone(timezone.utc).replace(microsecond=0)
    if not _EARLIEST <= value <= _LATEST:
        raise ValueError(f"{name} is outside 1970..2106")
    return value


@dataclass(frozen=True, slots=True)
class TicketClaims:
    """What a ticket asserts. Times are normalised to whole seconds in UTC
    (the payload stores seconds), so ``decode(encode(c)).claims == c``."""

    ticket_id: int
    trip_id: int
    seat_index: int
    fare_class: FareClass
    valid_from: datetime
    valid_until: datetime
    kid: str

    def __post_init__(self) -> None:
        def put(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        if type(self.ticket_id) is not int or not 0 <= self.ticket_id <= MAX_TICKET_ID:
            raise ValueError("ticket_id must be an int in 0..2**40-1")
        if type(self.trip_id) is not int or not 0 <= self.trip_id <= MAX_TRIP_ID:
            raise ValueError("trip_id must be an int in 0..2**32-1")
        if type(self.seat_index) is not int or not 0 <= self.seat_index <= MAX_SEAT_INDEX:
            raise ValueError("seat_index must be an int in 0..2**16-1")
        put("fare_class", FareClass(self.fare_class))
        put("valid_from", _utc_seconds(self.valid_from, "valid_from"))
        put("valid_until", _utc_seconds(self.valid_until, "valid_until"))
        if self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        parse_kid(self.kid)


# --- Base45 (RFC 9285) -------------------------------------------------------

BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
# bytes.translate table: alphabet character -> its value, anything else -> 0xFF.
# Decoding through it keeps the per-scan cost of the verifier low (one C call
# instead of 129 dict lookups).
_B45_TABLE = bytes(
    BASE45_ALPHABET.index(chr(i)) if chr(i) in BASE45_ALPHABET else 0xFF for i in range(256)
)


def b45encode(data: bytes) -> str:
    """RFC 9285 Base45: 2 bytes -> 3 characters (low digit first), a final
    odd byte -> 2 characters."""
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        n, c = divmod(n, 45)
        e, d = divmod(n, 45)
        out.append(BASE45_ALPHABET[c] + BASE45_ALPHABET[d] + BASE45_ALPHABET[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out.append(BASE45_ALPHABET[c] + BASE45_ALPHABET[d])
    return "".join(out)


def b45decode(text: str) -> bytes:
    """Strict RFC 9285 decoding: rejects foreign characters, a dangling
    character and out-of-range groups (which keeps the encoding canonical)."""
    if not isinstance(text, str) or len(text) % 3 == 1:
        raise InvalidPayload("bad Base45 length")
    try:
        raw = text.encode("ascii").translate(_B45_TABLE)
    except UnicodeEncodeError:
        raise InvalidPayload("character outside the Base45 alphabet") from None
    if b"\xff" in raw:
        raise InvalidPayload("character outside the Base45 alphabet")
    groups = len(raw) // 3
    out = _combine_groups(raw, groups)
    if out is None:
        raise InvalidPayload("Base45 group out of range")
    full = 3 * groups
    if full != len(raw):
        n = raw[-2] + 45 * raw[-1]
        if n > 0xFF:
            raise InvalidPayload("Base45 group out of range")
        out += bytes((n,))
    return out


def _combine_groups(raw: bytes, groups: int) -> bytes | None:
    """The first ``groups`` 3-digit groups of ``raw`` (digit values, low digit
    first) as big-endian 16-bit numbers; None if one is over 0xFFFF.

    Why the big integers: a Python loop over 43 groups was the largest cost of
    an offline verify after Ed25519 itself. Each digit position is spread into
    its own 32-bit lane of one integer (bytearray slice assignment, in C), the
    three integers are combined as ``c + 45 d + 2025 e`` in one go (no lane can
    carry into the next: 44 + 45*44 + 2025*44 = 91124 < 2**32), and the lanes'
    low halves are the output; a non-zero byte above them is an out-of-range
    group.
    """
    end = 3 * groups
    lanes = bytearray(4 * groups)
    lanes[3::4] = raw[0:end:3]
    low = int.from_bytes(lanes, "big")
    lanes[3::4] = raw[1:end:3]
    middle = int.from_bytes(lanes, "big")
    lanes[3::4] = raw[2:end:3]
    high = int.from_bytes(lanes, "big")
    wide = (low + 45 * middle + 2025 * high).to_bytes(4 * groups, "big")
    if wide[1::4].count(0) != groups:
        return None
    out = bytearray(2 * groups)
    out[0::2] = wide[2::4]
    out[1::2] = wide[3::4]
    return bytes(out)


# --- payload -----------------------------------------------------------------

def signing_input(body: bytes) -> bytes:
    """The exact bytes the Ed25519 signature covers."""
    return CONTEXT + body


def _pack_body(claims: TicketClaims) -> bytes:
    return _BODY.pack(
        FORMAT_VERSION,
        parse_kid(claims.kid),
        claims.ticket_id.to_bytes(5, "big"),
        claims.trip_id,
        claims.seat_index,
        _FARE_CODES[claims.fare_class],
        int(claims.valid_from.timestamp()),
        int(claims.valid_until.timestamp()),
    )


def encode(claims: TicketClaims, private_key: Ed25519PrivateKey) -> str:
    """Sign ``claims`` with ``private_key`` and return the QR text.

    The caller is responsible for ``claims.kid`` naming ``private_key``;
    :meth:`tickets.keys.Keyring.sign` does that for you.
    """
    body = _pack_body(claims)
    signature = private_key.sign(signing_input(body))
    return PREFIX + b45encode(body + signature)


def parse_body(body: bytes) -> TicketClaims:
    """Claims from the 22 body bytes; raises :class:`InvalidPayload`."""
    if len(body) != BODY_LENGTH:
        raise InvalidPayload(f"body must be {BODY_LENGTH} bytes")
    version, key_no, ticket, trip, seat_index, fare, start, end = _BODY.unpack(body)
    if version != FORMAT_VERSION:
        raise InvalidPayload(f"unsupported format version {version}")
    fare_class = _FARE_BY_CODE.get(fare)
    if fare_class is None:
        raise InvalidPayload(f"unknown fare class code {fare}")
    if end <= start:
        raise InvalidPayload("valid_until must be after valid_from")
    # Every other check of TicketClaims holds by the layout (field widths, whole
    # UTC seconds in 1970..2106), so the claims are built without re-checking:
    # this runs on every scan (bench/bench_verify.py).
    claims = object.__new__(TicketClaims)
    _set_field(claims, "ticket_id", int.from_bytes(ticket, "big"))
    _set_field(claims, "trip_id", trip)
    _set_field(claims, "seat_index", seat_index)
    _set_field(claims, "fare_class", fare_class)
    _set_field(claims, "valid_from", datetime.fromtimestamp(start, timezone.utc))
    _set_field(claims, "valid_until", datetime.fromtimestamp(end, timezone.utc))
    _set_field(claims, "kid", _KIDS[key_no])
    return claims


def split_payload(payload: str | bytes) -> tuple[bytes, bytes]:
    """Check the envelope and return ``(body, signature)`` without
    interpreting the body. Surrounding whitespace (a keyboard-wedge scanner's
    CR/LF) is ignored; nothing else is forgiven."""
    if type(payload) is str and len(payload) == PAYLOAD_LENGTH and payload.startswith(PREFIX):
        raw = b45decode(payload[_PREFIX_LENGTH:])  # a camera's clean text, the usual case: checked at once
        return raw[:BODY_LENGTH], raw[BODY_LENGTH:]
    if isinstance(payload, (bytes, bytearray, memoryview)):
        try:
            payload = bytes(payload).decode("ascii")
        except UnicodeDecodeError:
            raise InvalidPayload("payload is not ASCII") from None
    if not isinstance(payload, str):
        raise InvalidPayload("payload must be text")
    payload = payload.strip(" \t\r\n")
    if len(payload) != PAYLOAD_LENGTH:
        raise InvalidPayload(f"payload must be {PAYLOAD_LENGTH} characters, got {len(payload)}")
    if not payload.startswith(PREFIX):
        raise InvalidPayload(f"payload must start with {PREFIX!r}")
    raw = b45decode(payload[_PREFIX_LENGTH:])
    return raw[:BODY_LENGTH], raw[BODY_LENGTH:]


def decode_unverified(payload: str | bytes) -> tuple[TicketClaims, bytes, bytes]:
    """Parse a payload WITHOUT checking its signature.

    Returns ``(claims, signed_bytes, signature)`` where ``signed_bytes`` is
    what the signature must cover (context included). Raises only
    :class:`InvalidPayload`. Use :class:`tickets.verifier.Verifier` to decide
    whether a ticket is genuine.
    """
    body, signature = split_payload(payload)
    return parse_body(body), signing_input(body), signature
