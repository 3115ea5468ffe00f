"""Fixtures for the pure ticket modules: no app, no database."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tickets.codec import FareClass, TicketClaims
from tickets.keys import KeyEntry, Keyring

UTC = timezone.utc
VALID_FROM = datetime(2025, 6, 1, 6, 0, tzinfo=UTC)
VALID_UNTIL = datetime(2025, 6, 1, 18, 0, tzinfo=UTC)


def keyring_from_seed(seed: int, kid: str = "k1") -> Keyring:
    """Deterministic keys keep failures reproducible."""
    private = Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
    return Keyring([KeyEntry(kid, private.public_key(), private)])


@pytest.fixture
def make_keyring():
    """``make_keyring(seed, kid)``: a one-key keyring from a fixed seed byte."""
    return keyring_from_seed


@pytest.fixture
def keyring() -> Keyring:
    return keyring_from_seed(1, "k1")


@pytest.fixture
def claims() -> TicketClaims:
    """The longest realistic ticket: every field at its widest."""
    return TicketClaims(
        ticket_id=2**40 - 1,
        trip_id=2**32 - 1,
        seat_index=2**16 - 1,
        fare_class=FareClass.STUDENT,
        valid_from=VALID_FROM,
        valid_until=VALID_UNTIL,
        kid="k1",
    )


@pytest.fixture
def payload(keyring: Keyring, claims: TicketClaims) -> str:
    return keyring.sign(claims)
