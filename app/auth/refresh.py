"""Refresh tokens: opaque, stored as SHA-256, rotated on every use, revoked by family.

Why rotation with families: a refresh token lives for weeks on a phone that can be lost
or copied. Each use returns a successor and marks the old one used; if a used token is
ever presented again, either the thief or the owner holds a stale copy, and we cannot
tell which, so the whole family (every token descended from that sign-in) is revoked
and both must sign in again. SHA-256 without a key is enough here: the tokens are 256
random bits, not guessable passwords.

Expiry slides: each successor lives ``REFRESH_TOKEN_TTL_SECONDS`` from its issue, so a
passenger who opens the app monthly stays signed in.

Grace for the same client: an app that refreshes from two places at once (two tabs, a
retry after a dropped answer) presents one token twice within a second. Taken as theft,
that would end the sign-in of the very client that just rotated it. So a reuse within
``REFRESH_REUSE_GRACE_SECONDS`` (10 s) of the rotation, by the client that rotated it
(same ``client`` fingerprint: an HMAC of address and User-Agent), gets the successor
that rotation issued, as long as that successor is still unused and unrevoked: both
callers end up holding the same live token and the family stays one chain. The successor
can be handed out again without storing it because it is derived from its predecessor
(an HMAC keyed with ``SECRET_KEY``); only its hash is stored. Any other reuse (later,
from another client, or after the successor moved on) still revokes the whole family.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from app.auth.models import RefreshToken, User
from app.database import utcnow
from app.errors import Unauthorized
from app.extensions import db

log = logging.getLogger(__name__)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _successor(raw: str) -> str:
    """The raw token that rotating ``raw`` issues: unguessable without ``SECRET_KEY``."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, b"refresh-successor:" + raw.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue(user: User, family_id: str | None = None, *, raw: str | None = None) -> str:
    """Add a new refresh token for ``user`` (a new family unless given); return the raw token."""
    raw = raw or secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id or secrets.token_hex(16),
            token_hash=_hash(raw),
            created_at=now,
            expires_at=now + timedelta(seconds=current_app.config["REFRESH_TOKEN_TTL_SECONDS"]),
        )
    )
    db.session.flush()
    return raw


def _load(raw: str, *, lock: bool) -> RefreshToken | None:
    query = select(RefreshToken).where(RefreshToken.token_hash == _hash(raw))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalars(query).first()


def _invalid(detail: str = "This refresh token is not valid; sign in again.", slug: str = "invalid-refresh-token"):
    return Unauthorized(detail, slug=slug)


def revoke_family(family_id: str) -> None:
    db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_all_for_user(user_id: int) -> None:
    """End every session of a user (deactivation, deletion)."""
    db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def _within_grace(token: RefreshToken, client: str | None) -> bool:
    grace = current_app.config.get("REFRESH_REUSE_GRACE_SECONDS", 0)
    return bool(
        grace and client and token.used_by == client
        and utcnow() - token.used_at <= timedelta(seconds=grace)
    )


def _live_successor(token: RefreshToken, raw: str) -> RefreshToken | None:
    successor = _load(_successor(raw), lock=True)
    if (successor is None or successor.family_id != token.family_id or successor.used_at is not None
            or successor.revoked_at is not None or successor.expires_at <= utcnow()):
        return None
    return successor


def rotate(raw: str, client: str | None = None) -> tuple[User, str] | Unauthorized:
    """Exchange ``raw`` for a successor; return the user and the new raw token. Never commits.

    ``client`` fingerprints the caller (see the module docstring): a reuse by the same
    client within the grace gets the successor already issued. Raises 401 for unknown,
    expired or revoked tokens. A reuse revokes the family and *returns* its 401 instead of
    raising it: the caller's unit of work commits the revocation, then raises, so the
    revocation sticks.
    """
    token = _load(raw, lock=True)  # a concurrent rotation of the same token waits here
    if token is None or token.revoked_at is not None:
        raise _invalid()
    if token.used_at is not None:
        if _within_grace(token, client):
            successor = _live_successor(token, raw)
            user = db.session.get(User, token.user_id)
            if successor is not None and user is not None and user.is_active:
                log.info("refresh token of user %s presented again within the grace: successor returned",
                         token.user_id)
                return user, _successor(raw)
        revoke_family(token.family_id)
        log.warning("refresh token reuse for user %s: family revoked", token.user_id)
        return _invalid(
            "This refresh token was already used; every session of this sign-in has been ended.",
            slug="refresh-token-reused",
        )
    if token.expires_at <= utcnow():
        raise _invalid("This refresh token has expired; sign in again.", slug="refresh-token-expired")
    user = db.session.get(User, token.user_id)
    if user is None or not user.is_active:
        raise _invalid("This account is not active.", slug="inactive-account")
    token.used_at = utcnow()
    token.used_by = client
    db.session.flush()  # free the family's live slot before its successor takes it
    return user, issue(user, token.family_id, raw=_successor(raw))


def logout(raw: str) -> None:
    """Revoke the family of ``raw`` (idempotent for a token we know; 401 for one we don't)."""
    token = _load(raw, lock=False)
    if token is None:
        raise _invalid()
    revoke_family(token.family_id)
