"""Public, unauthenticated endpoints outside the versioned API (health, key sets)."""
import logging

from flask import Blueprint, current_app, jsonify, request
from redis import Redis
from sqlalchemy import text

from app.errors import problem
from app.extensions import db
from app.ticketing.keyring import get_keyring

log = logging.getLogger(__name__)
blp = Blueprint("wellknown", __name__)


def _redis(app):
    """One client per app, with short timeouts: a health check must answer quickly."""
    client = app.extensions.get("health_redis")
    if client is None:
        client = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=1, socket_timeout=1)
        app.extensions["health_redis"] = client
    return client


@blp.get("/healthz")
def health():
    """200 when the app can serve: its database answers, and Redis when configured (jobs,
    rate limits and USSD state live there). 503 problem+json naming what is down, so a
    load balancer or a deploy's release check takes the instance out."""
    app = current_app._get_current_object()
    checks, down = {}, []
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        db.session.rollback()
        log.error("health: database unreachable (%s)", type(exc).__name__)
        down.append("database")
    if app.config.get("REDIS_URL"):
        try:
            _redis(app).ping()
            checks["redis"] = "ok"
        except Exception as exc:
            log.error("health: Redis unreachable (%s)", type(exc).__name__)
            down.append("redis")
    if down:
        return problem(503, "Service unavailable", f"Unreachable: {', '.join(down)}.",
                       slug="unhealthy", down=down)
    return jsonify(status="ok", checks=checks)


@blp.get("/.well-known/ticket-keys.json")
def ticket_keys():
    """JWK Set of the public keys that verify tickets (scanners cache it; 304 on ETag).

    Public and short-lived in caches (5 minutes) so a staged key reaches scanners soon.
    """
    response = jsonify(get_keyring().jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    response.add_etag()
    return response.make_conditional(request)
