"""The service as a whole: errors are problem+json, health, OpenAPI (production: test_production_config)."""
import time

import pytest
from redis import Redis
from sqlalchemy.exc import OperationalError

from app.config import normalize_database_url
from app.extensions import db
from app.jobs.periodic import TICK_KEY
from tests.redis_support import REDIS_URL, needs_redis


def test_unknown_url_is_problem_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 404 and body["title"] == "Not Found" and body["type"] == "about:blank"


def test_wrong_method_is_problem_json_with_allow(client):
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert response.content_type == "application/problem+json"
    assert "GET" in response.headers["Allow"]


@pytest.mark.fresh_app  # adds a route, which Flask allows only before an app's first request
def test_unexpected_error_is_problem_json_without_internals(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    assert response.status_code == 500
    assert response.content_type == "application/problem+json"
    assert "secret internals" not in response.get_data(as_text=True)


def test_health(client):
    assert client.get("/healthz").get_json() == {"status": "ok", "checks": {"database": "ok"}}


def test_health_is_503_naming_redis_when_configured_redis_is_down(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    assert response.get_json()["down"] == ["redis"]


def test_health_is_503_naming_the_database_when_it_fails(app, client, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", down)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["down"] == ["database"]


@needs_redis
def test_health_checks_a_configured_redis_and_the_workers_last_tick(make_app):
    app = make_app(REDIS_URL=REDIS_URL, SCHEDULER_STALE_SECONDS=60)
    redis = Redis.from_url(REDIS_URL)
    client = app.test_client()
    redis.delete(TICK_KEY)  # no worker has ticked since Redis started
    stale = client.get("/healthz")
    assert stale.status_code == 200  # this instance serves; the worker is what is missing
    assert stale.get_json() == {
        "status": "degraded", "checks": {"database": "ok", "redis": "ok", "scheduler": "stale"},
        "scheduler": {"status": "stale", "last_tick": None, "age_seconds": None}}
    worker = client.get("/healthz/worker")
    assert worker.status_code == 503 and worker.get_json()["type"] == "/problems/worker-stale"
    redis.set(TICK_KEY, str(time.time() - 300))  # a worker that stopped five minutes ago
    assert client.get("/healthz").get_json()["scheduler"]["age_seconds"] >= 300
    assert client.get("/healthz/worker").status_code == 503

    redis.set(TICK_KEY, str(time.time()))  # the scheduler ticks again
    fresh = client.get("/healthz").get_json()
    assert fresh["status"] == "ok" and fresh["checks"] == {"database": "ok", "redis": "ok", "scheduler": "ok"}
    assert fresh["scheduler"]["age_seconds"] <= 5 and fresh["scheduler"]["last_tick"].endswith("+00:00")
    assert client.get("/healthz/worker").status_code == 200
    redis.delete(TICK_KEY)


def test_without_redis_there_is_no_worker_to_check(client):
    assert client.get("/healthz/worker").status_code == 404


def test_openapi_document_is_served(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_heroku_style_database_urls_are_rewritten():
    assert normalize_database_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalize_database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalize_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_urls_command_prints_where_to_start_at_the_public_base_url(runner):
    result = runner.invoke(args=["urls"])
    assert result.exit_code == 0
    lines = [line.split() for line in result.output.splitlines()[1:]]
    assert [line[-1] for line in lines] == [
        "https://tickets.example.test/", "https://tickets.example.test/api/docs",
        "https://tickets.example.test/dev/phone", "https://tickets.example.test/scan",
        "https://tickets.example.test/carrier",
        "https://tickets.example.test/.well-known/ticket-keys.json",
    ]
