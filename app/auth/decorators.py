"""Route guards: who is calling, and may they?

``auth_required("carrier_admin")`` answers 401 problem+json without a valid token and
403 when the role is wrong. Carrier scoping (a carrier admin only touches their own
carrier) is checked by ``ensure_carrier_access`` where the resource is loaded.
"""
from __future__ import annotations

from functools import wraps

from flask import g, request
from sqlalchemy.orm import lazyload

from app.auth.models import User
from app.auth.tokens import InvalidToken, decode_access_token
from app.errors import Forbidden, NotFound, Unauthorized
from app.extensions import db

BEARER = {"WWW-Authenticate": 'Bearer realm="safiri"'}


def _load_user():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send an access token as 'Authorization: Bearer <token>'.", headers=BEARER)
    try:
        claims = decode_access_token(token.strip())
    except InvalidToken as exc:
        raise Unauthorized(str(exc), headers=BEARER, slug="invalid-token") from None
    try:
        user_id = int(claims["sub"])
    except (TypeError, ValueError):
        raise Unauthorized("The access token is not valid.", headers=BEARER, slug="invalid-token") from None
    # The account alone, re-read on every request (a pause applies at once); views that
    # check a carrier compare ``carrier_id``, so the carrier row is not joined in.
    user = db.session.get(User, user_id, options=[lazyload(User.carrier)])
    if user is None or not user.is_active:
        raise Unauthorized("This account is not active.", headers=BEARER, slug="inactive-account")
    if user.role != claims["role"]:
        raise Unauthorized("Your role changed; sign in again.", headers=BEARER, slug="invalid-token")
    return user


def auth_required(*roles: str):
    """Require a signed-in user, optionally with one of ``roles``."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = _load_user()
            if roles and user.role not in roles:
                raise Forbidden(f"This needs one of the roles: {', '.join(roles)}.")
            g.current_user = user
            return view(*args, **kwargs)

        # flask-smorest reads _apidoc: document the bearer requirement in OpenAPI.
        apidoc = dict(getattr(view, "_apidoc", {}))
        manual = dict(apidoc.get("manual_doc", {}))
        manual["security"] = [{"bearerAuth": []}]
        apidoc["manual_doc"] = manual
        wrapper._apidoc = apidoc
        return wrapper

    return decorator


def current_user():
    """The user ``auth_required`` loaded for this request."""
    return g.current_user


def ensure_carrier_access(user, carrier_id: int) -> None:
    """A carrier's data is invisible to other carriers: answer 404, not 403, to avoid leaking it."""
    if user.role == "platform_admin":
        return
    if user.carrier_id != carrier_id:
        raise NotFound("No such resource.")
