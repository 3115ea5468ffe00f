"""Keyrings: the configuration format, files, rotation and the JWK Set."""

from __future__ import annotations

import json
import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tickets.codec import decode_unverified
from tickets.keys import (
    Keyring,
    KeyringError,
    generate_keyring_file,
    load_keyring,
    load_keyring_file,
    resolve_keyring,
    rotate_keyring_file,
)
from tickets.verifier import Verifier


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _same_public_keys(a: Keyring, b: Keyring) -> bool:
    return [(e.kid, _raw(e.public_key)) for e in a.entries] == [
        (e.kid, _raw(e.public_key)) for e in b.entries
    ]


# --- text format ------------------------------------------------------------------

def test_text_round_trip_keeps_order_and_keys():
    ring = Keyring.generate("k1").with_new_key()
    text = ring.to_text()
    again = load_keyring(text)
    assert [e.kid for e in again.entries] == ["k2", "k1"]
    assert _same_public_keys(ring, again)
    assert again.signing_kid == "k2" and again.can_sign


def test_text_accepts_one_line_json_and_extra_members():
    ring = Keyring.generate("k5")
    items = json.loads(ring.to_text())
    items[0]["created"] = "2025-06-01"
    one_line = json.dumps(items)
    assert "\n" not in one_line
    assert _same_public_keys(load_keyring(one_line), ring)


def test_openssl_style_pem_is_accepted():
    ring = Keyring.generate("k1")
    pem = json.loads(ring.to_text())[0]["pem"]
    text = json.dumps([{"kid": "k3", "pem": "\n\n" + pem.replace("\n", "\r\n")}])
    assert _raw(load_keyring(text).public_keys()["k3"]) == _raw(ring.public_keys()["k1"])


def _ec_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "not valid JSON"),
        ("-----BEGIN PRIVATE KEY-----\nMC4CAQAw\n-----END PRIVATE KEY-----", "not valid JSON"),
        ("{}", "JSON list"),
        ("[]", "at least one key"),
        ('[{"kid": "k1"}]', "'pem'"),
        ('[{"pem": "x"}]', "'kid'"),
        ('[{"kid": "k1", "pem": "SECRETSECRET"}]', "k1: not a readable"),
        ('[{"kid": "key-one", "pem": "%s"}]', "kid must be"),
        ('[{"kid": "k1", "pem": "%s"}, {"kid": "k1", "pem": "%s"}]', "duplicate kid"),
    ],
)
def test_bad_text_is_refused_without_echoing_it(text, message):
    if "%s" in text:
        pem = json.loads(Keyring.generate().to_text())[0]["pem"]
        text = text.replace("%s", json.dumps(pem)[1:-1])
    with pytest.raises(KeyringError) as caught:
        load_keyring(text)
    assert message in str(caught.value)
    assert "SECRET" not in str(caught.value) and "MC4C" not in str(caught.value)


def test_non_ed25519_key_is_refused():
    with pytest.raises(KeyringError, match="not an Ed25519 key"):
        load_keyring(json.dumps([{"kid": "k1", "pem": _ec_pem()}]))


# --- files ------------------------------------------------------------------------

