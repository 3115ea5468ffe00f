"""Every page and API answer carries the security headers (app.core.security_headers).

Break 7 of issue 14: ``/``, ``/scan``, ``/t/<code>`` and ``/api/docs`` sent no
Content-Security-Policy, no ``frame-ancestors``, no ``X-Content-Type-Options``, and
production no HSTS. What the browser does with them is tested in Chromium
(tests/test_page_security_browser.py); production's HSTS and ``Server`` against the real
gunicorn (tests/test_production_logs.py).
"""
from __future__ import annotations

import pytest

from app.core.security_headers import script_hash
from tests.tickets.test_scan_support import sell


def _directives(policy: str) -> dict[str, str]:
    return {part.split()[0]: part.split(" ", 1)[1] for part in policy.split("; ")}


@pytest.fixture
def paths(world):
    ticket = sell(world)[0]
    return ["/", "/scan", "/carrier", f"/t/{ticket.short_code}", "/t/NOSUCHCODE", "/api/docs", "/dev/phone",
            "/api/openapi.json", "/api/v1/trips/999999", "/scan/sw.js", "/api/docs/init.js"]


def test_every_response_has_a_strict_policy_and_its_companions(client, paths):
    for path in paths:
        response = client.get(path)
        response.close()  # a served file stays open until closed
        assert response.status_code in (200, 404), path
        headers = response.headers
        policy = _directives(headers["Content-Security-Policy"])
        assert policy["frame-ancestors"] == "'none'", path
        assert policy["default-src"] == policy["style-src"] == policy["connect-src"] == "'self'", path
        assert policy["script-src"].split()[0] == "'self'", path
        assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "https:"} & set(policy["script-src"].split()), path
        assert policy["object-src"] == policy["base-uri"] == "'none'", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["Referrer-Policy"] == "no-referrer", path
        assert "Strict-Transport-Security" not in headers, path  # development is plain HTTP


def test_an_inline_script_is_allowed_only_by_its_hash(client):
    """The scanner's import map is the one inline script; it is allowed by its SHA-256 only."""
    response = client.get("/scan")
    html = response.get_data(as_text=True)
    start = html.index('<script type="importmap">') + len('<script type="importmap">')
    import_map = html[start:html.index("</script>", start)]
    sources = _directives(response.headers["Content-Security-Policy"])["script-src"].split()
    assert sources == ["'self'", script_hash(import_map)]
    assert "<script>" not in html and "<style>" not in html
    for path in ("/", "/api/docs", "/dev/phone"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and "<style>" not in page, path


def test_production_adds_hsts(client, app):
    environment = app.config["APP_ENV"]
    app.config["APP_ENV"] = "production"  # only what the header hook reads
    try:
        response = client.get("/")
    finally:
        app.config["APP_ENV"] = environment
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
