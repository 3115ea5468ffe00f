"""Ticket signing keys: the keyring, its text format, rotation and the JWK Set.

Why a keyring and not one key: a ticket bought today may be scanned in three
weeks, so a key that no longer signs must keep verifying until the last ticket
it signed has expired. The first key listed signs (normally the newest; a
staged key sits second); all listed keys verify.

Text format of ``TICKET_SIGNING_KEYS`` (and of the file named by
``TICKET_SIGNING_KEYS_FILE``): a JSON list, signing key first, of objects with
``kid`` and ``pem`` (an unencrypted PKCS#8 Ed25519 private key in PEM). JSON
because it fits on one line, which every way of setting an environment
variable (Procfile platforms, ``docker --env-file``, systemd) can carry::

    [{"kid": "k2", "pem": "-----BEGIN PRIVATE KEY-----\\nMC4C...\\n-----END PRIVATE KEY-----\\n"},
     {"kid": "k1", "pem": "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----\\n"}]

Other members of an entry (e.g. ``"created"``) are ignored, so operators may
annotate keys.

The kid is ``k`` + the key number 0..255, because the number travels as one
byte in every QR code (see :mod:`tickets.codec`). Public keys are published as
a JWK Set (RFC 7517/8037: ``kty`` OKP, ``crv`` Ed25519, ``kid``, ``x`` =
base64url without padding of the 32-byte public key); an offline scanner
downloads it and builds a verification-only keyring with :meth:`Keyring.from_jwks`.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from tickets.codec import TicketClaims, encode, format_kid, parse_kid

__all__ = [
    "KeyEntry",
    "Keyring",
    "KeyringError",
    "generate_keyring_file",
    "jwk_from_public_key",
    "load_keyring",
    "load_keyring_file",
    "resolve_keyring",
    "rotate_keyring_file",
]

_B64URL_32 = re.compile(r"[A-Za-z0-9_-]{43}")


class KeyringError(ValueError):
    """A keyring that cannot be used. Messages never contain key material."""


@dataclass(frozen=True)
class KeyEntry:
    """One key of a keyring; ``private_key`` is None in a verification keyring."""

    kid: str
    public_key: Ed25519PublicKey
    private_key: Ed25519PrivateKey | None = None


class Keyring:
    """``entries[0]`` signs, every entry verifies (order as configured)."""

    def __init__(self, entries: Iterable[KeyEntry]) -> None:
        self.entries: tuple[KeyEntry, ...] = tuple(entries)
        if not self.entries:
            raise KeyringError("a keyring needs at least one key")
        seen: set[str] = set()
        for entry in self.entries:
            try:
                parse_kid(entry.kid)
            except ValueError as exc:
                raise KeyringError(str(exc)) from None
            if entry.kid in seen:
                raise KeyringError(f"duplicate kid {entry.kid!r}")
            seen.add(entry.kid)

    @classmethod
    def from_text(cls, text: str) -> Keyring:
        """Parse the ``TICKET_SIGNING_KEYS`` format (see module docstring)."""
        return cls(_parse_text(text))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Keyring:
        """Parse a ``TICKET_SIGNING_KEYS_FILE``."""
        return cls.from_text(Path(path).read_text(encoding="utf-8"))

    @classmethod
    def from_jwks(cls, jwks: Mapping[str, Any]) -> Keyring:
        """A verification-only keyring from a published JWK Set.

        Keys of another type or curve are skipped, as RFC 7517 asks; a
        malformed Ed25519 key is an error rather than silently ignored.
        """
        keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
        if not isinstance(keys, list):
            raise KeyringError("a JWK Set is an object with a 'keys' list")
        entries = []
        for jwk in keys:
            if not isinstance(jwk, Mapping):
                raise KeyringError("every JWK must be an object")
            if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
                continue
            if jwk.get("use", "sig") != "sig":
                continue
            entries.append(KeyEntry(str(jwk.get("kid")), _public_key_from_x(jwk.get("x"))))
        if not entries:
            raise KeyringError("the JWK Set holds no Ed25519 key")
        return cls(entries)

    @classmethod
    def generate(cls, kid: str = "k1") -> Keyring:
        """A fresh one-key keyring (development default, tests)."""
        private = Ed25519PrivateKey.generate()
        return cls([KeyEntry(kid, private.public_key(), private)])

    @property
    def can_sign(self) -> bool:
        return self.entries[0].private_key is not None

    @property
    def signing_kid(self) -> str:
        return self.entries[0].kid

    @property
    def signing_key(self) -> Ed25519PrivateKey:
        """The private key of ``entries[0]``; a verification keyring has none."""
        private = self.entries[0].private_key
        if private is None:
            raise KeyringError("this keyring only verifies (built from public keys)")
        return private

    def sign(self, claims: TicketClaims) -> str:
        """Encode ``claims`` signed by the signing key; ``claims.kid`` is set to it."""
        return encode(dataclasses.replace(claims, kid=self.signing_kid), self.signing_key)

    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        """kid -> public key, for :class:`tickets.verifier.Verifier`."""
        return {entry.kid: entry.public_key for entry in self.entries}

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JWK Set served at ``/.well-known/ticket-keys.json``."""
        return {"keys": [jwk_from_public_key(e.kid, e.public_key) for e in self.entries]}

    def with_new_key(self, *, sign_now: bool = True) -> Keyring:
        """Rotation step: a new key, every old key kept for verifying.

        ``sign_now=False`` stages it second: published (so offline scanners
        learn it at their next sync) but not yet signing. The number is one
        above the highest in use; after k255 the lowest free number is reused
        (free only once its key was retired).
        """
        used = {parse_kid(e.kid) for e in self.entries}
        candidates = [n for n in range(max(used) + 1, 256) if n not in used]
        candidates += [n for n in range(256) if n not in used]
        if not candidates:
            raise KeyringError("all 256 key numbers are in use")
        new = Keyring.generate(format_kid(candidates[0])).entries[0]
        at = 0 if sign_now else 1
        return Keyring([*self.entries[:at], new, *self.entries[at:]])

    def to_text(self) -> str:
        """Serialise to the ``TICKET_SIGNING_KEYS`` format (private keys!)."""
        items = []
        for entry in self.entries:
            if entry.private_key is None:
                raise KeyringError(f"{entry.kid} has no private key to write")
            pem = entry.private_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode("ascii")
            items.append({"kid": entry.kid, "pem": pem})
        return json.dumps(items, indent=2) + "\n"