def test_generate_keyring_file_is_private_and_never_overwritten(tmp_path):
    path = tmp_path / "instance" / "ticket-keys.json"
    ring = generate_keyring_file(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert ring.signing_kid == "k1"
    assert _same_public_keys(load_keyring_file(path), ring)
    with pytest.raises(FileExistsError):
        generate_keyring_file(path)
    assert _same_public_keys(load_keyring_file(path), ring)
    assert os.listdir(path.parent) == ["ticket-keys.json"]  # no temp file left


def test_resolve_keyring_from_text_or_file(tmp_path):
    ring = Keyring.generate("k4")
    assert _same_public_keys(resolve_keyring({"TICKET_SIGNING_KEYS": ring.to_text()}), ring)
    path = tmp_path / "keys.json"
    path.write_text(ring.to_text())
    settings = {"TICKET_SIGNING_KEYS": None, "TICKET_SIGNING_KEYS_FILE": str(path)}
    assert _same_public_keys(resolve_keyring(settings), ring)


def test_resolve_keyring_generates_only_when_asked(tmp_path):
    settings = {"TICKET_SIGNING_KEYS_FILE": str(tmp_path / "keys.json")}
    with pytest.raises(FileNotFoundError):
        resolve_keyring(settings)
    first = resolve_keyring(settings, create_missing_file=True)
    second = resolve_keyring(settings, create_missing_file=True)
    assert _same_public_keys(first, second)


@pytest.mark.parametrize(
    "settings",
    [{}, {"TICKET_SIGNING_KEYS": "", "TICKET_SIGNING_KEYS_FILE": ""},
     {"TICKET_SIGNING_KEYS": "[]", "TICKET_SIGNING_KEYS_FILE": "/x"}],
)
def test_resolve_keyring_refuses_missing_or_ambiguous_settings(settings):
    with pytest.raises(KeyringError):
        resolve_keyring(settings, create_missing_file=True)


# --- rotation -----------------------------------------------------------------

def test_rotation_old_key_still_verifies(claims):
    old = Keyring.generate("k1")
    old_ticket = old.sign(claims)
    new = old.with_new_key()
    new_ticket = new.sign(claims)
    assert decode_unverified(new_ticket)[0].kid == "k2"
    verifier = Verifier.from_jwks(new.jwks())
    now = claims.valid_from
    assert verifier.verify(old_ticket, now).status == "valid"
    assert verifier.verify(new_ticket, now).status == "valid"
    # ...and once k1 is retired, its tickets are no longer accepted.
    retired = Keyring(new.entries[:1])
    assert Verifier.from_jwks(retired.jwks()).verify(old_ticket, now).status == "invalid"


def test_staged_key_is_published_but_does_not_sign():
    ring = Keyring.generate("k7").with_new_key(sign_now=False)
    assert [e.kid for e in ring.entries] == ["k7", "k8"]
    assert ring.signing_kid == "k7"
    assert {k["kid"] for k in ring.jwks()["keys"]} == {"k7", "k8"}


def test_key_numbers_wrap_to_lowest_free():
    ring = Keyring.generate("k255")
    assert ring.with_new_key().signing_kid == "k0"
    assert Keyring.generate("k3").with_new_key().with_new_key().signing_kid == "k5"


def test_rotate_keyring_file(tmp_path):
    path = tmp_path / "keys.json"
    original = generate_keyring_file(path)
    rotated = rotate_keyring_file(path)
    assert [e.kid for e in load_keyring_file(path).entries] == ["k2", "k1"]
    assert _same_public_keys(load_keyring_file(path), rotated)
    assert _raw(rotated.public_keys()["k1"]) == _raw(original.public_keys()["k1"])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


# --- JWK Set --------------------------------------------------------------------

def test_jwks_shape():
    ring = Keyring.generate("k1").with_new_key()
    jwks = json.loads(json.dumps(ring.jwks()))
    assert [k["kid"] for k in jwks["keys"]] == ["k2", "k1"]
    for jwk in jwks["keys"]:
        assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519"
        assert len(jwk["x"]) == 43 and "=" not in jwk["x"]
        assert "d" not in jwk  # never the private part


def test_jwks_round_trip_is_verification_only():
    ring = Keyring.generate("k1").with_new_key()
    public = Keyring.from_jwks(json.loads(json.dumps(ring.jwks())))
    assert _same_public_keys(public, ring)
    assert not public.can_sign
    with pytest.raises(KeyringError):
        public.signing_key
    with pytest.raises(KeyringError):
        public.to_text()


def test_jwks_skips_foreign_keys():
    ring = Keyring.generate("k1")
    jwks = {"keys": [{"kty": "EC", "crv": "P-256", "kid": "other", "x": "a", "y": "b"},
                     {"kty": "OKP", "crv": "X25519", "kid": "k9", "x": "a"},
                     {**ring.jwks()["keys"][0], "use": "enc"},
                     *ring.jwks()["keys"]]}
    assert list(Keyring.from_jwks(jwks).public_keys()) == ["k1"]


@pytest.mark.parametrize(
    "jwks",
    [
        None, [], {}, {"keys": {}}, {"keys": []}, {"keys": ["k1"]},
        {"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "k1"}]},
        {"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "k1", "x": "AAAA"}]},
        {"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "k1", "x": "A" * 42 + "B"}]},
        {"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "k1", "x": "A" * 42 + "A="}]},
        {"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "first", "x": "A" * 43}]},
    ],
)
def test_malformed_jwks_is_refused(jwks):
    with pytest.raises(KeyringError):
        Keyring.from_jwks(jwks)
