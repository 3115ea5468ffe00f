"""Public, unauthenticated endpoints outside the versioned API (health, key sets)."""
import logging
import time
from datetime import datetime, timezone

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import text

from app.errors import problem
from app.extensions import db, redis_for_web
from app.jobs.periodic import last_tick
from app.ticketing.keyring import get_keyring

log = logging.getLogger(__name__)
blp = Blueprint("wellknown", __name__)


def _redis(app):
    """One client per app, with short timeouts: a health check must answer quickly."""
    client = app.extensions.get("health_redis")
    if client is None:
        client = app.extensions["health_redis"] = redis_for_web(app.config["REDIS_URL"], timeout=1)
    return client


def _scheduler(app, client) -> dict:
    """The worker's scheduler as Redis last saw it: its last tick and how old that is."""
    tick = last_tick(client)
    age = None if tick is None else max(0, int(time.time() - tick))
    stale = age is None or age > float(app.config.get("SCHEDULER_STALE_SECONDS") or 60)
    return {
        "status": "stale" if stale else "ok",
        "last_tick": None if tick is None else datetime.fromtimestamp(tick, timezone.utc).isoformat(),
        "age_seconds": age,
    }


@blp.get("/healthz")
def health():
    """Can this instance serve, and is the background work moving?

    503 problem+json naming what is down when the database or (when configured) Redis
    does not answer: a load balancer or a deploy's release check takes the instance out.
    With Redis, the answer also shows the worker's scheduler (``scheduler``: its last tick
    and its age). A tick older than ``SCHEDULER_STALE_SECONDS`` (or none since Redis
    started) means no worker is running its sweeps: the answer stays 200, since this web
    instance serves fine and taking every one out would not help, but says
    ``"status": "degraded"`` and ``checks.scheduler: "stale"``. ``/healthz/worker`` answers
    503 then, for a monitor that should page someone.
    """
    app = current_app._get_current_object()
    checks, down, extra = {}, [], {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        db.session.rollback()
        log.error("health: database unreachable (%s)", type(exc).__name__)
        down.append("database")
    if app.config.get("REDIS_URL"):
        try:
            client = _redis(app)
            client.ping()
            checks["redis"] = "ok"
            extra["scheduler"] = _scheduler(app, client)
            checks["scheduler"] = extra["scheduler"]["status"]
        except Exception as exc:
            log.error("health: Redis unreachable (%s)", type(exc).__name__)
            down.append("redis")
    if down:
        return problem(503, "Service unavailable", f"Unreachable: {', '.join(down)}.",
                       slug="unhealthy", down=down)
    status = "degraded" if "stale" in checks.values() else "ok"
    return jsonify(status=status, checks=checks, **extra)


@blp.get("/healthz/worker")
def worker_health():
    """200 while the worker's scheduler ticks; 503 ``worker-stale`` when it has not ticked
    for ``SCHEDULER_STALE_SECONDS`` (or Redis is unreachable). Without Redis there is no
    worker: 404."""
    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        return problem(404, "Not found", "No worker: jobs run inline (REDIS_URL is not set).")
    try:
        scheduler = _scheduler(app, _redis(app))
    except Exception as exc:
        log.error("health: Redis unreachable (%s)", type(exc).__name__)
        return problem(503, "Service unavailable", "Unreachable: redis.", slug="unhealthy", down=["redis"])
    if scheduler["status"] != "ok":
        return problem(503, "Worker not running", "The worker's scheduler has not ticked recently.",
                       slug="worker-stale", scheduler=scheduler)
    return jsonify(status="ok", scheduler=scheduler)


@blp.get("/.well-known/ticket-keys.json")
def ticket_keys():
    """JWK Set of the public keys that verify tickets (scanners cache it; 304 on ETag).

    Public and short-lived in caches (5 minutes) so a staged key reaches scanners soon.
    """
    response = jsonify(get_keyring().jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    response.add_etag()
    return response.make_conditional(request)
