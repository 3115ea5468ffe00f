"""What every resource of the catalog shares: scoped lookups, flush-or-409, PATCH schemas.

Scoping: ``owned`` answers 404 for another carrier's row exactly as for a missing one,
so ids never reveal what other carriers have. A body that names another carrier's
stop/route/vehicle is a 422 on that field for the same reason.

Uniqueness (stop codes, route codes, registrations, fares) is enforced by the database;
``flush_or_conflict`` turns the ``IntegrityError`` into a 409 instead of checking first and
racing. Each write of the catalog is a use case: the service function runs its change as
one unit of work (``app.extensions.unit_of_work``), which commits it or, on the 409, rolls
it back.
"""
from __future__ import annotations

from marshmallow import validate
from sqlalchemy.exc import IntegrityError

from app.catalog.models import Carrier
from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db

NAME = validate.Length(min=1, max=120)


ID = validate.Range(min=1)


EXCLUSION_VIOLATION = "23P01"  # PostgreSQL: an exclusion constraint (overlapping trips)


def flush_or_conflict(conflict: str, slug: str = "duplicate") -> None:
    """Write the changes now, or answer 409 with ``conflict`` when a constraint refuses them.

    Called last inside the unit of work: the 409 rolls it back, else it commits. An
    overlap refused by an exclusion constraint is let through instead: the unit of work
    runs again and ``app.catalog.trips.overlap`` then names the trip that won.
    """
    try:
        db.session.flush()
    except IntegrityError as error:
        if getattr(error.orig, "sqlstate", None) == EXCLUSION_VIOLATION:
            raise
        raise Conflict(conflict, slug=slug) from None


def owned(model, carrier_id: int, obj_id: int):
    """``model`` row ``obj_id`` if it belongs to ``carrier_id``; else 404 (no leak)."""
    obj = db.session.get(model, obj_id)
    if obj is None or obj.carrier_id != carrier_id:
        raise NotFound(f"No such {model.__tablename__[:-1]}.", slug="not-found")
    return obj


def referenced(model, carrier_id: int, obj_id: int, field: str):
    """A row named in a request body: 422 on ``field`` unless it is this carrier's."""
    obj = db.session.get(model, obj_id)
    if obj is None or obj.carrier_id != carrier_id:
        raise Unprocessable(
            f"{field} {obj_id} is not one of this carrier's.", slug="unknown-reference",
            errors={field: [f"No such {model.__tablename__[:-1]} for this carrier."]},
        )
    return obj


class Partial:
    """PATCH bodies: every field optional. A named subclass (not ``Schema(partial=True)``)
    so the OpenAPI document gets a distinct component instead of a name clash."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


def get_carrier(carrier_id: int) -> Carrier:
    """A carrier by id, or 404 (every carrier-scoped view starts here)."""
    carrier = db.session.get(Carrier, carrier_id)
    if carrier is None:
        raise NotFound("No such carrier.")
    return carrier
