"""Public, unauthenticated endpoints outside the versioned API (health, key sets)."""
from flask import Blueprint, jsonify, request
from sqlalchemy import text

from app.extensions import db

blp = Blueprint("wellknown", __name__)


@blp.get("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")


@blp.get("/.well-known/ticket-keys.json")
def ticket_keys():
    """JWK Set of the public keys that verify tickets (scanners cache it; 304 on ETag).

    Public and short-lived in caches (5 minutes) so a staged key reaches scanners soon.
    """
    from tickets.keyring_app import get_keyring

    response = jsonify(get_keyring().jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    response.add_etag()
    return response.make_conditional(request)
