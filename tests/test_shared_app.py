"""Tests share one app (building one per test was most of a run), yet each starts clean.

The first two tests run in file order: the first changes the app the way tests do
(a setting, a per-app cache, the rate limit of the short links); the second gets the
same app back with none of it left.
"""
import pytest

DEFAULT_BASE_URL = "https://tickets.example.test"
_first: dict = {}


def test_a_test_that_changes_the_shared_app(app, client):
    _first["app"] = app
    app.config["PUBLIC_BASE_URL"] = "https://changed.example.test"
    app.extensions["sms_backend"] = object()
    statuses = [client.get("/t/ABCD-EFGH").status_code for _ in range(31)]
    assert statuses[-1] == 429  # 30 per minute


def test_the_next_test_gets_the_same_app_with_nothing_left_over(app, client):
    if "app" not in _first:
        pytest.skip("run together with test_a_test_that_changes_the_shared_app (file order)")
    assert app is _first["app"]
    assert app.config["PUBLIC_BASE_URL"] == DEFAULT_BASE_URL
    assert "sms_backend" not in app.extensions
    assert client.get("/t/ABCD-EFGH").status_code == 404  # not 429: limits start at zero


@pytest.mark.fresh_app
def test_fresh_app_marker_gives_a_test_an_app_of_its_own(app):
    assert app is not _first.get("app")


def test_make_app_gives_a_separately_configured_app(app, make_app):
    other = make_app(PUBLIC_BASE_URL="https://other.example.test")
    assert other is not app
    assert other.config["PUBLIC_BASE_URL"] == "https://other.example.test"
    assert app.config["PUBLIC_BASE_URL"] == DEFAULT_BASE_URL
