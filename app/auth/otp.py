"""One-time sign-in codes: issue, send by SMS, verify.

Why this shape:
- The code is 6 digits from ``secrets`` and only an HMAC-SHA256 of phone and code (keyed
  with ``SECRET_KEY``) is stored, so a database leak does not hand out live codes and a
  hash cannot be replayed for another number.
- A challenge lives ``OTP_TTL_SECONDS`` and survives ``OTP_MAX_ATTEMPTS`` wrong guesses;
  then it is dead and a new code must be requested (which the rate limit throttles).
  Together that bounds guessing to a few tries per 10^6 codes per window.
- Each wrong guess is committed before the error is raised: a rolled-back counter
  would make the attempt limit meaningless. So ``verify_code`` returns the rejection
  instead of raising it; the sign-in's unit of work commits the count, then raises it.
- Nothing here commits: the use cases in ``app.auth.service`` run these functions in
  their unit of work (``app.extensions.unit_of_work``).
- Status strings change only in ``_close`` (the one transition of this state machine:
  ``pending → verified | superseded | expired | exhausted``).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.auth.models import OtpChallenge
from app.auth.states import OTP, SIGN_IN
from app.core.phone import mask_phone
from app.database import utcnow
from app.errors import ApiError
from app.extensions import db
from app.messaging import t
from app.messaging.service import queue_sms

log = logging.getLogger(__name__)

CODE_DIGITS = 6
ISSUE_ATTEMPTS = 3  # runs of ``issue_code`` tried when concurrent requests for one number collide

# Short, GSM-7 only (no accents, no curly quotes), so each fits one SMS part.
class CodeRejected(ApiError):
    """A sign-in code was not accepted (wrong, expired or out of attempts).

    400 like OAuth's ``invalid_grant``: the request is well formed but the grant fails;
    the ``slug`` tells the client which of the three cases it is.
    """

    status, title = 400, "Code not accepted"


def _code_hash(phone: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def sms_text(code: str, language: str | None) -> str:
    """The sign-in code SMS in the recipient's language (catalogue ``otp_sms``)."""
    minutes = max(1, current_app.config["OTP_TTL_SECONDS"] // 60)
    return t("otp_sms", language, code=code, minutes=minutes)


def _close(challenge: OtpChallenge, status: str) -> None:
    """Close a pending challenge (locked by ``verify_code``) through the OTP machine."""
    now = utcnow()
    OTP.transition(challenge, status, actor=SIGN_IN, now=now, locked=True)
    challenge.closed_at = now


def issue_code(phone: str, *, language: str | None = None, user_id: int | None = None) -> OtpChallenge:
    """Supersede any pending code for ``phone``, store a new one and queue its SMS; never commits.

    The caller's unit of work commits, and the SMS leaves only after that commit, so a
    failed insert never sends a code that cannot be verified. A concurrent request for the
    same number may insert its pending code between our update and insert: the partial
    unique index refuses ours (``IntegrityError``) and the unit of work runs this again,
    superseding that one too (up to ``ISSUE_ATTEMPTS`` runs; then ``code_request_raced``).
    """
    now = utcnow()
    code = _new_code()
    OTP.bulk(OtpChallenge.phone == phone, to="superseded", actor=SIGN_IN, reason="a new code was requested",
             now=now, values={"closed_at": now})
    challenge = OtpChallenge(
        phone=phone,
        code_hash=_code_hash(phone, code),
        expires_at=now + timedelta(seconds=current_app.config["OTP_TTL_SECONDS"]),
    )
    db.session.add(challenge)
    db.session.flush()  # the partial unique index decides a race here, before any SMS is queued
    queue_sms(phone, sms_text(code, language), kind="otp", user_id=user_id)
    return challenge


def code_request_raced() -> ApiError:
    """429: every run of ``issue_code`` collided. That means a burst of requests for one
    number: its code is on its way from a concurrent request."""
    return ApiError(
        "A code for this number was requested at the same moment and is on its way; "
        "wait for it or try again in a few seconds.",
        status=429, title="Too many requests", slug="code-request-raced", headers={"Retry-After": "2"},
    )


def verify_code(phone: str, code: str) -> CodeRejected | None:
    """Accept ``code`` for ``phone`` (None) or return the ``CodeRejected`` to raise; never commits.

    On success the challenge is marked verified in the caller's unit of work, which commits
    it together with the user and tokens it creates. On failure the rejection is returned,
    not raised: the caller's unit of work commits the attempt (or the expiry) first, then
    raises it (raising here would roll the count back).
    """
    challenge = db.session.scalars(
        select(OtpChallenge)
        .where(OtpChallenge.phone == phone)
        .order_by(OtpChallenge.id.desc())
        .limit(1)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if challenge is None or challenge.status in ("verified", "superseded"):
        return CodeRejected(
            "No code is waiting for this number; request a new one.", slug="invalid-code",
            attempts_left=0,
        )
    if challenge.status == "exhausted":
        return _too_many()
    if challenge.status == "expired" or challenge.expires_at <= utcnow():
        if challenge.status == "pending":
            _close(challenge, "expired")
        return CodeRejected("This code has expired; request a new one.", slug="code-expired")

    if hmac.compare_digest(challenge.code_hash, _code_hash(phone, code)):
        _close(challenge, "verified")
        return None

    challenge.attempts += 1
    left = current_app.config["OTP_MAX_ATTEMPTS"] - challenge.attempts
    if left <= 0:
        _close(challenge, "exhausted")
    log.info("wrong sign-in code for %s (%s attempts left)", mask_phone(phone), max(left, 0))
    if left <= 0:
        return _too_many()
    return CodeRejected(
        f"That code is not right; {left} attempt{'s' if left != 1 else ''} left.",
        slug="invalid-code", attempts_left=left,
    )


def _too_many() -> CodeRejected:
    return CodeRejected(
        "Too many wrong codes; request a new one.", slug="too-many-attempts", attempts_left=0
    )


def erase_phone(phone: str) -> None:
    """Drop every challenge of ``phone`` (account deletion: the number is personal data)."""
    db.session.execute(OtpChallenge.__table__.delete().where(OtpChallenge.phone == phone))
