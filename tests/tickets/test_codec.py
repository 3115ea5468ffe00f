"""The payload codec: layout, Base45, strict decoding, claim validation."""

from __future__ import annotations

import dataclasses
import struct
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickets.codec import (
    BASE45_ALPHABET,
    BODY_LENGTH,
    CONTEXT,
    PAYLOAD_LENGTH,
    PREFIX,
    FareClass,
    InvalidPayload,
    TicketClaims,
    b45decode,
    b45encode,
    decode_unverified,
    encode,
    format_kid,
    parse_kid,
    signing_input,
)

UTC = timezone.utc
QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def _payload_for_body(body: bytes, keyring) -> str:
    """A correctly signed payload around an arbitrary body (to test decoding rules)."""
    signature = keyring.signing_key.sign(signing_input(body))
    return PREFIX + b45encode(body + signature)


def _body(**fields) -> bytes:
    values = dict(version=2, key=1, ticket=b"\0\0\0\0\1", trip=1, seat_index=0, fare=0,
                  start=1_700_000_000, end=1_700_003_600)
    values.update(fields)
    return struct.pack(">BB5sIHBII", *values.values())


# --- Base45 -------------------------------------------------------------------

@pytest.mark.parametrize(
    "raw, text",
    [(b"AB", "BB8"), (b"Hello!!", "%69 VD92EX0"), (b"base-45", "UJCLQE7W581"),
     (b"ietf!", "QED8WEX0"), (b"", "")],
)
def test_base45_matches_rfc9285_examples(raw, text):
    assert b45encode(raw) == text
    assert b45decode(text) == raw


@pytest.mark.parametrize("text", ["GGW", "ZZ", "A", "ABCD", "abc", "A_B", "ÄBC", "::::"])
def test_base45_rejects_non_canonical_and_foreign_text(text):
    with pytest.raises(InvalidPayload):
        b45decode(text)


@pytest.mark.parametrize("position", [0, 1, 21, 42])
def test_base45_rejects_an_out_of_range_group_anywhere_in_a_ticket_length_text(position):
    """Groups are combined side by side (codec._combine_groups): a group just
    over 0xFFFF must be caught wherever it sits, and the largest legal group
    next to it must decode untouched."""
    groups = ["FGW"] * 43  # "FGW" is 0xFFFF, the largest 3-character group
    assert b45decode("".join(groups)) == b"\xff" * 86
    groups[position] = "GGW"  # 0x10000
    with pytest.raises(InvalidPayload):
        b45decode("".join(groups))


@given(st.binary(max_size=200))
def test_base45_round_trips_any_bytes(raw):
    text = b45encode(raw)
    assert set(text) <= set(BASE45_ALPHABET)
    assert len(text) == len(raw) // 2 * 3 + len(raw) % 2 * 2
    assert b45decode(text) == raw


# --- round trip and layout --------------------------------------------------------

def test_encode_decode_round_trip(keyring, claims):
    payload = encode(claims, keyring.signing_key)
    decoded, signed, signature = decode_unverified(payload)
    assert decoded == claims
    assert signed.startswith(CONTEXT) and len(signed) == len(CONTEXT) + BODY_LENGTH
    keyring.signing_key.public_key().verify(signature, signed)  # raises if wrong


def test_payload_is_fixed_length_qr_alphanumeric(payload):
    assert len(payload) == PAYLOAD_LENGTH == 133
    assert payload.startswith(PREFIX)
    assert set(payload) <= QR_ALPHANUMERIC


def test_layout_byte_for_byte(keyring):
    claims = TicketClaims(0x0102030405, 0x0A0B0C0D, 0x0E0F, "reduced",
                          datetime.fromtimestamp(0x11223344, UTC),
                          datetime.fromtimestamp(0x55667788, UTC), "k1")
    _, signed, _ = decode_unverified(encode(claims, keyring.signing_key))
    assert signed[len(CONTEXT):] == bytes.fromhex(
        "02" "01" "0102030405" "0a0b0c0d" "0e0f" "02" "11223344" "55667788"
    )


def test_keyring_sign_sets_kid(make_keyring, claims):
    ring = make_keyring(7, "k42")
    decoded, signed, _ = decode_unverified(ring.sign(claims))
    assert decoded.kid == "k42" and signed[len(CONTEXT) + 1] == 42


def test_bytes_input_and_surrounding_newline_accepted(payload, claims):
    assert decode_unverified(payload.encode("ascii"))[0] == claims
    assert decode_unverified(payload + "\r\n")[0] == claims


# --- strict decoding -------------------------------------------------------------

