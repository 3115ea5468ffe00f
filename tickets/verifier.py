"""Offline ticket verification: payload text in, a verdict a gate can act on.

Why it is database-free: a driver's phone on a road without coverage must
still tell a genuine ticket from a forged one. It needs only the published
JWK Set (``/.well-known/ticket-keys.json``) and a clock. Whether a genuine
ticket was already used or refunded is the online check-in's business
(``valid`` here means "signed by us and inside its validity window").

:meth:`Verifier.verify` never raises for any payload: a scanner must show
"invalid" for garbage, not crash. It is also tuned for throughput (keys are
looked up in a 256-slot table by the kid byte, nothing is parsed twice, the
claims are built only after the signature holds); ``bench/bench_verify.py``
compares it with a bare ``Ed25519PublicKey.verify``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tickets.codec import (
    CONTEXT,
    FORMAT_VERSION,
    InvalidPayload,
    TicketClaims,
    format_kid,
    parse_body,
    parse_kid,
    split_payload,
)
from tickets.keys import Keyring

__all__ = ["Status", "VerificationResult", "Verifier"]

Status = Literal["valid", "invalid", "not_yet_valid", "expired"]


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """The verdict. ``claims`` is set whenever the signature holds (so an
    expired ticket still shows whose seat it was), never otherwise."""

    status: Status
    reason: str
    claims: TicketClaims | None = None

    @property
    def ok(self) -> bool:
        return self.status == "valid"


def _invalid(reason: str) -> VerificationResult:
    return VerificationResult("invalid", reason)


class Verifier:
    """Checks ticket payloads against a fixed set of public keys."""

    def __init__(
        self,
        public_keys: Mapping[str, Ed25519PublicKey],
        *,
        leeway: timedelta = timedelta(0),
    ) -> None:
        """``public_keys`` maps kid ("k<n>") to key. ``leeway`` widens the
        validity window on both sides for scanners whose clock drifts."""
        self._keys: list[Ed25519PublicKey | None] = [None] * 256
        for kid, key in public_keys.items():
            if not isinstance(key, Ed25519PublicKey):
                raise TypeError(f"{kid}: not an Ed25519PublicKey")
            self._keys[parse_kid(kid)] = key
        self._leeway = leeway

    @classmethod
    def from_jwks(cls, jwks: Mapping[str, Any], *, leeway: timedelta = timedelta(0)) -> Verifier:
        """What an offline scanner does with the downloaded JWK Set."""
        return cls(Keyring.from_jwks(jwks).public_keys(), leeway=leeway)

    @classmethod
    def from_keyring(cls, keyring: Keyring, *, leeway: timedelta = timedelta(0)) -> Verifier:
        return cls(keyring.public_keys(), leeway=leeway)

    def verify(self, payload: object, now: datetime | None = None) -> VerificationResult:
        """Verdict on ``payload`` (str or bytes) at ``now`` (aware; default: the clock).

        Order matters for the reasons shown: envelope, format version, key,
        signature, then time. Validity is the half-open window
        ``valid_from <= now < valid_until``.
        """
        if now is None:
            now = datetime.now(timezone.utc)
        elif now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        try:
            return self._verify(payload, now)
        except Exception as exc:  # noqa: BLE001 - a gate must never crash on a scan
            return _invalid(f"unreadable ticket ({type(exc).__name__})")

    def _verify(self, payload: object, now: datetime) -> VerificationResult:
        try:
            body, signature = split_payload(payload)  # type: ignore[arg-type]
        except InvalidPayload as exc:
            return _invalid(f"not a ticket: {exc}")
        if body[0] != FORMAT_VERSION:
            return _invalid(f"unsupported ticket format version {body[0]}")
        key = self._keys[body[1]]
        if key is None:
            return _invalid(f"signed with unknown key {format_kid(body[1])}")
        try:
            key.verify(signature, CONTEXT + body)
        except InvalidSignature:
            return _invalid("signature does not match: forged or altered ticket")
        try:
            claims = parse_body(body)
        except InvalidPayload as exc:
            return _invalid(f"malformed ticket: {exc}")
        if now + self._leeway < claims.valid_from:
            return VerificationResult(
                "not_yet_valid", f"valid from {claims.valid_from.isoformat()}", claims
            )
        if now - self._leeway >= claims.valid_until:
            return VerificationResult(
                "expired", f"expired at {claims.valid_until.isoformat()}", claims
            )
        return VerificationResult("valid", "genuine ticket within its validity window", claims)
