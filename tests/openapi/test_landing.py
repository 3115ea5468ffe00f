"""``/`` is a small HTML page that links what a newcomer reads or tries first."""
import re

from app import create_app
from tickets.keyring_app import get_keyring


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


def test_landing_page_in_production_does_not_link_the_dev_tools(app, tmp_path, monkeypatch):
    get_keyring(app)  # writes the test key file, which production then reads
    settings = {
        "APP_ENV": "production", "SECRET_KEY": "s" * 48, "CHANNEL_TOKEN": "t" * 48,
        "TICKET_SIGNING_KEYS_FILE": app.config["TICKET_SIGNING_KEYS_FILE"],
        "DATABASE_URL": "postgresql://db/prod", "REDIS_URL": "redis://127.0.0.1:6379/4",
        "AT_USERNAME": "safiri", "AT_API_KEY": "k" * 40, "MPESA_ENV": "production",
        "MPESA_CONSUMER_KEY": "c" * 32, "MPESA_CONSUMER_SECRET": "c" * 32, "MPESA_SHORTCODE": "600000",
        "MPESA_PASSKEY": "p" * 40,
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    production = create_app({"RATELIMIT_STORAGE_URI": "memory://"})
    page = production.test_client().get("/")
    assert page.status_code == 200
    links = _links(page.get_data(as_text=True))
    assert "/api/docs" in links and not any(link.startswith("/dev") for link in links)
