"""Profile changes, deactivation and deletion of one's own account.

Why deletion anonymises instead of deleting: orders, payments and ledger entries are
financial records we must keep, and they point at the user row. So the row stays, with
everything that identifies a person erased (phone, name, preferences), status
``deleted``; SMS outbox rows and payments lose their number, tickets the passenger name;
sign-in codes for the number go.
The number is then free: the same person (or the next owner of a recycled SIM) signs
up afresh as a new user.

Other areas holding personal data of a user connect to ``account_erasing`` (a blinker
signal sent inside the deleting transaction, with ``user_id`` and ``phone``) and erase
theirs in the same commit.
"""
from __future__ import annotations

import logging

from blinker import Namespace
from sqlalchemy import or_, update

from app.auth import otp, refresh
from app.auth.models import User
from app.database import utcnow
from app.errors import Conflict
from app.extensions import db
from app.messaging.models import OutboundMessage
from app.payments.models import Payment
from tickets.models import Ticket

log = logging.getLogger(__name__)

_signals = Namespace()
account_erasing = _signals.signal("account-erasing")

EDITABLE = ("name", "language", "preferred_payment")


def update_profile(user: User, changes: dict) -> User:
    """Apply the editable fields present in ``changes``. Commits."""
    for field in EDITABLE:
        if field in changes:
            setattr(user, field, changes[field])
    db.session.commit()
    return user


def deactivate(user: User) -> None:
    """Pause the account: every session ends; signing in again reactivates it. Commits."""
    if user.status != "active":
        raise Conflict("This account is not active.", slug="not-active")
    user.status = "deactivated"
    user.deactivated_at = utcnow()
    refresh.revoke_all_for_user(user.id)
    db.session.commit()
    log.info("user %s deactivated", user.id)


def delete_account(user: User) -> None:
    """Erase the person, keep the records. Commits."""
    if user.status == "deleted":
        raise Conflict("This account is already deleted.", slug="already-deleted")
    phone = user.phone
    account_erasing.send(user, user_id=user.id, phone=phone)
    refresh.revoke_all_for_user(user.id)
    if phone:
        otp.erase_phone(phone)
    db.session.execute(
        update(OutboundMessage)
        .where(or_(OutboundMessage.user_id == user.id, OutboundMessage.to_phone == phone))
        .values(to_phone=None)
    )
    # Financial records stay, without the person: the payer number and passenger names go.
    db.session.execute(update(Payment).where(Payment.user_id == user.id).values(phone=None))
    db.session.execute(update(Ticket).where(Ticket.user_id == user.id).values(passenger_name=None))
    user.phone = None
    user.name = None
    user.preferred_payment = None
    user.marketing_opt_out = True
    user.status = "deleted"
    user.deleted_at = utcnow()
    db.session.commit()
    log.info("user %s deleted (personal data erased)", user.id)
