"""``/`` is a small HTML page that links what a newcomer reads or tries first."""
import re

from app import create_app
from tests.production_env import production_environ, set_environ


def _links(html: str) -> set[str]:
    return set(re.findall(r'(?:href|src)="([^"]+)"', html))


def test_landing_page_links_docs_openapi_keys_and_dev_tools(client):
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    links = _links(response.get_data(as_text=True))
    assert {"/api/docs", "/api/openapi.json", "/.well-known/ticket-keys.json", "/dev/phone", "/dev/outbox"} <= links
    for link in links:  # every link and asset is served by the app itself (no CDN)
        assert link.startswith("/"), link
        with client.get(link) as served:
            assert served.status_code == 200, link
    assert "Authorization: Bearer" in response.get_data(as_text=True)


def test_landing_page_in_production_does_not_link_the_dev_tools(monkeypatch):
    set_environ(monkeypatch, production_environ())
    production = create_app({"RATELIMIT_STORAGE_URI": "memory://"})
    page = production.test_client().get("/")
    assert page.status_code == 200
    links = _links(page.get_data(as_text=True))
    assert "/api/docs" in links and not any(link.startswith("/dev") for link in links)


def test_landing_page_links_every_page(client):
    """CONTRACTS.md "Pages": the scanner and the carrier dashboard are reachable from ``/``."""
    links = _links(client.get("/").get_data(as_text=True))
    assert {"/scan", "/carrier"} <= links
