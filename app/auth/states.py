"""The user-lifecycle and sign-in-code state machines (applied by ``app.states.machine``).

User: starts ``active`` (the column default: a first sign-in or a first USSD/SMS call
creates the account); ``active → deactivated`` (the person pauses the account) and
``deactivated → active`` (signing in again); ``active | deactivated → deleted`` (erasure:
personal data goes, the row and its money records stay). ``deleted`` is final.

Sign-in code (``OtpChallenge``): starts ``pending``; ``pending → verified`` (the right
code) ``| superseded`` (a newer code was requested) ``| expired`` (tried after its
lifetime) ``| exhausted`` (too many wrong codes). Actor ``system:sign-in``: the person is
not known yet, and the history must not hold their number.
"""
from __future__ import annotations

from app.auth.models import OtpChallenge, User
from app.states.machine import Machine

USER = Machine("user", User, {
    "active": {"deactivated", "deleted"},
    "deactivated": {"active", "deleted"},
}, initial={"active"}, slug="user-state", noun="account")

OTP = Machine("otp", OtpChallenge, {
    "pending": {"verified", "superseded", "expired", "exhausted"},
}, initial={"pending"}, slug="otp-state", noun="sign-in code")

SIGN_IN = "system:sign-in"
