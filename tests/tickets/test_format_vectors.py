"""docs/ticket-format.md is the spec: its test vectors and constants are read from
the document itself, so the document and the code cannot drift apart."""

from __future__ import annotations

import json
import re
import struct
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tickets.codec import (
    BASE45_ALPHABET,
    BODY_FORMAT,
    BODY_LENGTH,
    CONTEXT,
    PAYLOAD_LENGTH,
    PREFIX,
    SIGNATURE_LENGTH,
    TicketClaims,
    decode_unverified,
    encode,
)
from tickets.keys import jwk_from_public_key
from tickets.shortcode import ALPHABET, is_well_formed, short_code_hash
from tickets.verifier import Verifier

DOC = (Path(__file__).resolve().parents[2] / "docs" / "ticket-format.md").read_text("utf-8")


def _blocks(info: str) -> list[str]:
    return re.findall(rf"^```{re.escape(info)}\n(.*?)^```", DOC, flags=re.M | re.S)


def _fields(block: str) -> dict[str, str]:
    fields = {}
    for line in block.splitlines():
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()  # payloads never start or end with a space
    return fields


VECTORS = [_fields(block) for block in _blocks("ticket-vector")]
SHORT_CODES = [line.split() for block in _blocks("short-code-vector")
               for line in block.splitlines()]
V1_PAYLOADS = [block.strip("\n") for block in _blocks("v1-payload")]


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_document_has_vectors():
    assert len(VECTORS) >= 2 and len(SHORT_CODES) >= 2


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["kid"])
def test_vector_encodes_decodes_and_verifies(vector):
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vector["seed"]))
    jwk = jwk_from_public_key(vector["kid"], key.public_key())
    assert jwk["x"] == vector["public_x"]
    assert json.loads(vector["seat_layout"])[int(vector["seat_index"])] == vector["seat"]
    claims = TicketClaims(
        ticket_id=int(vector["ticket_id"]),
        trip_id=int(vector["trip_id"]),
        seat_index=int(vector["seat_index"]),
        fare_class=vector["fare_class"],
        valid_from=_time(vector["valid_from"]),
        valid_until=_time(vector["valid_until"]),
        kid=vector["kid"],
    )
    payload = vector["payload"]
    assert encode(claims, key) == payload
    assert len(payload) == PAYLOAD_LENGTH

    decoded, signed, signature = decode_unverified(payload)
    assert decoded == claims
    assert signed.hex() == vector["signed_bytes"]
    assert signature.hex() == vector["signature"]

    verifier = Verifier.from_jwks({"keys": [jwk]})
    assert verifier.verify(payload, now=claims.valid_from).status == "valid"
    assert verifier.verify(payload, now=claims.valid_from - timedelta(seconds=1)).status == (
        "not_yet_valid"
    )
    assert verifier.verify(payload, now=claims.valid_until).status == "expired"


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["kid"])
def test_vector_negative_cases_from_the_document(vector):
    """The closing promise of the document: any changed character, any prefix,
    or a JWK Set without the kid gives "invalid"."""
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vector["seed"]))
    verifier = Verifier.from_jwks({"keys": [jwk_from_public_key(vector["kid"], key.public_key())]})
    payload, now = vector["payload"], _time(vector["valid_from"])
    for position, char in enumerate(payload):
        other = "A" if char != "A" else "B"
        assert verifier.verify(payload[:position] + other + payload[position + 1:], now).status == (
            "invalid"
        )
    for length in range(len(payload)):
        assert verifier.verify(payload[:length], now).status == "invalid"
    other_kid = "k200" if vector["kid"] != "k200" else "k201"
    stranger = Verifier.from_jwks({"keys": [jwk_from_public_key(other_kid, key.public_key())]})
    assert stranger.verify(payload, now).status == "invalid"


def test_version_1_payload_of_the_document_is_invalid():
    """Format v1 is retired: its payload, genuinely signed by k1, must not verify."""
    (payload,) = V1_PAYLOADS
    assert len(payload) == 136
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(VECTORS[0]["seed"]))
    verifier = Verifier.from_jwks({"keys": [jwk_from_public_key("k1", key.public_key())]})
    assert verifier.verify(payload, now=_time("2025-01-01T12:00:00Z")).status == "invalid"


def test_vectors_show_labels_v1_could_not_carry():
    """The reason for v2: lower case and punctuation, exactly as the layout says."""
    seats = {v["seat"] for v in VECTORS}
    assert {"12a", "VIP01", "A-1"} <= seats
    assert all(" " in v["payload"] for v in VECTORS)  # spaces inside are Base45 digits


def test_vectors_are_distinct_keys_and_kids():
    assert len({v["seed"] for v in VECTORS}) == len({v["kid"] for v in VECTORS}) == len(VECTORS)


@pytest.mark.parametrize("code, digest", SHORT_CODES)
def test_short_code_vectors(code, digest):
    assert is_well_formed(code)
    assert short_code_hash(code) == digest


def test_document_constants_match_the_code():
    assert f"`{PREFIX}`" in DOC
    assert f"Alphabet, value 0 to 44: `{BASE45_ALPHABET}`" in DOC
    assert f"Crockford base32 `{ALPHABET}`" in DOC
    context = re.search(r"the 14 ASCII bytes `([0-9a-f ]+)`", DOC)
    assert context and bytes.fromhex(context.group(1)) == CONTEXT
    assert f'"{CONTEXT[:-1].decode()}" || 0x00 || body' in DOC
    assert f"exactly **{PAYLOAD_LENGTH} characters**" in DOC


def test_layout_table_matches_the_struct():
    rows = re.findall(r"^\| (\d+) \| (\d+) \| ([a-z ]+) \|", DOC, flags=re.M)
    offsets = [int(offset) for offset, _, _ in rows]
    lengths = [int(length) for _, length, _ in rows]
    assert [name for _, _, name in rows][0] == "format version"
    assert offsets == [sum(lengths[:i]) for i in range(len(lengths))]  # contiguous
    codes = re.findall(r"\d*[a-zA-Z]", BODY_FORMAT.lstrip(">"))
    assert lengths[:-1] == [struct.calcsize(">" + code) for code in codes]
    assert lengths[-1] == SIGNATURE_LENGTH and sum(lengths) == BODY_LENGTH + SIGNATURE_LENGTH
