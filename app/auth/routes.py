"""``/api/v1/auth``: request a code, exchange it for tokens, refresh, log out.

Code requests are rate limited twice with Flask-Limiter: per phone number (an SMS costs
money and pesters the number's owner) and per client address (one client spraying many
numbers). Both limits are checked after the body validated, so a malformed request
costs nothing but also never sends an SMS. The phone key is an HMAC of the number, so
the limiter's storage (Redis in production) holds no phone numbers. A breach raises
Flask-Limiter's ``RateLimitExceeded`` (a werkzeug ``TooManyRequests``), which
``app.errors`` renders as problem+json; the limiter adds ``Retry-After``.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request
from flask.views import MethodView
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint

from app.auth import cookie_session, service
from app.auth.schemas import (
    LogoutRequestSchema,
    OtpAcceptedSchema,
    OtpRequestSchema,
    RefreshRequestSchema,
    TokenRequestSchema,
    TokenResponseSchema,
)
from app.core.phone import normalize_phone
from app.errors import ApiError, Unauthorized, Unprocessable
from app.extensions import limiter

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sign in with a phone number")


def _phone_key() -> str:
    """Rate-limit key of the (already validated) phone in the body, without the number itself."""
    phone = normalize_phone(request.get_json(silent=True)["phone"], current_app.config["DEFAULT_COUNTRY"])
    key = current_app.config["SECRET_KEY"].encode()
    return "otp-phone:" + hmac.new(key, phone.encode(), hashlib.sha256).hexdigest()[:32]


def _per_phone() -> str:
    return current_app.config["OTP_RATE_LIMIT_PER_PHONE"]


def _per_address() -> str:
    return current_app.config["OTP_RATE_LIMIT_PER_ADDRESS"]


@blp.route("/otp")
class OtpRequest(MethodView):
    @blp.arguments(OtpRequestSchema)
    @blp.response(202, OtpAcceptedSchema)
    @blp.alt_response(429, description="Too many codes requested")
    @limiter.limit(_per_phone, key_func=_phone_key,
                   error_message="Too many codes were requested for this number; try again later.")
    @limiter.limit(_per_address, key_func=get_remote_address,
                   error_message="Too many codes were requested from this address; try again later.")
    def post(self, data):
        """Send a one-time sign-in code by SMS.

        Answers 202 for every valid number, with or without an account.
        """
        return {"expires_in": service.request_sign_in_code(data["phone"], data.get("language"))}


@blp.route("/token")
class TokenExchange(MethodView):
    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenResponseSchema)
    @blp.alt_response(400, description="Code wrong (invalid-code), expired (code-expired) or dead (too-many-attempts)")
    def post(self, data):
        """Exchange a code for an access token and a refresh token.

        With `"refresh_token_in": "cookie"` (a page in a browser) the refresh token is set
        as an HttpOnly cookie limited to `/api/v1/auth/refresh` instead of answered.
        """
        pair = service.sign_in(data["phone"], data["code"], data.get("language"))
        return cookie_session.answer(pair, data["refresh_token_in"])


def _client_fingerprint() -> str:
    """The refreshing client, as an HMAC of its address and User-Agent (neither is stored)."""
    key = current_app.config["SECRET_KEY"].encode()
    seen = f"{get_remote_address()}|{request.headers.get('User-Agent', '')}"
    return hmac.new(key, b"refresh-client:" + seen.encode(), hashlib.sha256).hexdigest()[:32]


@blp.route("/refresh")
class TokenRefresh(MethodView):
    @blp.arguments(RefreshRequestSchema)
    @blp.response(200, TokenResponseSchema)
    @blp.alt_response(401, description="Unknown, expired, revoked or reused refresh token")
    def post(self, data):
        """Rotate a refresh token: the old one stops working, a new one comes back.

        Each refresh token works once. Presenting a used one again is taken as theft and
        ends every session of that sign-in (401 `refresh-token-reused`), with one grace:
        the same client (same address and User-Agent) presenting it again within 10
        seconds of its rotation, e.g. two requests racing or a retry after a lost answer,
        gets the same successor token back (200) and stays signed in, as long as that
        successor has not been used yet. Keep whichever answer arrives; both carry the
        same refresh token.

        Without `refresh_token` in the body, the session cookie is used (set by
        `"refresh_token_in": "cookie"`), and the new refresh token goes back in it.
        """
        raw = data["refresh_token"] or cookie_session.cookie_refresh_token()
        if raw is None:
            raise Unprocessable("Send refresh_token (or sign in again: no session cookie came).",
                                errors={"refresh_token": ["Missing data for required field."]})
        mode = data["refresh_token_in"] or ("body" if data["refresh_token"] else "cookie")
        try:
            pair = service.refresh_session(raw, _client_fingerprint())
        except ApiError:
            if raw == cookie_session.cookie_refresh_token():
                cookie_session.clear_refresh_cookie()  # a dead session: the page signs in again
            raise
        return cookie_session.answer(pair, mode)

    @blp.response(204)
    @blp.alt_response(401, description="no session cookie, or one of an ended sign-in")
    def delete(self):
        """Sign out of the cookie's session: every refresh token of its sign-in is revoked."""
        raw = cookie_session.cookie_refresh_token()
        cookie_session.clear_refresh_cookie()
        if raw is None:
            raise Unauthorized("No session cookie came.", slug="refresh-token-missing")
        service.end_session(raw)


@blp.route("/logout")
class Logout(MethodView):
    @blp.arguments(LogoutRequestSchema)
    @blp.response(204)
    def post(self, data):
        """End this sign-in: every refresh token of its family is revoked."""
        service.end_session(data["refresh_token"])
