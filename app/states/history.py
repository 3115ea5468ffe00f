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

from sqlalchemy import Index, String, event, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

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


# ---- rows waiting for the transaction's one batched insert
#
# Why deferred: a purchase moves an order, its holds, a payment and its tickets, and each
# move used to flush its own ``INSERT INTO status_history`` between the other statements
# (five round trips in a wallet payment). The rows are now kept on the session and written
# in one multi-row INSERT just before the COMMIT, in the same transaction: they commit with
# the change they record, or not at all. A savepoint rolled back drops the rows recorded
# inside it; a rollback drops them all; any query of ``status_history`` writes them first,
# so a reader in the same transaction still sees every change.
PENDING = "status_history.pending"
_MARKS = "status_history.savepoints"


def defer(entity: str, entity_id: int, from_status: str | None, to_status: str, *, actor: str,
          reason: str | None, at: datetime, session=None) -> None:
    """Record one change, written with the others before the transaction commits."""
    session = session if session is not None else db.session()
    session.info.setdefault(PENDING, []).append(
        history_row(entity, entity_id, from_status, to_status, actor=actor, reason=reason, at=at))


def write_pending(session) -> None:
    """Insert the rows recorded so far (one statement; nothing when there are none)."""
    rows = session.info.pop(PENDING, None)
    if rows:
        # The table, not the mapper: the ORM would split the rows by which values are NULL.
        session.execute(insert(StatusHistory.__table__), rows)


@event.listens_for(Session, "before_commit")
def _write_before_commit(session):
    if not session.in_nested_transaction():  # a SAVEPOINT's release is no commit
        write_pending(session)


@event.listens_for(Session, "do_orm_execute")
def _write_before_reading(state):
    if state.session.info.get(PENDING) and any(m.class_ is StatusHistory for m in state.all_mappers):
        write_pending(state.session)


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session, transaction):
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[transaction] = len(session.info.get(PENDING, ()))


@event.listens_for(Session, "after_transaction_end")
def _forget_savepoint(session, transaction):
    if transaction.nested:
        session.info.get(_MARKS, {}).pop(transaction, None)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session, previous_transaction):
    pending = session.info.get(PENDING)
    if not pending:
        return
    if previous_transaction.nested:
        mark = session.info.get(_MARKS, {}).get(previous_transaction)
        if mark is not None:
            del pending[mark:]
    elif previous_transaction.parent is None:
        session.info.pop(PENDING, None)


def history_of(entity: str, entity_id: int) -> list[StatusHistory]:
    """Every recorded change of one row, oldest first (support, audits, tests)."""
    return list(db.session.scalars(
        select(StatusHistory).where(StatusHistory.entity == entity, StatusHistory.entity_id == entity_id)
        .order_by(StatusHistory.id)
    ))