def jwk_from_public_key(kid: str, key: Ed25519PublicKey) -> dict[str, str]:
    """One JWK (RFC 8037) for an Ed25519 public key."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    return {"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": x, "alg": "EdDSA", "use": "sig"}


def _public_key_from_x(x: object) -> Ed25519PublicKey:
    if not isinstance(x, str) or not _B64URL_32.fullmatch(x):
        raise KeyringError("JWK 'x' must be 43 base64url characters (32 bytes, no padding)")
    raw = base64.urlsafe_b64decode(x + "=")
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != x:
        raise KeyringError("JWK 'x' is not canonical base64url")
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise KeyringError("JWK 'x' is not an Ed25519 public key") from None


def _load_private(pem: str, kid: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KeyringError(f"{kid}: not a readable unencrypted PKCS#8 private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyringError(f"{kid}: not an Ed25519 key")
    return key


def _parse_text(text: str) -> list[KeyEntry]:
    if not isinstance(text, str):
        raise KeyringError("keyring text must be a string")
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        # exc.msg and the position only: never echo the text, it holds keys.
        raise KeyringError(
            f"keyring is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    if not isinstance(items, list):
        raise KeyringError('keyring must be a JSON list of {"kid": ..., "pem": ...}')
    entries = []
    for position, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("pem"), str):
            raise KeyringError(f"keyring entry {position} needs a 'kid' and a 'pem' string")
        kid = item.get("kid")
        if not isinstance(kid, str):
            raise KeyringError(f"keyring entry {position} needs a 'kid' string")
        private = _load_private(item["pem"], kid)
        entries.append(KeyEntry(kid, private.public_key(), private))
    return entries


load_keyring = Keyring.from_text
load_keyring_file = Keyring.from_file


def _write_private_file(target: Path, text: str, *, replace: bool) -> None:
    """Write ``text`` to ``target`` atomically with mode 0600 (mkstemp's)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".ticket-keys-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(tmp, target)
        else:
            os.link(tmp, target)  # fails if target exists: never overwrite
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def generate_keyring_file(path: str | os.PathLike[str], kid: str = "k1") -> Keyring:
    """Create a one-key keyring file, readable by its owner only.

    Never overwrites (FileExistsError): losing the key would void every ticket
    sold. The file appears atomically, so two workers starting at once cannot
    read a half-written key; the loser gets FileExistsError and should load.
    """
    keyring = Keyring.generate(kid)
    _write_private_file(Path(path), keyring.to_text(), replace=False)
    return keyring


def rotate_keyring_file(path: str | os.PathLike[str], *, sign_now: bool = True) -> Keyring:
    """Add a new key to a keyring file (atomic replace, mode 0600); see
    :meth:`Keyring.with_new_key` and the rotation rules in docs/ticket-format.md."""
    rotated = Keyring.from_file(path).with_new_key(sign_now=sign_now)
    _write_private_file(Path(path), rotated.to_text(), replace=True)
    return rotated


def resolve_keyring(settings: Mapping[str, Any], *, create_missing_file: bool = False) -> Keyring:
    """The keyring the settings name (``os.environ`` and ``app.config`` alike).

    ``TICKET_SIGNING_KEYS`` or ``TICKET_SIGNING_KEYS_FILE``; setting both is an
    error rather than a silent preference. ``create_missing_file`` generates
    the file on first run: the development default. Never pass it in
    production, where a missing key file must stop the app instead of
    quietly minting a key no scanner knows.
    """
    text = settings.get("TICKET_SIGNING_KEYS") or None
    file = settings.get("TICKET_SIGNING_KEYS_FILE") or None
    if text and file:
        raise KeyringError("set TICKET_SIGNING_KEYS or TICKET_SIGNING_KEYS_FILE, not both")
    if text:
        return Keyring.from_text(str(text))
    if not file:
        raise KeyringError("no ticket signing keys configured")
    if create_missing_file and not Path(str(file)).exists():
        try:
            return generate_keyring_file(str(file))
        except FileExistsError:
            pass  # another worker won the race; its file is complete
    return Keyring.from_file(str(file))