@pytest.mark.parametrize(
    "mangle",
    [
        lambda p: p.lower(),
        lambda p: "SF2:" + p[4:],
        lambda p: p[:-1],
        lambda p: p + "0",
        lambda p: p[:60] + "é" + p[61:],
        lambda p: p.replace(p[10], "_", 1),
        lambda p: "",
    ],
)
def test_garbled_envelope_is_invalid_payload(payload, mangle):
    with pytest.raises(InvalidPayload):
        decode_unverified(mangle(payload))


@pytest.mark.parametrize(
    "body",
    [
        _body(version=1),
        _body(version=3),
        _body(version=0),
        _body(fare=3),
        _body(fare=255),
        _body(start=1_700_003_600, end=1_700_003_600),
        _body(start=1_700_003_601, end=1_700_003_600),
    ],
)
def test_signed_but_malformed_body_is_invalid_payload(keyring, body):
    with pytest.raises(InvalidPayload):
        decode_unverified(_payload_for_body(body, keyring))


@pytest.mark.parametrize("seat_index", [0, 11, 59, 65535])
def test_well_formed_custom_body_decodes(keyring, seat_index):
    claims, _, _ = decode_unverified(_payload_for_body(_body(seat_index=seat_index, fare=2), keyring))
    assert claims.seat_index == seat_index and claims.fare_class is FareClass.REDUCED


def test_version_1_payload_is_rejected(keyring):
    """A v1 payload (136 characters, seat label in the body) is no longer a ticket, and
    a v2-length envelope whose signed body says version 1 is refused too."""
    v1_body = struct.pack(">BB5sI4sBII", 1, 1, b"\0\0\0\0\1", 1, b"12A\0", 0,
                          1_700_000_000, 1_700_003_600)
    v1 = _payload_for_body(v1_body, keyring)
    assert len(v1) == 136
    with pytest.raises(InvalidPayload, match="133 characters"):
        decode_unverified(v1)
    with pytest.raises(InvalidPayload, match="version 1"):
        decode_unverified(_payload_for_body(_body(version=1), keyring))


@pytest.mark.parametrize("value", [None, 42, b"\xff\xfe", bytearray(b"SF1:"), ["SF1:"]])
def test_non_text_is_invalid_payload(value):
    with pytest.raises(InvalidPayload):
        decode_unverified(value)


@given(st.text(max_size=300))
def test_decode_of_arbitrary_text_raises_only_invalid_payload(text):
    try:
        decode_unverified(text)
    except InvalidPayload:
        pass


# --- claims ----------------------------------------------------------------------

def test_claims_normalise_time_zone_and_seconds(claims):
    eat = timezone(timedelta(hours=3))
    normalised = dataclasses.replace(
        claims, seat_index=11, valid_from=datetime(2025, 6, 1, 9, 0, 0, 999_999, tzinfo=eat)
    )
    assert normalised.seat_index == 11
    assert normalised.valid_from == datetime(2025, 6, 1, 6, 0, tzinfo=UTC)
    assert normalised.valid_from.tzinfo is UTC
    assert normalised.fare_class is FareClass.STUDENT and normalised.fare_class == "student"


@pytest.mark.parametrize(
    "change",
    [
        dict(ticket_id=-1), dict(ticket_id=2**40), dict(ticket_id=True), dict(ticket_id=1.0),
        dict(trip_id=2**32), dict(seat_index=-1), dict(seat_index=2**16), dict(seat_index="12"),
        dict(seat_index=True), dict(seat_index=1.0), dict(fare_class="first"),
        dict(valid_from=datetime(2025, 6, 1, 6, 0)),  # naive
        dict(valid_until=datetime(2025, 6, 1, 6, 0, tzinfo=UTC)),  # == valid_from
        dict(valid_until=datetime(2106, 2, 8, tzinfo=UTC)),  # beyond uint32
        dict(kid="1"), dict(kid="k256"), dict(kid="k01"), dict(kid="K1"),
    ],
)
def test_claims_reject_what_the_layout_cannot_carry(claims, change):
    with pytest.raises(ValueError):
        dataclasses.replace(claims, **change)


def test_kid_mapping():
    assert [format_kid(n) for n in (0, 9, 255)] == ["k0", "k9", "k255"]
    assert [parse_kid(k) for k in ("k0", "k9", "k255")] == [0, 9, 255]
    for bad in ("k", "k-1", "k256", "k007", "kid1", " k1", "k1 "):
        with pytest.raises(ValueError):
            parse_kid(bad)
    with pytest.raises(ValueError):
        format_kid(256)
