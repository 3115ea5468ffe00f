"""Ticket payloads for the scanner tests, in the format the browser verifier reads (v2).

``payload(ticket)`` is the server's own ``tickets.payload.payload_for`` once the Python
codec issues v2 (``tickets.codec.FORMAT_VERSION == 2``). Until then it builds the v2
bytes from /work/notes/TICKET_V2.md (the same rules docs/ticket-format.md gives for v2)
with the app's signing key, so the page can be tested before the Python side lands.
"""
from __future__ import annotations

import re
import struct
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tickets import codec
from tickets.keyring_app import get_keyring
from tickets.payload import payload_for

CONTEXT = b"SAFIRI-TICKET\x00"
FARE_CODES = {"standard": 0, "student": 1, "reduced": 2}
PYTHON_ISSUES_V2 = codec.FORMAT_VERSION == 2
DOC = (Path(__file__).resolve().parents[2] / "docs" / "ticket-format.md").read_text("utf-8")


def build(*, seed_or_key, kid: str, ticket_id: int, trip_id: int, seat_index: int, fare_class: str,
          valid_from: datetime, valid_until: datetime, version: int = 2) -> str:
    """A v2 payload built byte by byte from the spec (22-byte body + Ed25519 signature)."""
    key = (Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_or_key))
           if isinstance(seed_or_key, str) else seed_or_key)
    body = (struct.pack(">BB", version, int(kid[1:])) + ticket_id.to_bytes(5, "big")
            + struct.pack(">IHBII", trip_id, seat_index, FARE_CODES[fare_class],
                          int(valid_from.timestamp()), int(valid_until.timestamp())))
    assert len(body) == 22
    return "SF1:" + codec.b45encode(body + key.sign(CONTEXT + body))


def payload(ticket) -> str:
    if PYTHON_ISSUES_V2:
        return payload_for(ticket)
    keyring = get_keyring()
    layout = list(ticket.trip.vehicle.seat_layout)
    return build(seed_or_key=keyring.signing_key, kid=keyring.signing_kid, ticket_id=ticket.id,
                 trip_id=ticket.trip_id, seat_index=layout.index(ticket.seat), fare_class=ticket.fare_class,
                 valid_from=ticket.valid_from, valid_until=ticket.valid_until)


def doc_vectors() -> list[dict[str, str]]:
    """The ``ticket-vector`` blocks of docs/ticket-format.md, as tests/tickets reads them."""
    vectors = []
    for block in re.findall(r"^```ticket-vector\n(.*?)^```", DOC, flags=re.M | re.S):
        fields = {}
        for line in block.splitlines():
            name, _, value = line.partition(":")
            fields[name.strip()] = value.strip()
        vectors.append(fields)
    return vectors
