"""Short codes: unguessable, typo-detecting, forgiving about look-alikes."""

from __future__ import annotations

import hashlib
import random
import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickets.shortcode import (
    ALPHABET,
    CODE_LENGTH,
    check_symbol,
    format_short_code,
    is_well_formed,
    new_short_code,
    normalize_short_code,
    short_code_hash,
)

FIXED = ["0000000000", "8Z2K4M7QX4", "ZZZZZZZZZX"]


def _sample_codes(count: int = 60) -> list[str]:
    rng = random.Random(20250601)  # reproducible sample besides fresh random codes
    data = ["".join(rng.choice(ALPHABET) for _ in range(9)) for _ in range(count)]
    return FIXED + [d + check_symbol(d) for d in data] + [new_short_code() for _ in range(10)]


def test_new_codes_are_well_formed_and_distinct():
    codes = {new_short_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) == CODE_LENGTH and set(code) <= set(ALPHABET)
        assert is_well_formed(code)
        assert normalize_short_code(code) == code


def test_randomness_comes_from_secrets(monkeypatch):
    calls = []

    def fake_randbits(k: int) -> int:
        calls.append(k)
        return 0

    monkeypatch.setattr(secrets, "randbits", fake_randbits)
    assert new_short_code() == "0000000000"
    assert calls == [45]


def test_alphabet_is_crockford_base32():
    assert len(ALPHABET) == 32 and not set("ILOU") & set(ALPHABET)


@pytest.mark.parametrize("code", _sample_codes())
def test_every_single_substitution_is_detected(code):
    for position in range(CODE_LENGTH):
        for symbol in ALPHABET:
            if symbol != code[position]:
                assert not is_well_formed(code[:position] + symbol + code[position + 1:])


@pytest.mark.parametrize("code", _sample_codes())
def test_every_adjacent_transposition_is_detected(code):
    for position in range(CODE_LENGTH - 1):
        a, b = code[position], code[position + 1]
        if a != b:
            swapped = code[:position] + b + a + code[position + 2:]
            assert not is_well_formed(swapped)


def test_transpositions_detected_for_every_symbol_pair():
    """Exhaustive: every ordered pair of distinct symbols at every data position,
    and every data symbol against the check symbol."""
    base = "8Z2K4M7QX"

    def code_of(data: str) -> str:
        return data + check_symbol(data)

    def swap(code: str, i: int) -> str:
        return code[:i] + code[i + 1] + code[i] + code[i + 2:]

    for position in range(len(base) - 1):
        for a in ALPHABET:
            for b in ALPHABET:
                if a != b:
                    code = code_of(base[:position] + a + b + base[position + 2:])
                    assert not is_well_formed(swap(code, position))
    for last in ALPHABET:
        code = code_of(base[:-1] + last)
        if code[-2] != code[-1]:
            assert not is_well_formed(swap(code, CODE_LENGTH - 2))


@pytest.mark.parametrize(
    "typed, normal",
    [
        ("8z2k4-m7qx4", "8Z2K4M7QX4"),
        (" 8Z2K4 M7QX4 ", "8Z2K4M7QX4"),
        ("o0-Il-l1", "001111"),
        ("8Z2K4-M7QX4", "8Z2K4M7QX4"),
    ],
)
def test_normalisation(typed, normal):
    assert normalize_short_code(typed) == normal


def test_look_alikes_and_case_are_accepted():
    code = "01ABCDEFG" + check_symbol("01ABCDEFG")
    assert is_well_formed(code)
    for typed in ("oiabcdefg" + code[-1].lower(), "OL-ABCDE-FG" + code[-1], code.lower()):
        assert is_well_formed(typed)


@pytest.mark.parametrize(
    "bad", ["", "8Z2K4M7QX", "8Z2K4M7QX44", "8Z2K4M7QXU", "8Z2K4M7QX*", "８Z2K4M7QX4", None, 12]
)
def test_malformed_codes(bad):
    assert not is_well_formed(bad)


def test_format_and_hash():
    assert format_short_code("8z2k4m7qx4") == "8Z2K4-M7QX4"
    expected = hashlib.sha256(b"8Z2K4M7QX4").hexdigest()
    assert short_code_hash("8z2k4-m7qx4") == short_code_hash("8Z2K4M7QX4") == expected


def test_check_symbol_input_validation():
    for bad in ("", "8Z2K4M7Q", "8Z2K4M7QXX", "8Z2K4M7QU"):
        with pytest.raises(ValueError):
            check_symbol(bad)


@given(st.text(max_size=30))
def test_arbitrary_input_never_raises(text):
    assert is_well_formed(text) in (True, False)
    assert len(short_code_hash(text)) == 64
