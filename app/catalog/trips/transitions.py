"""The trip state machine, in one place, and the statuses in which a trip is sold.

Cancellation (with its refunds) is driven by the booking area through ``transition_trip``;
the carrier/driver endpoint moves the rest.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.catalog.models import SELLABLE_TRIP_STATUSES, Trip
from app.database import utcnow
from app.errors import Conflict
from app.extensions import db

SELLABLE_STATUSES = SELLABLE_TRIP_STATUSES  # defined once, in app.catalog.models


# The trip state machine, in one place. Cancellation (with its refunds) is driven by the
# booking area through ``transition_trip``; the carrier/driver endpoint moves the rest.
TRIP_TRANSITIONS: dict[str, frozenset[str]] = {
    "scheduled": frozenset({"boarding", "cancelled"}),
    "boarding": frozenset({"departed", "cancelled"}),
    "departed": frozenset({"arrived"}),
    "arrived": frozenset(),
    "cancelled": frozenset(),
}


def transition_trip(
    trip: Trip, to_status: str, *, actor_id: int | None, reason: str | None, now: datetime | None = None
) -> Trip:
    """Move ``trip`` along its state machine under a row lock; ``Conflict`` when illegal.

    The lock makes a cancellation racing a "departed" tap resolve to one winner. The
    caller commits (booking cancels a trip and refunds in one transaction). Boarding
    cannot open earlier than the carrier's ``boarding_opens_minutes`` before departure.
    """
    now = now or utcnow()
    locked = db.session.execute(
        select(Trip)
        .where(Trip.id == trip.id)
        .with_for_update(of=Trip)
        .execution_options(populate_existing=True)
    ).scalar_one()
    if to_status not in TRIP_TRANSITIONS.get(locked.status, frozenset()):
        raise Conflict(
            f"A {locked.status} trip cannot become {to_status}.",
            slug="illegal-trip-transition", current_status=locked.status,
        )
    if to_status == "boarding":
        opens = locked.departure_at - timedelta(minutes=locked.carrier.boarding_opens_minutes)
        if now < opens:
            raise Conflict(
                f"Boarding opens {locked.carrier.boarding_opens_minutes} minutes before departure.",
                slug="boarding-not-open",
            )
    locked.status = to_status
    locked.status_changed_at = now
    locked.status_reason = (reason or None) and reason[:200]
    locked.status_changed_by_id = actor_id
    db.session.flush()
    return locked
