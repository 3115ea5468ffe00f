"""Trip manifests for offline scanners, incremental by cursor.

A driver's device downloads, before the bus leaves coverage, every ticket of its trip
(no codes, only ``short_code_hash``; passenger initials, not names) and validates scans
against it with the pure ``Verifier``. Revocations are folded in: each ticket carries
its status, and ``revoked_ticket_ids`` lists every cancelled or refunded ticket of the
trip in full on every answer, so a device that missed a delta still converges.

Why the cursor is ``updated_at`` minus a lag: a transaction may stamp a row at t1 and
commit after a read at t2 > t1. The cursor handed out is never later than
``read_start - CURSOR_LAG``, so such a row is re-sent by the next sync instead of
being skipped forever; clients upsert by ticket id, so repeats are harmless. The
answer is a pure function of the data, so an unchanged re-sync has the same ETag (304).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.core.fields import MAX_YEAR
from app.core.timeutil import isoformat
from app.database import utcnow
from app.errors import BadRequest
from app.extensions import db
from app.ticketing.models import Ticket
from app.ticketing.scanning import initials
from tickets.shortcode import short_code_hash

CURSOR_LAG = timedelta(seconds=5)
FORMAT = "safiri-manifest/1"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MAX_CURSOR_AT = datetime(MAX_YEAR + 1, 1, 1, tzinfo=timezone.utc)
_CURSOR_DIGITS = re.compile(r"[0-9]{1,18}")


def encode_cursor(moment: datetime) -> str:
    """Opaque to clients: microseconds since the epoch, as digits."""
    delta = moment - _EPOCH
    return str((delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds)


def decode_cursor(cursor: str) -> datetime:
    """The moment ``cursor`` stands for; 400 ``bad-cursor`` for anything not handed out here.

    Only ASCII digits (``str.isdigit`` also takes ``"１２３"``), and only moments up to
    ``MAX_CURSOR_AT``: 18 digits reach the year 31,690, where ``datetime`` overflows.
    """
    if not (_CURSOR_DIGITS.fullmatch(cursor) and int(cursor) <= _MAX_CURSOR):
        raise BadRequest("since is not a cursor this server handed out; sync again without it.",
                         slug="bad-cursor")
    return _EPOCH + timedelta(microseconds=int(cursor))


_MAX_CURSOR = int(encode_cursor(MAX_CURSOR_AT))


def _entry(ticket: Ticket, zone: str) -> dict:
    return {
        "id": ticket.id,
        "seat": ticket.seat,
        "initials": initials(ticket.passenger_name),
        "fare_class": ticket.fare_class,
        "short_code_hash": short_code_hash(ticket.short_code),
        "status": ticket.status,
        "valid_from": isoformat(ticket.valid_from, zone),
        "valid_until": isoformat(ticket.valid_until, zone),
    }


def build_manifest(trip, since: str | None = None, *, now: datetime | None = None) -> dict:
    """The manifest of ``trip``: every ticket, or those changed after ``since``."""
    read_start = now or utcnow()
    since_at = decode_cursor(since) if since else None
    stmt = select(Ticket).where(Ticket.trip_id == trip.id)
    if since_at is not None:
        stmt = stmt.where(Ticket.updated_at > since_at)
    tickets = list(db.session.scalars(stmt.order_by(Ticket.id)))
    cursor_at = since_at or _EPOCH
    if tickets:
        newest = max(t.updated_at for t in tickets)
        cursor_at = max(cursor_at, min(newest, read_start - CURSOR_LAG))
    revoked = db.session.scalars(
        select(Ticket.id).where(Ticket.trip_id == trip.id, Ticket.status.in_(("cancelled", "refunded")))
        .order_by(Ticket.id)
    )
    zone = trip.timezone
    return {
        "format": FORMAT,
        "trip": {
            "id": trip.id,
            "status": trip.status,
            "route_code": trip.route.code,
            "departure_at": isoformat(trip.departure_at, zone),
            "arrival_at": isoformat(trip.arrival_at, zone),
            # QR payloads carry the seat as an index into this list (ticket format v2).
            "seat_layout": list(trip.vehicle.seat_layout),
        },
        "full": since_at is None,
        "cursor": encode_cursor(cursor_at),
        "tickets": [_entry(t, zone) for t in tickets],
        "revoked_ticket_ids": list(revoked),
    }
