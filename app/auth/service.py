"""Sign-in and role management: what the REST API, USSD and the CLI call.

Decisions (the issue left them open):
- A user row is created (role passenger) only when a code is first verified, so typing
  someone else's number creates nothing, and ``request_sign_in_code`` behaves the same
  whether or not the number has an account.
- Signing in again reactivates a *deactivated* account: proving possession of the number
  is exactly what we would ask for to reactivate. A *deleted* account has no phone left,
  so the number simply signs up afresh as a new user.
- A role grant for a number without an account creates the account (active), so a
  carrier can onboard a driver before the driver ever opens the app.

Each public function here is a use case: it commits once, through
``app.extensions.unit_of_work``; ``otp`` and ``refresh`` never commit.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from app.auth import otp, refresh
from app.auth.models import CARRIER_ROLES, ROLES, User
from app.auth.states import USER
from app.auth.tokens import issue_access_token
from app.core.phone import mask_phone
from app.errors import ApiError, Conflict, Unprocessable
from app.extensions import db, unit_of_work

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenPair:
    """What a successful sign-in or refresh hands the client."""

    user: User
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"


def find_user_by_phone(phone: str) -> User | None:
    """The account holding ``phone`` (E.164), whatever its status except deleted."""
    return db.session.scalars(select(User).where(User.phone == phone)).first()


def get_or_create_user(phone: str, **defaults) -> User:
    """The user for ``phone``, created as an active passenger when absent (race-safe)."""
    user = find_user_by_phone(phone)
    if user is not None:
        return user
    try:
        with db.session.begin_nested():
            user = User(phone=phone, role="passenger", **defaults)  # starts active (USER)
            db.session.add(user)
            db.session.flush()
    except IntegrityError:  # created concurrently by another request
        user = find_user_by_phone(phone)
        if user is None:
            raise
    else:
        log.info("user %s created for %s", user.id, mask_phone(phone))
    return user


def request_sign_in_code(phone: str, language: str | None = None) -> int:
    """Send a sign-in code to ``phone``; return its lifetime in seconds.

    The SMS is in the account's language when there is an account, else in ``language``
    (the client's choice), else English. One unit of work, run again when a concurrent
    request for the number won the race for its pending code (``otp.issue_code``).
    """
    user = find_user_by_phone(phone)
    if user is not None:
        language = user.language
    user_id = user.id if user else None
    try:
        challenge = unit_of_work(lambda: otp.issue_code(phone, language=language, user_id=user_id),
                                 attempts=otp.ISSUE_ATTEMPTS)
    except IntegrityError:
        raise otp.code_request_raced() from None
    log.info("sign-in code issued for %s (challenge %s)", mask_phone(phone), challenge.id)
    return current_app.config["OTP_TTL_SECONDS"]


def _pair(user: User, raw_refresh: str) -> TokenPair:
    return TokenPair(
        user=user,
        access_token=issue_access_token(user),
        refresh_token=raw_refresh,
        expires_in=current_app.config["ACCESS_TOKEN_TTL_SECONDS"],
    )


def _raise_refusal(outcome: TokenPair | ApiError) -> TokenPair:
    """The pair, or the refusal a unit of work returned so that its writes were committed."""
    if isinstance(outcome, ApiError):
        raise outcome
    return outcome


def sign_in(phone: str, code: str, language: str | None = None) -> TokenPair:
    """Exchange a valid code for tokens, creating or reactivating the account: one unit of work.

    A rejected code commits too (its attempt counted, an expiry recorded) and is raised
    after the commit (``otp.verify_code`` returns it rather than raising it).
    """

    def work() -> TokenPair | ApiError:
        rejected = otp.verify_code(phone, code)
        if rejected is not None:
            return rejected
        user = get_or_create_user(phone, language=language or "en")
        if user.status == "deactivated":
            USER.transition(user, "active", actor=f"user:{user.id}", reason="signed in again")
            user.deactivated_at = None
            log.info("user %s reactivated by signing in", user.id)
        return _pair(user, refresh.issue(user))

    return _raise_refusal(unit_of_work(work))


def refresh_session(raw_refresh: str, client: str | None = None) -> TokenPair:
    """Rotate a refresh token; see ``app.auth.refresh`` (``client``: its grace). One unit of
    work; a reused token's family revocation commits before its 401 is raised."""

    def work() -> TokenPair | ApiError:
        rotated = refresh.rotate(raw_refresh, client)
        if isinstance(rotated, ApiError):
            return rotated
        user, raw = rotated
        return _pair(user, raw)

    return _raise_refusal(unit_of_work(work))


def end_session(raw_refresh: str) -> None:
    """Log out: revoke the refresh token's whole family (one unit of work)."""
    unit_of_work(lambda: refresh.logout(raw_refresh))


def _carrier_exists(carrier_id: int) -> bool:
    """Whether ``carrier_id`` names a carrier, read through ``users.carrier_id``'s foreign key.

    Why not the catalog's ``Carrier`` model: identity sits below the catalog (whose views
    use ``auth_required``), so auth reaches the table its own column refers to instead.
    """
    (foreign_key,) = User.__table__.c.carrier_id.foreign_keys
    carriers = foreign_key.column.table
    return bool(db.session.scalar(select(exists().where(carriers.c.id == carrier_id))))


def grant_role(phone: str, role: str, carrier_id: int | None = None, *, granted_by: User | None = None) -> User:
    """Give the account of ``phone`` (created if absent) ``role``: one unit of work.

    Carrier roles need ``carrier_id`` of an existing carrier; other roles refuse one
    (the database enforces the same with a check constraint). An admin cannot take
    platform_admin away from themselves, so a deployment cannot lock itself out.
    """
    if role not in ROLES:
        raise Unprocessable(f"Unknown role {role!r}.", errors={"role": [f"Must be one of: {', '.join(ROLES)}."]})
    if role in CARRIER_ROLES:
        if carrier_id is None:
            raise Unprocessable(
                f"The role {role} is scoped to a carrier.", errors={"carrier_id": ["Required for this role."]}
            )
        if not _carrier_exists(carrier_id):
            raise Unprocessable(
                f"There is no carrier {carrier_id}.", errors={"carrier_id": ["No such carrier."]}
            )
    elif carrier_id is not None:
        raise Unprocessable(
            f"The role {role} is not scoped to a carrier.",
            errors={"carrier_id": ["Must be empty for this role."]},
        )
    if granted_by is not None and granted_by.phone == phone and role != "platform_admin":
        raise Conflict("You cannot remove your own platform admin role.", slug="self-demotion")


    def work() -> User:
        user = get_or_create_user(phone)
        user.role = role
        user.carrier_id = carrier_id if role in CARRIER_ROLES else None
        return user

    user = unit_of_work(work)
    log.info(
        "role %s (carrier %s) granted to user %s by %s",
        role, carrier_id, user.id, granted_by.id if granted_by else "cli",
    )
    return user


def list_users(*, role: str | None = None, carrier_id: int | None = None):
    """A query of non-deleted users, newest first, filtered by role and carrier."""
    query = select(User).where(User.status != "deleted").order_by(User.id.desc())
    if role is not None:
        query = query.where(User.role == role)
    if carrier_id is not None:
        query = query.where(User.carrier_id == carrier_id)
    return query
