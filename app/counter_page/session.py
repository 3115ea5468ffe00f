"""The counter page's sign-in: a signed cookie for ``/counter`` only, and its form tokens.

Why a cookie of its own and not the API's tokens: the page is server-rendered forms (light
on a slow connection, nothing to run on a cheap tablet), so the browser must carry the
sign-in itself. After the SMS code is checked (``app.auth.service.sign_in``, the same
check as the API; the refresh token it issues is ended at once: the page never uses it),
the cookie holds the agent's id and a random nonce, signed with ``SECRET_KEY``
(itsdangerous) and valid for one shift (``MAX_AGE``). It is ``HttpOnly``,
``SameSite=Strict`` (no other site's page can make the browser send it, so a form posted
from elsewhere arrives signed out), ``Path=/counter`` and ``Secure`` in production. Every
form also carries a token derived from the nonce (``csrf_token``), checked on every POST.
Each request reloads the account: a deactivated agent, or one whose role changed, is
signed out at once.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.auth.models import User
from app.extensions import db

COOKIE = "safiri_counter"
PATH = "/counter"
MAX_AGE = 14 * 3600  # a long shift


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="counter-session")


def new_session(user: User) -> str:
    """The cookie value for a freshly signed-in agent."""
    return _serializer().dumps({"u": user.id, "n": secrets.token_urlsafe(16)})


def set_cookie(response, value: str) -> None:
    response.set_cookie(COOKIE, value, max_age=MAX_AGE, path=PATH, httponly=True, samesite="Strict",
                        secure=current_app.config["APP_ENV"] == "production")


def clear_cookie(response) -> None:
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="Strict",
                           secure=current_app.config["APP_ENV"] == "production")


def _claims() -> dict | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        claims = _serializer().loads(raw, max_age=MAX_AGE)
    except BadSignature:
        return None
    return claims if isinstance(claims, dict) and isinstance(claims.get("u"), int) else None


_CACHE = "safiri.counter_session"  # per request (the WSGI environ), not per app context


def _session() -> tuple[User | None, str | None]:
    cached = request.environ.get(_CACHE)
    if cached is None:
        claims = _claims()
        user = db.session.get(User, claims["u"]) if claims else None
        active = user is not None and user.is_active
        cached = request.environ[_CACHE] = (user if active else None, claims["n"] if active else None)
    return cached


def signed_in_user() -> User | None:
    """The account of this request's cookie when it is an active account (any role), else None."""
    return _session()[0]


def csrf_token() -> str:
    """The token every form of a signed-in page carries (bound to this sign-in's nonce)."""
    nonce = _session()[1] or ""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"counter-csrf:" + nonce.encode(), hashlib.sha256).hexdigest()[:32]


def csrf_ok() -> bool:
    sent = request.form.get("csrf", "")
    return bool(_session()[1]) and hmac.compare_digest(sent, csrf_token())
