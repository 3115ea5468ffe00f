"""The one rule of concession fares: only a holder buys them, on every channel.

Why here (the use cases), not in a channel: the API, USSD, SMS and the counter all hold
seats through ``orders.hold_seats``, which asks ``check_concessions`` before anything is
held; a channel cannot forget it. The rule: each passenger of a ``student`` or ``reduced``
class needs the buyer's approved concession of that category with the trip's carrier, not
expired on the sale day (local at the passenger's stop) and not revoked. The date it was
valid until is copied onto the order item, so the ticket and the scanner say "verified
until" even after it lapses; tickets already bought are never touched.
"""
from __future__ import annotations

from datetime import datetime

from app.catalog.models import Stop
from app.concessions.service import valid_until
from app.core.timeutil import to_local
from app.database import utcnow
from app.errors import Forbidden, NotFound
from app.extensions import db

CONCESSION_CLASSES = ("student", "reduced")


class ConcessionRequired(Forbidden):
    slug = "concession-required"


def check_concessions(user, trip, origin_stop_id: int, party: list[dict], now: datetime | None = None) -> None:
    """Refuse (403 ``concession-required``, naming the class) a concession fare the buyer does
    not hold; set ``concession_until`` on each concession passenger of ``party``."""
    wanted = {p["fare_class"] for p in party} & set(CONCESSION_CLASSES)
    if not wanted:
        return
    if trip is None:
        raise NotFound("There is no such trip.", slug="trip-not-found")
    stop = db.session.get(Stop, origin_stop_id)
    today = to_local(now or utcnow(), stop.timezone if stop else "Africa/Nairobi").date()
    until = {}
    for fare_class in sorted(wanted):
        until[fare_class] = valid_until(user.id, trip.carrier_id, fare_class, today) if user else None
        if until[fare_class] is None:
            raise ConcessionRequired(
                f"The {fare_class} fare is only for passengers whose {fare_class} concession this carrier "
                "has accepted (register under /api/v1/me/concessions).", fare_class=fare_class)
    for p in party:
        if p["fare_class"] in until:
            p["concession_until"] = until[p["fare_class"]]
