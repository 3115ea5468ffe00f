"""A browser page's refresh token lives in an HttpOnly cookie, never where scripts read it.

Break 7 of issue 14: the scanner kept its access and refresh tokens in ``localStorage``,
so any script that ever ran in the page took a 30-day session. Sign-in and refresh with
``"refresh_token_in": "cookie"`` now set the refresh token as a cookie scripts cannot read,
sent only to the refresh path, and answer the access token alone.
"""
from __future__ import annotations

from tests.auth.flow import assert_problem, bearer, exchange, latest_code, request_code
from tests.auth.test_refresh import _after_the_grace

PATH = "/api/v1/auth/refresh"


def _set_cookie(response) -> str:
    (header,) = [value for name, value in response.headers if name == "Set-Cookie"]
    return header


def _cookie_sign_in(client, phone: str):
    assert request_code(client, phone).status_code == 202
    return exchange(client, phone, latest_code(client, phone), refresh_token_in="cookie")


def test_sign_in_sets_an_httponly_strict_cookie_on_the_refresh_path_only(client):
    response = _cookie_sign_in(client, "+254755100001")
    assert response.status_code == 200
    body = response.get_json()
    assert "refresh_token" not in body and body["access_token"] and body["user"]["phone"] == "+254755100001"
    cookie = _set_cookie(response)
    assert cookie.startswith("safiri_refresh=")
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert attributes["path"] == f"Path={PATH}" and "httponly" in attributes
    assert attributes["samesite"] == "SameSite=Strict" and "secure" not in attributes  # http in development
    assert client.get_cookie("safiri_refresh", path=PATH) is not None
    assert client.get_cookie("safiri_refresh", path="/api/v1/me") is None  # never sent to the rest of the API
    assert client.get("/api/v1/me", headers=bearer(body)).status_code == 200


def test_the_cookie_is_secure_in_production(client, app):
    assert request_code(client, "+254755100002").status_code == 202
    code = latest_code(client, "+254755100002")
    environment = app.config["APP_ENV"]
    app.config["APP_ENV"] = "production"  # only what the cookie reads
    try:
        response = exchange(client, "+254755100002", code, refresh_token_in="cookie")
    finally:
        app.config["APP_ENV"] = environment
    assert "Secure" in _set_cookie(response)


def test_refresh_with_the_cookie_rotates_it_and_answers_the_access_token_only(client, db):
    _cookie_sign_in(client, "+254755100003")
    first = client.get_cookie("safiri_refresh", path=PATH).value
    response = client.post(PATH, json={})
    assert response.status_code == 200
    body = response.get_json()
    assert "refresh_token" not in body and client.get("/api/v1/me", headers=bearer(body)).status_code == 200
    second = client.get_cookie("safiri_refresh", path=PATH).value
    assert second != first
    # The rotated value replayed after the grace is theft: 401, and the cookie is cleared.
    _after_the_grace(db)
    client.set_cookie("safiri_refresh", first, path=PATH)
    assert_problem(client.post(PATH, json={}), 401, "refresh-token-reused")
    assert client.get_cookie("safiri_refresh", path=PATH) is None


def test_an_app_token_moves_into_the_cookie_and_delete_signs_out(client):
    assert request_code(client, "+254755100004").status_code == 202
    tokens = exchange(client, "+254755100004", latest_code(client, "+254755100004")).get_json()
    moved = client.post(PATH, json={"refresh_token": tokens["refresh_token"], "refresh_token_in": "cookie"})
    assert moved.status_code == 200 and "refresh_token" not in moved.get_json()
    assert client.delete(PATH).status_code == 204
    assert client.get_cookie("safiri_refresh", path=PATH) is None
    assert_problem(client.post(PATH, json={}), 422)  # no cookie, no token: nothing to refresh
    assert_problem(client.delete(PATH), 401, "refresh-token-missing")
