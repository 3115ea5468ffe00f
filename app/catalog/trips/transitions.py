"""Moving a trip along its state machine (``app.catalog.trips.states``), and the statuses
in which a trip is sold.

Cancellation (with its refunds) is driven by the booking area through ``transition_trip``;
the carrier/driver endpoint moves the rest.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from app.catalog.models import SELLABLE_TRIP_STATUSES, Trip
from app.catalog.trips.states import TRIP
from app.database import utcnow
from app.errors import Conflict
from app.extensions import db

SELLABLE_STATUSES = SELLABLE_TRIP_STATUSES  # defined once, in app.catalog.models


# The table lives in ``app.catalog.trips.states`` (TRIP); re-exported under its old name.
TRIP_TRANSITIONS = TRIP.table


def _user_id(actor: str) -> int | None:
    """The user id in an actor such as ``user:12``; None for ``system:…``."""
    kind, _, ident = actor.partition(":")
    return int(ident) if kind == "user" and ident.isdigit() else None


def transition_trip(trip: Trip, to_status: str, *, actor: str, reason: str | None, now: datetime | None = None) -> Trip:
    """Move ``trip`` along its state machine under a row lock; ``Conflict`` when illegal.

    ``actor`` names who moves it, as every transition does (``user:12``, ``system:…``); a
    user is also kept as the trip's ``status_changed_by_id``.

    The lock makes a cancellation racing a "departed" tap resolve to one winner. The
    caller commits (booking cancels a trip and refunds in one transaction). Boarding
    cannot open earlier than the carrier's ``boarding_opens_minutes`` before departure.
    """
    now = now or utcnow()
    locked = TRIP.lock(trip.id)
    if not TRIP.allows(locked.status, to_status):
        raise TRIP.refusal(locked.status, to_status)
    if to_status == "boarding":
        opens = locked.departure_at - timedelta(minutes=locked.carrier.boarding_opens_minutes)
        if now < opens:
            raise Conflict(
                f"Boarding opens {locked.carrier.boarding_opens_minutes} minutes before departure.",
                slug="boarding-not-open",
            )
    TRIP.transition(locked, to_status, actor=actor, reason=reason or None, now=now, locked=True)
    locked.status_changed_by_id = _user_id(actor)
    db.session.flush()
    return locked
