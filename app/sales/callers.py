"""Who is calling: one function for a token's user and for a phone number.

Why one gate: the API refused a deactivated account at its token while USSD and SMS each
asked booking on their own; a rule about who may buy (paused accounts may not) must hold
whichever way the person comes in. Payments for orders already made (Paybill, STK
callbacks) do not come through here: money that arrives is always taken.
"""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import lazyload

from app.auth.models import User
from app.booking.service import get_or_create_passenger
from app.errors import ApiError
from app.extensions import db
from app.sales.profile import LANGUAGES


class AccountInactive(ApiError):
    """A paused (deactivated) or deleted account tried to act: it may not buy or pay.

    ``language`` is the account's, so that the channel can answer in it.
    """

    status, title, slug = 403, "Account not active", "account-inactive"

    def __init__(self, user: User):
        super().__init__("This account is deactivated; sign in to the app again to reactivate it.")
        self.language = user.language
        self.user_id = user.id


def who_is_calling(*, user: User | None = None, phone: str | None = None, create: bool = True,
                   language: str | None = None) -> User | None:
    """The account acting now: ``user`` (from an access token) or the owner of ``phone``.

    A phone seen for the first time becomes a passenger when ``create`` (USSD and SMS buyers
    have no account yet; nothing is committed), speaking ``language`` when the channel
    learnt it (a first "NUNUA ..." is Swahili); without ``create`` an unknown number is ``None``.
    An account that is not active raises ``AccountInactive``, on every request, so a pause
    applies at once. Raises ``InvalidPhone`` for a number that cannot be read.
    """
    if user is None and phone is not None:
        user = db.session.scalar(_account_of_phone(), {"phone": phone})
        if user is None and create:
            user = get_or_create_passenger(phone)
            if language in LANGUAGES:
                user.language = language
    if user is not None and not user.is_active:
        raise AccountInactive(user)
    return user


@lru_cache(maxsize=1)
def _account_of_phone():
    """Every USSD step and SMS asks this, so it is built once: the account alone (a caller is
    a passenger; a staff member's carrier is loaded only if something asks for it)."""
    return select(User).where(User.phone == bindparam("phone")).options(lazyload(User.carrier))


def caller_for_phone(phone: str, *, create: bool = True, language: str | None = None) -> User | None:
    """``who_is_calling(phone=...)``: the name USSD and SMS have always used."""
    return who_is_calling(phone=phone, create=create, language=language)
