"""Public, unauthenticated endpoints outside the versioned API (health, key sets)."""
from flask import Blueprint, jsonify
from sqlalchemy import text

from app.extensions import db

blp = Blueprint("wellknown", __name__)


@blp.get("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
