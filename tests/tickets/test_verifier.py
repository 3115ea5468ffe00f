"""The offline verifier: every kind of bad input is "invalid", never an exception."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.codec import (
    BASE45_ALPHABET,
    BODY_LENGTH,
    PREFIX,
    b45decode,
    b45encode,
    signing_input,
)
from tickets.keys import KeyEntry, Keyring
from tickets.verifier import VerificationResult, Verifier

UTC = timezone.utc


@pytest.fixture
def verifier(keyring) -> Verifier:
    return Verifier.from_jwks(keyring.jwks())


@pytest.fixture
def inside(claims) -> datetime:
    return claims.valid_from + timedelta(hours=1)


def _raw(payload: str) -> bytes:
    return b45decode(payload[len(PREFIX):])


def _text(raw: bytes) -> str:
    return PREFIX + b45encode(raw)


def _assert_invalid(result: VerificationResult) -> None:
    assert result.status == "invalid"
    assert result.claims is None
    assert result.reason and not result.ok
    # Handled on purpose, not by the verifier's last-resort catch-all.
    assert not result.reason.startswith("unreadable ticket"), result.reason


# --- genuine tickets and time -------------------------------------------------------

def test_valid_ticket(verifier, payload, claims, inside):
    result = verifier.verify(payload, now=inside)
    assert result.status == "valid" and result.ok
    assert result.claims == claims


def test_validity_window_is_half_open(verifier, payload, claims):
    def status(now):
        return verifier.verify(payload, now=now).status

    second = timedelta(seconds=1)
    assert status(claims.valid_from - second) == "not_yet_valid"
    assert status(claims.valid_from) == "valid"
    assert status(claims.valid_until - second) == "valid"
    assert status(claims.valid_until) == "expired"


def test_not_yet_valid_and_expired_still_show_claims(verifier, payload, claims):
    early = verifier.verify(payload, now=claims.valid_from - timedelta(days=2))
    late = verifier.verify(payload, now=claims.valid_until + timedelta(days=2))
    assert (early.status, late.status) == ("not_yet_valid", "expired")
    assert early.claims == claims == late.claims
    assert "valid from" in early.reason and "expired" in late.reason


def test_leeway_widens_the_window(keyring, payload, claims):
    lenient = Verifier(keyring.public_keys(), leeway=timedelta(minutes=5))
    assert lenient.verify(payload, now=claims.valid_from - timedelta(minutes=4)).ok
    assert lenient.verify(payload, now=claims.valid_until + timedelta(minutes=4)).ok
    assert not lenient.verify(payload, now=claims.valid_until + timedelta(minutes=6)).ok


def test_now_defaults_to_the_clock(keyring, claims):
    now = datetime.now(UTC)
    current = keyring.sign(
        claims.__class__(1, 2, 3, "standard", now - timedelta(hours=1),
                         now + timedelta(hours=1), "k1")
    )
    assert Verifier.from_keyring(keyring).verify(current).status == "valid"
    assert Verifier.from_keyring(keyring).verify(keyring.sign(claims)).status == "expired"


def test_naive_now_is_a_programming_error(verifier, payload):
    with pytest.raises(ValueError):
        verifier.verify(payload, now=datetime(2025, 6, 1, 7, 0))


def test_bytes_and_scanner_line_endings(verifier, payload, inside):
    assert verifier.verify(payload.encode("ascii"), now=inside).ok
    assert verifier.verify(bytearray(payload.encode("ascii")), now=inside).ok
    assert verifier.verify(payload + "\r\n", now=inside).ok


# --- forgeries and damage ---------------------------------------------------------

def test_forged_signature(verifier, payload, inside):
    raw = _raw(payload)
    for signature in (bytes(64), os.urandom(64), raw[BODY_LENGTH:][::-1]):
        _assert_invalid(verifier.verify(_text(raw[:BODY_LENGTH] + signature), now=inside))


def test_flipped_bit_in_every_byte(verifier, payload, inside):
    raw = _raw(payload)
    for position in range(len(raw)):
        for bit in (0x01, 0x80):
            damaged = bytearray(raw)
            damaged[position] ^= bit
            _assert_invalid(verifier.verify(_text(bytes(damaged)), now=inside))


def test_every_character_changed_to_every_other(verifier, payload, inside):
    alphabet = BASE45_ALPHABET + "abc_é"
    for position in range(len(payload)):
        for char in alphabet:
            if char != payload[position]:
                damaged = payload[:position] + char + payload[position + 1:]
                _assert_invalid(verifier.verify(damaged, now=inside))


def test_truncated_to_every_length(verifier, payload, inside):
    for length in range(len(payload)):
        _assert_invalid(verifier.verify(payload[:length], now=inside))
        _assert_invalid(verifier.verify(payload[len(payload) - length:], now=inside))


def test_foreign_key_with_the_same_kid(make_keyring, claims, inside, verifier):
    forger = make_keyring(99, "k1")
    result = verifier.verify(forger.sign(claims), now=inside)
    _assert_invalid(result)
    assert "signature" in result.reason


def test_unknown_kid(make_keyring, claims, inside, verifier):
    result = verifier.verify(make_keyring(1, "k9").sign(claims), now=inside)
    _assert_invalid(result)
    assert "k9" in result.reason


def test_signature_without_domain_context_is_rejected(keyring, payload, verifier, inside):
    body = _raw(payload)[:BODY_LENGTH]
    assert signing_input(body) != body
    bare = keyring.signing_key.sign(body)
    _assert_invalid(verifier.verify(_text(body + bare), now=inside))


def test_unsupported_version_even_if_signed(keyring, payload, verifier, inside):
    body = b"\x03" + _raw(payload)[1:BODY_LENGTH]
    signed = _text(body + keyring.signing_key.sign(signing_input(body)))
    result = verifier.verify(signed, now=inside)
    _assert_invalid(result)
    assert "version" in result.reason


def test_version_1_payloads_are_invalid(keyring, payload, verifier, inside):
    """Format v1 is no longer issued or accepted: neither its 136-character form nor a
    v2-sized body that says version 1, even when signed by a known key."""
    v1_body = b"\x01" + _raw(payload)[1:11] + b"12A\x00" + _raw(payload)[13:BODY_LENGTH]
    v1 = PREFIX + b45encode(v1_body + keyring.signing_key.sign(signing_input(v1_body)))
    assert len(v1) == 136
    _assert_invalid(verifier.verify(v1, now=inside))
    body = b"\x01" + _raw(payload)[1:BODY_LENGTH]
    result = verifier.verify(_text(body + keyring.signing_key.sign(signing_input(body))), now=inside)
    _assert_invalid(result)
    assert "version 1" in result.reason


@pytest.mark.parametrize(
    "garbage",
    ["", " ", "SF1:", "\x00" * 133, "é" * 133, "SF1:" + "0" * 129, b"", b"\xff" * 133,
     None, 42, 3.5, ["SF1:"], object(), "https://example.com/?t=SF1:ABC"],
)
def test_garbage(verifier, garbage, inside):
    _assert_invalid(verifier.verify(garbage, now=inside))


@settings(max_examples=300)
@given(st.text(max_size=400))
def test_arbitrary_text_never_raises(text):
    verifier = Verifier.from_keyring(Keyring.generate("k1"))
    _assert_invalid(verifier.verify(text, now=datetime(2025, 6, 1, tzinfo=UTC)))


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_raise(data):
    verifier = Verifier.from_keyring(Keyring.generate("k1"))
    _assert_invalid(verifier.verify(data, now=datetime(2025, 6, 1, tzinfo=UTC)))
    _assert_invalid(verifier.verify(_text(data), now=datetime(2025, 6, 1, tzinfo=UTC)))


@settings(max_examples=200)
@given(st.text(alphabet=BASE45_ALPHABET, min_size=129, max_size=129))
def test_well_formed_looking_noise_is_invalid(noise):
    verifier = Verifier.from_keyring(Keyring.generate("k1"))
    _assert_invalid(verifier.verify(PREFIX + noise, now=datetime(2025, 6, 1, tzinfo=UTC)))


def test_constructor_rejects_wrong_key_types(keyring):
    with pytest.raises(TypeError):
        Verifier({"k1": keyring.signing_key})
    with pytest.raises(ValueError):
        Verifier({"one": keyring.signing_key.public_key()})


def test_multiple_keys_each_verify_their_own(make_keyring, claims, inside):
    a, b = make_keyring(1, "k1"), make_keyring(2, "k2")
    both = Keyring([*a.entries, *b.entries])
    verifier = Verifier(both.public_keys())
    assert verifier.verify(a.sign(claims), now=inside).ok
    assert verifier.verify(b.sign(claims), now=inside).ok
    swapped = Keyring(
        [KeyEntry("k1", b.entries[0].public_key), KeyEntry("k2", a.entries[0].public_key)]
    )
    _assert_invalid(Verifier(swapped.public_keys()).verify(a.sign(claims), now=inside))
