"""The service as a whole: errors are problem+json, health, OpenAPI (production: test_production_config)."""
from app.config import normalize_database_url


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


def test_unexpected_error_is_problem_json_without_internals(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    assert response.status_code == 500
    assert response.content_type == "application/problem+json"
    assert "secret internals" not in response.get_data(as_text=True)


def test_health(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_openapi_document_is_served(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_heroku_style_database_urls_are_rewritten():
    assert normalize_database_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalize_database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalize_database_url("sqlite:///x.db") == "sqlite:///x.db"
