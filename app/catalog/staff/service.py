"""A carrier's staff: its admins add drivers and agents by phone number, list and remove them.

Why here and not in ``app.auth``: a role grant by a platform admin (``app.auth.service.grant_role``)
trusts its caller with every account; a carrier admin may only touch numbers that are
passengers or already its own staff. A number that is another carrier's staff or a platform
admin is refused with 409 ``staff-elsewhere`` (taking it would silently strip another
carrier of its driver), and this carrier's own admins are not changed here (``staff-admin``).

Adding creates the account when the number has none (a driver is often onboarded before
ever opening the app) and queues an SMS, in the person's language, saying where to sign
in. Removing turns the person back into a passenger, revokes every refresh token they hold
and takes them off trips not yet gone: an access token issued for the old role is refused
on its next use (``app.auth.decorators`` compares the token's role with the account's).
Each write is one unit of work.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import delete, select

from app.auth import refresh
from app.auth.models import CARRIER_ROLES, User
from app.auth.service import get_or_create_user
from app.catalog.models import SELLABLE_TRIP_STATUSES, Carrier, Trip, TripDriver
from app.core.phone import InvalidPhone, mask_phone, normalize_phone
from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db, unit_of_work
from app.messaging.catalogue import t
from app.messaging.service import queue_sms

STAFF_ROLES = ("driver", "agent")  # what a carrier admin hands out
STAFF_PAGES = {"driver": "/scan", "agent": "/counter"}


def phone_for(carrier: Carrier, raw: str, field: str = "phone") -> str:
    """E.164 of ``raw``, local forms read as the carrier's country; else 422 on ``field``."""
    try:
        return normalize_phone(raw, carrier.country or current_app.config["DEFAULT_COUNTRY"])
    except InvalidPhone as exc:
        raise Unprocessable(str(exc), slug="invalid-phone", errors={field: [str(exc)]}) from None


def list_staff(carrier_id: int) -> list[User]:
    """The carrier's admins, drivers and agents (active or not), by role then name."""
    return list(db.session.scalars(
        select(User).where(User.carrier_id == carrier_id, User.role.in_(CARRIER_ROLES), User.status != "deleted")
        .order_by(User.role, User.name, User.id)
    ))


def staff_member(carrier_id: int, user_id: int) -> User:
    """One of the carrier's staff, or 404 (another carrier's staff are as absent)."""
    user = db.session.get(User, user_id)
    if user is None or user.carrier_id != carrier_id or user.role not in CARRIER_ROLES:
        raise NotFound("No such staff member.", slug="not-found")
    return user


def _refuse_taken(user: User | None, carrier_id: int) -> None:
    if user is None or user.role == "passenger":
        return
    if user.role == "platform_admin" or user.carrier_id != carrier_id:
        raise Conflict("This number belongs to another carrier's staff or to a platform admin; "
                       "they must be removed there first.", slug="staff-elsewhere")
    if user.role == "carrier_admin":
        raise Conflict("This number is one of this carrier's admins.", slug="staff-admin")


def add_staff(carrier: Carrier, raw_phone: str, role: str, *, name: str | None = None,
              language: str | None = None) -> tuple[User, bool]:
    """Make the number a driver or agent of ``carrier``; returns (user, changed).

    Idempotent: the same number with the same role changes nothing and sends nothing.
    Switching a driver to agent (or back) is allowed and told by SMS like an addition.
    """
    if role not in STAFF_ROLES:
        raise Unprocessable(f"A carrier adds {' or '.join(STAFF_ROLES)}.", errors={"role": ["Not a staff role."]})
    phone = phone_for(carrier, raw_phone)
    carrier_id, carrier_name = carrier.id, carrier.name

    def work() -> tuple[User, bool]:
        existing = db.session.scalars(select(User).where(User.phone == phone).with_for_update(of=User)
                                      .execution_options(populate_existing=True)).first()
        _refuse_taken(existing, carrier_id)
        if existing is not None and existing.role == role:
            return existing, False
        user = existing or get_or_create_user(phone, language=language or "en")
        if name and not user.name:
            user.name = name
        user.role, user.carrier_id = role, carrier_id
        url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + STAFF_PAGES[role]
        queue_sms(phone, t(f"staff_added_{role}", user.language, carrier=carrier_name[:30], link=url),
                  "staff", user_id=user.id)
        db.session.flush()
        return user, True

    user, changed = unit_of_work(work)
    if changed:
        current_app.logger.info("carrier %s made user %s (%s) %s", carrier_id, user.id, mask_phone(phone), role)
    return user, changed


def remove_staff(carrier_id: int, user_id: int) -> None:
    """Back to passenger: sessions revoked, taken off the trips still to run (404 if not staff)."""

    def work() -> None:
        user = staff_member(carrier_id, user_id)
        if user.role == "carrier_admin":
            raise Conflict("A carrier admin is removed by a platform admin.", slug="staff-admin")
        upcoming = select(Trip.id).where(Trip.status.in_(SELLABLE_TRIP_STATUSES))
        db.session.execute(delete(TripDriver).where(TripDriver.user_id == user.id, TripDriver.trip_id.in_(upcoming)))
        user.role, user.carrier_id = "passenger", None
        refresh.revoke_all_for_user(user.id)

    unit_of_work(work)


def driver_by_phone(carrier: Carrier, raw_phone: str) -> User:
    """The carrier's driver holding this number, or 422 on ``phone`` (assignment by phone)."""
    phone = phone_for(carrier, raw_phone)
    user = db.session.scalars(select(User).where(User.phone == phone)).first()
    if user is None or user.role != "driver" or user.carrier_id != carrier.id or not user.is_active:
        raise Unprocessable("That number is not an active driver of this carrier; add it as staff first.",
                            slug="not-a-driver", errors={"phone": ["Not a driver of this carrier."]})
    return user
