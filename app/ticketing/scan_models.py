"""Scans (every check of a ticket at a door) and cross-device conflicts.

Why every scan is a row, bad ones included: a driver's device retries uploads over a
flaky link, so each scan carries the device's ``(device_id, nonce)``; the unique
constraint on that pair makes a retried upload return the first answer instead of
boarding twice. The rows also tell a carrier who was turned away and why.

Why ``request_digest``: the unique ``(device_id, nonce)`` lets one row answer per nonce;
the digest of what that scan was for (trip, code or payload) lets a retry be told from
the same nonce sent with another ticket, which is refused rather than answered with the
first ticket's verdict.

Why a partial unique index on ``ticket_id`` where ``result = 'valid'``: at most one scan
may ever board a ticket, whatever races between two devices or two workers. The status
change ``valid → used`` itself goes through ``app.ticketing.transitions.transition_ticket``.

Why ``undone_at``/``undone_by_id`` and not a delete: a boarding made by mistake (the
driver scanned the wrong passenger's phone) is undone by ``app.ticketing.boarding``, which keeps
the row, stamps who undid it and when, and puts the ticket back to ``valid``. The
one-boarding index only counts boardings that were not undone, so the ticket can board
again.

``ScanConflict``: offline devices cannot ask the server, so the same ticket may be let
in on two devices; the second upload records the pair for the carrier to look at.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import utcnow
from app.extensions import db
from app.ticketing.verdicts import SCAN_CODES

SCAN_RESULTS = (
    "valid", "already_used", "wrong_trip", "not_yet_valid", "expired",
    "cancelled", "refunded", "unpaid", "invalid",
)
SCAN_SOURCES = ("online", "batch", "sms")
_RESULTS_SQL = ", ".join(f"'{r}'" for r in SCAN_RESULTS)
_CODES_SQL = ", ".join(f"'{c}'" for c in SCAN_CODES)
_BOARDING = "result = 'valid' AND undone_at IS NULL"


class Scan(db.Model):
    __tablename__ = "ticket_scans"
    __table_args__ = (
        UniqueConstraint("device_id", "nonce"),
        CheckConstraint(f"result IN ({_RESULTS_SQL})", name="result"),
        CheckConstraint(f"code IN ({_CODES_SQL})", name="code"),
        CheckConstraint("source IN ('online', 'batch', 'sms')", name="source"),
        CheckConstraint("result <> 'valid' OR ticket_id IS NOT NULL", name="valid_has_ticket"),
        CheckConstraint("(undone_at IS NULL) = (undone_by_id IS NULL)", name="undone_by_whom"),
        CheckConstraint("undone_at IS NULL OR result = 'valid'", name="undo_only_boardings"),
        Index(
            "uq_ticket_scans_one_boarding", "ticket_id", unique=True,
            postgresql_where=text(_BOARDING), sqlite_where=text(_BOARDING),
        ),
        Index("ix_ticket_scans_trip_scanned", "trip_id", "scanned_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)  # who scanned
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"), index=True)
    trip_id: Mapped[int | None] = mapped_column(ForeignKey("trips.id"))  # the door it was shown at
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    result: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(24))  # the verdict (app.ticketing.verdicts)
    reason: Mapped[str] = mapped_column(String(200))  # the verdict in English, for the audit trail
    source: Mapped[str] = mapped_column(String(8), default="online")
    scanned_at: Mapped[datetime]  # when it happened on the device (judged at this time)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the nonce was used for (scanning.request_digest); NULL on rows older than it.
    request_digest: Mapped[str | None] = mapped_column(String(64))
    # A boarding undone by mistake (see app.ticketing.boarding): when, and by whom.
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    ticket = relationship("Ticket")


CONFLICT_KINDS = ("double_boarding", "boarded_revoked")


class ScanConflict(db.Model):
    """A passenger let in offline who should not have been, found when the device uploads.

    ``double_boarding``: one ticket boarded on two devices (``first_scan`` is the earlier
    boarding). ``boarded_revoked``: the device showed "valid" (its manifest was older than
    a cancellation or refund) but the ticket was cancelled, refunded or unpaid by then;
    there is no first scan.
    """

    __tablename__ = "ticket_scan_conflicts"
    __table_args__ = (
        UniqueConstraint("second_scan_id"),
        CheckConstraint("kind IN ('double_boarding', 'boarded_revoked')", name="kind"),
        CheckConstraint("(kind = 'double_boarding') = (first_scan_id IS NOT NULL)", name="first_scan_by_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="double_boarding", server_default="double_boarding")
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"), index=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    first_scan_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_scans.id"))
    second_scan_id: Mapped[int] = mapped_column(ForeignKey("ticket_scans.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket = relationship("Ticket")
    first_scan = relationship("Scan", foreign_keys=[first_scan_id])
    second_scan = relationship("Scan", foreign_keys=[second_scan_id])
