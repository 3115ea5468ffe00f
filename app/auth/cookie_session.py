"""The refresh token in an HttpOnly cookie, for pages in a browser (the driver's scanner).

Why: a page that keeps its refresh token where scripts can read it (``localStorage``)
hands a 30-day session to any script that ever runs in it, so one injected script takes
the account. Asked with ``"refresh_token_in": "cookie"``, sign-in and refresh put the
refresh token in a cookie that

- scripts cannot read (``HttpOnly``),
- no other site's page can make the browser send (``SameSite=Strict``),
- travels only over HTTPS in production (``Secure``),
- goes only to ``/api/v1/auth/refresh`` (``Path``), nowhere else in the API;

and the JSON answer carries the access token only, which the page keeps in memory (15
minutes). ``POST /api/v1/auth/refresh`` with no ``refresh_token`` in the body uses the
cookie and answers the same way; ``DELETE`` on that path ends the cookie's sign-in. Apps
keep the refresh token in the body as before. Rotation, reuse detection and the grace
are the same either way (``app.auth.refresh``).
"""
from __future__ import annotations

from flask import after_this_request, current_app, request

COOKIE = "safiri_refresh"
PATH = "/api/v1/auth/refresh"
MODES = ("body", "cookie")


def cookie_refresh_token() -> str | None:
    return request.cookies.get(COOKIE) or None


def _secure() -> bool:
    return current_app.config["APP_ENV"] == "production"


def set_refresh_cookie(raw: str) -> None:
    max_age = current_app.config["REFRESH_TOKEN_TTL_SECONDS"]

    @after_this_request
    def _set(response):
        response.set_cookie(COOKIE, raw, max_age=max_age, path=PATH, secure=_secure(), httponly=True,
                            samesite="Strict")
        return response


def clear_refresh_cookie() -> None:
    @after_this_request
    def _clear(response):
        response.delete_cookie(COOKIE, path=PATH, secure=_secure(), httponly=True, samesite="Strict")
        return response


def answer(pair, mode: str):
    """The token answer for ``mode``: the pair as is, or its refresh token moved to the cookie."""
    if mode != "cookie":
        return pair
    set_refresh_cookie(pair.refresh_token)
    return {"access_token": pair.access_token, "token_type": pair.token_type, "expires_in": pair.expires_in,
            "user": pair.user}
