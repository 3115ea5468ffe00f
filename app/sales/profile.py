"""Language and marketing opt-out: preferences every channel can change.

Why a use case: USSD and SMS wrote ``user.language`` and ``marketing_opt_out`` straight
from their handlers; the accepted values and the commit belong in one place.
"""
from __future__ import annotations

from app.accounts.service import update_profile
from app.errors import Unprocessable
from app.extensions import unit_of_work

LANGUAGES = ("en", "fr", "sw")


def set_language(user, language: str):
    """Replies, tickets and receipts in ``language`` from now on. Commits; 422 ``language``."""
    language = (language or "").strip().lower()
    if language not in LANGUAGES:
        raise Unprocessable(f"Choose one of {', '.join(LANGUAGES)}.", slug="language")
    return update_profile(user, {"language": language})


def opt_out(user, opted_out: bool = True):
    """No more marketing messages (tickets and receipts are the service and keep coming): one unit of work."""

    def work():
        user.marketing_opt_out = opted_out
        return user

    return unit_of_work(work)
