"""The append-only status history: who moved which row from what to what, when and why.

Why one generic table rather than one per area: every state machine (``app.states.machine``)
records the same five facts, a support person asks the same question of every entity
("what happened to ticket 42, and who did it?"), and a single table lets one query, one
index and one erasure rule serve them all. pretix's ``log_action`` is the model.

Append-only: rows are only ever inserted. The ORM refuses to update or delete one (the
mapper events below), and ``tests/states/test_state_machines.py`` checks that no code issues
an ``update()``/``delete()`` against the table.

Erasure: a history row must outlive the person it mentions, so it never names them.
``actor`` is a kind and an opaque id (``user:12``, ``system:sweep``, ``provider:mpesa``,
``carrier:3``, ``device:<id>``) and is refused otherwise; ``reason`` has any run of digits
that could be a phone number masked before it is stored.
"""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Index, String, event, select
from sqlalchemy.orm import Mapped, mapped_column

from app.database import utcnow
from app.extensions import db

ACTOR_KINDS = ("user", "system", "provider", "carrier", "device")
_ACTOR = re.compile(r"^(?:%s):[A-Za-z0-9_.\-]{1,40}$" % "|".join(ACTOR_KINDS))
# Seven or more digits, possibly with spaces, dashes or a leading +: a phone number, or
# something a reader could not tell apart from one.
_PHONE_LIKE = re.compile(r"\+?\d[\d \-]{5,}\d")


class AppendOnly(RuntimeError):
    """Code tried to change or remove a history row."""


class StatusHistory(db.Model):
    """One status change of one row of one state machine (``entity`` names the machine)."""

    __tablename__ = "status_history"
    __table_args__ = (Index("ix_status_history_entity", "entity", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int]
    from_status: Mapped[str | None] = mapped_column(String(20))  # NULL: the row was created
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(48))
    reason: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)


@event.listens_for(StatusHistory, "before_update")
def _refuse_update(mapper, connection, target):  # pragma: no cover - raising is the point
    raise AppendOnly("status_history rows are never changed")


@event.listens_for(StatusHistory, "before_delete")
def _refuse_delete(mapper, connection, target):  # pragma: no cover - raising is the point
    raise AppendOnly("status_history rows are never deleted")


def check_actor(actor: str) -> str:
    """``actor`` if it is ``kind:id`` of a known kind; ValueError otherwise (a phone or a
    name must never reach the history, which outlives an account's erasure)."""
    if not isinstance(actor, str) or not _ACTOR.match(actor):
        raise ValueError(f"actor must look like 'user:12' or 'system:sweep' ({ACTOR_KINDS}), got {actor!r}")
    return actor


def clean_reason(reason: str | None) -> str | None:
    """The reason as stored: phone-like digit runs masked, at most 200 characters."""
    if not reason:
        return None
    return _PHONE_LIKE.sub("[number]", str(reason))[:200]


def history_row(entity: str, entity_id: int, from_status: str | None, to_status: str, *,
                actor: str, reason: str | None, at: datetime) -> dict:
    """The values of one history row (for a bulk insert)."""
    return dict(entity=entity, entity_id=entity_id, from_status=from_status, to_status=to_status,
                actor=check_actor(actor), reason=clean_reason(reason), at=at)


def history_of(entity: str, entity_id: int) -> list[StatusHistory]:
    """Every recorded change of one row, oldest first (support, audits, tests)."""
    return list(db.session.scalars(
        select(StatusHistory).where(StatusHistory.entity == entity, StatusHistory.entity_id == entity_id)
        .order_by(StatusHistory.id)
    ))

