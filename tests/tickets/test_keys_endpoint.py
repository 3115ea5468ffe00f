"""``/.well-known/ticket-keys.json``: the JWK Set scanners download."""
from __future__ import annotations

from app.ticketing.keyring import get_keyring
from tickets.keys import Keyring


def test_jwks_lists_the_public_keys_and_is_cacheable(client, app):
    response = client.get("/.well-known/ticket-keys.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    body = response.get_json()
    assert body == get_keyring().jwks()
    for key in body["keys"]:
        assert (key["kty"], key["crv"]) == ("OKP", "Ed25519") and len(key["x"]) == 43 and key["kid"]
        assert "d" not in key  # never the private part
    assert Keyring.from_jwks(body).public_keys().keys() == get_keyring().public_keys().keys()

    cached = client.get("/.well-known/ticket-keys.json", headers={"If-None-Match": response.headers["ETag"]})
    assert cached.status_code == 304


def test_rotated_keyring_publishes_old_and_new(make_app):
    rotated = Keyring.generate("k1").with_new_key()
    app = make_app(TICKET_SIGNING_KEYS=rotated.to_text(), TICKET_SIGNING_KEYS_FILE=None)
    body = app.test_client().get("/.well-known/ticket-keys.json").get_json()
    assert [k["kid"] for k in body["keys"]] == ["k2", "k1"]
