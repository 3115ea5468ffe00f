"""Undoing a boarding, the one thing the driver's scanner page needs beyond scans and
manifests (today's trips come from ``GET /api/v1/driver/trips`` for drivers and
``GET /api/v1/carriers/<id>/trips`` for carrier admins).

``undo_boarding``: a driver who let the wrong passenger in (scanned a friend's phone,
tapped twice) undoes the boarding. Nothing is deleted: the boarding scan keeps its row
and gets ``undone_at``/``undone_by_id``, and the ticket goes back ``used → valid``
through ``transition_ticket``, so it can board again. Judged like a scan: the same
access rules (``authorize_trip``), one transaction, and a clear 409 when there is
nothing to undo.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.database import utcnow
from app.errors import Conflict, NotFound
from app.extensions import db, unit_of_work
from app.ticketing.transitions import transition_ticket
from app.ticketing.scan_models import Scan
from app.ticketing.scanning import authorize_trip

def undo_boarding(user, *, trip_id: int, ticket_id: int, device_id: str, undone_at: datetime | None = None,
                  now: datetime | None = None) -> Scan:
    """Undo the ticket's boarding on ``trip_id``; returns the boarding scan, stamped. One unit of work."""
    authorize_trip(user, trip_id)
    now = now or utcnow()
    at = min(undone_at or now, now)  # a device clock running ahead is not trusted
    return unit_of_work(lambda: _undo(user, trip_id, ticket_id, device_id, at))


def _undo(user, trip_id: int, ticket_id: int, device_id: str, at: datetime) -> Scan:
    boarding = db.session.scalar(
        select(Scan).where(Scan.ticket_id == ticket_id, Scan.result == "valid", Scan.undone_at.is_(None))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if boarding is None or boarding.ticket.trip_id != trip_id:
        exists = db.session.scalar(select(Scan.id).where(Scan.ticket_id == ticket_id, Scan.trip_id == trip_id).limit(1))
        if exists is None:
            raise NotFound("This trip has no boarding of that ticket.", slug="boarding-not-found")
        raise Conflict("This ticket is not boarded (any more): nothing to undo.", slug="not-boarded")
    transition_ticket(boarding.ticket, "valid", actor=f"user:{user.id}",
                      reason=f"boarding undone on device {device_id}"[:200], now=at)
    boarding.undone_at = at
    boarding.undone_by_id = user.id
    return boarding
