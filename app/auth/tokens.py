"""Short-lived access tokens (JWT, HS256 pinned) signed with ``SECRET_KEY``.

The algorithm is pinned on decode and ``exp``/``iat``/``sub``/``role`` are required, so
an ``alg: none`` or a token without expiry is refused rather than trusted.
"""
from __future__ import annotations

from datetime import timedelta

import jwt
from flask import current_app

from app.database import utcnow

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "role"]


class InvalidToken(Exception):
    """The token is missing, malformed, expired or not ours."""


def issue_access_token(user) -> str:
    now = utcnow()
    claims = {
        "sub": str(user.id),
        "role": user.role,
        "iat": now,
        "exp": now + timedelta(seconds=current_app.config["ACCESS_TOKEN_TTL_SECONDS"]),
        "typ": "access",
    }
    if user.carrier_id is not None:
        claims["carrier"] = user.carrier_id
    return jwt.encode(claims, current_app.config["SECRET_KEY"], algorithm=ALGORITHM)


def decode_access_token(token: str) -> dict:
    try:
        claims = jwt.decode(
            token,
            current_app.config["SECRET_KEY"],
            algorithms=[ALGORITHM],
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("The access token has expired; refresh it.") from None
    except jwt.PyJWTError:
        raise InvalidToken("The access token is not valid.") from None
    if claims.get("typ") != "access":
        raise InvalidToken("The access token is not valid.")
    return claims
