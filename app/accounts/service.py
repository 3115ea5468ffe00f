"""Profile changes, deactivation and deletion of one's own account.

Why deletion anonymises instead of deleting: orders, payments and ledger entries are
financial records we must keep, and they point at the user row. So the row stays, with
everything that identifies a person erased (phone, name, preferences), status
``deleted``; SMS outbox rows and payments lose their number, tickets the passenger name;
sign-in codes for the number go; SMS not sent yet are given up.
The number is then free: the same person (or the next owner of a recycled SIM) signs
up afresh as a new user.

Money first: a wallet balance is the person's, so before anything is erased it becomes a
pending M-Pesa payout to their number (``app.payments.refunds.pay_out_wallet``), paid as any
payout is (``app.payouts``: B2C, or the platform's team), and M-Pesa refunds still to be paid
keep the number they go to. Tickets already bought stay
valid, anonymised: a ticket is a bearer document (its code and QR board), and deleting an
account must not cost the trip it paid for.

Other areas holding personal data of a user connect to ``account_erasing`` (a blinker
signal sent inside the deleting transaction, after the payout and the outbox erasure,
with ``user_id``, ``phone``, ``language`` and ``payout`` (the payout ``Refund`` or None))
and erase theirs in the same commit. The channels register theirs in ``create_app``
(``channels.erasure``): inbound SMS, pending SMS dialogues, USSD sessions in the
database and Redis, and the goodbye SMS, which forgets its number once sent.
"""
from __future__ import annotations

import logging

from blinker import Namespace
from sqlalchemy import select, update

from app.auth import otp, refresh
from app.auth.models import User
from app.auth.states import USER
from app.database import utcnow
from app.errors import Conflict
from app.extensions import db, unit_of_work
from app.messaging.service import erase_recipient
from app.payments.models import Payment
from app.payments.refunds import keep_payout_numbers, pay_out_wallet
from app.payouts.service import hand_numbers_to_payouts
from app.ticketing.models import Ticket

log = logging.getLogger(__name__)

_signals = Namespace()
account_erasing = _signals.signal("account-erasing")

EDITABLE = ("name", "language", "preferred_payment")


def update_profile(user: User, changes: dict) -> User:
    """Apply the editable fields present in ``changes``: one unit of work."""

    def work() -> User:
        for field in EDITABLE:
            if field in changes:
                setattr(user, field, changes[field])
        return user

    return unit_of_work(work)


def deactivate(user: User) -> None:
    """Pause the account: every session ends; signing in again reactivates it. One unit of work."""
    unit_of_work(lambda: _deactivate(user.id))
    log.info("user %s deactivated", user.id)


def _deactivate(user_id: int) -> None:
    user = USER.lock(user_id)
    if user.status != "active":
        raise Conflict("This account is not active.", slug="not-active")
    USER.transition(user, "deactivated", actor=f"user:{user.id}", reason="paused by the account holder",
                    locked=True)
    user.deactivated_at = utcnow()
    refresh.revoke_all_for_user(user.id)


def delete_account(user: User) -> None:
    """Pay out the wallet, erase the person, keep the records: one unit of work."""
    user_id = user.id
    unit_of_work(lambda: _erase(user))
    log.info("user %s deleted (personal data erased)", user_id)


def _erase(user: User) -> None:
    # Two deletions at once: one wins (the row lock), the other finds it deleted.
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())  # lock only: re-read below
    db.session.refresh(user)
    if user.status == "deleted":
        raise Conflict("This account is already deleted.", slug="already-deleted")
    phone = user.phone
    payout = pay_out_wallet(user, phone) if phone else None
    keep_payout_numbers(user.id, phone)
    # Each refund owed to M-Pesa (the wallet's too) is paid like any payout, B2C after commit or
    # by a person; its payout is now the one place that keeps the number it goes to.
    hand_numbers_to_payouts(user.id, actor=f"user:{user.id}")
    refresh.revoke_all_for_user(user.id)
    if phone:
        otp.erase_phone(phone)
    erase_recipient(user.id, phone)
    account_erasing.send(user, user_id=user.id, phone=phone, language=user.language, payout=payout)
    # Financial records stay, without the person: the payer number and passenger names go.
    db.session.execute(update(Payment).where(Payment.user_id == user.id).values(phone=None))
    db.session.execute(update(Ticket).where(Ticket.user_id == user.id).values(passenger_name=None))
    user.phone = None
    user.name = None
    user.preferred_payment = None
    user.marketing_opt_out = True
    USER.transition(user, "deleted", actor=f"user:{user.id}", reason="erased at the account holder's request",
                    locked=True)
    user.deleted_at = utcnow()
