"""State machines: the one generic place a ``status`` column is ever written.

Each area declares its machine in its own ``states.py`` (``app.booking.states`` holds the
order and hold tables, ``app.payments.states`` payments, refunds and airtime charges...):
which states a row may be created in and which moves are allowed from each state. This
module applies any of them the same way:

- ``transition`` re-reads the row under a row lock (``SELECT ... FOR UPDATE`` with
  ``populate_existing``: another request may just have moved it), refuses a move the table
  does not allow with a ``Conflict`` that changes nothing, sets the status and appends a
  ``status_history`` row (``history.defer``: all of a transaction's rows go in one INSERT
  before its COMMIT) saying who (``actor``), when and why;
- ``create`` gives a new row its first state (one of the table's initial states) and
  records it (``from_status`` NULL);
- ``bulk`` moves every row matching a filter (the expiry sweeps), locking them, and
  writes one history row per row moved.

Why: before, each area assigned its status strings in its own way (some locked, some did
not, none said who acted). ``tests/states/test_state_machines.py`` checks statically that no
module but this one assigns a status, and that every state a table names is reached by
some code path.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from sqlalchemy import select, update

from app.states.history import check_actor, defer
from app.database import utcnow
from app.errors import Conflict
from app.extensions import db

MACHINES: dict[str, "Machine"] = {}


def _default_refusal(machine: "Machine", current: str, to: str) -> Conflict:
    return Conflict(
        f"This {machine.noun} is {current.replace('_', ' ')}; it cannot become {to.replace('_', ' ')}.",
        slug=machine.slug,
    )


class Machine:
    """The allowed transitions of one entity (a model with a ``status`` column).

    ``table`` maps a state to the states it may move to; ``initial`` lists the states a
    new row may start in. ``reason_defaults_to_status``: models whose ``status_reason``
    column says the new state when no reason is given (orders, holds, tickets).
    """

    def __init__(self, entity: str, model, table: Mapping[str, Iterable[str]], *, initial: Iterable[str],
                 slug: str, noun: str | None = None, reason_defaults_to_status: bool = True,
                 refusal: Callable[["Machine", str, str], Exception] | None = None):
        self.entity, self.model, self.slug = entity, model, slug
        self.noun = noun or entity.replace("_", " ")
        self.table = {state: frozenset(targets) for state, targets in table.items()}
        self.initial = frozenset(initial)
        self.reason_defaults_to_status = reason_defaults_to_status
        self._refusal = refusal or _default_refusal
        MACHINES[entity] = self

    @property
    def states(self) -> frozenset[str]:
        """Every state the table names."""
        named = set(self.initial) | set(self.table)
        for targets in self.table.values():
            named |= targets
        return frozenset(named)

    def allows(self, current: str, to: str) -> bool:
        return to in self.table.get(current, frozenset())

    def sources(self, to: str) -> list[str]:
        """The states from which ``to`` may be reached."""
        return sorted(state for state, targets in self.table.items() if to in targets)

    def refusal(self, current: str, to: str) -> Exception:
        return self._refusal(self, current, to)

    def lock(self, row_id: int):
        """The row under a row lock, freshly read (None if it does not exist)."""
        return db.session.execute(
            select(self.model).where(self.model.id == row_id).with_for_update(of=self.model)
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()

    def _stamp(self, row, to: str, reason: str | None, now: datetime) -> None:
        row.status = to
        if hasattr(self.model, "status_changed_at"):
            row.status_changed_at = now
        if hasattr(self.model, "status_reason"):
            text = reason or (to if self.reason_defaults_to_status else None)
            row.status_reason = text[:200] if text else None

    def _born(self, row, now: datetime) -> None:
        """A new row is created at ``now``, the moment its first state is recorded.

        Why: ``created_at`` otherwise took the clock at the INSERT, later than the ``now``
        a use case passes on to its next steps, so a wallet payment answered
        ``settled_at`` before its ``created_at``. One moment for the row and its history.
        """
        if hasattr(self.model, "created_at") and getattr(row, "created_at", None) is None:
            row.created_at = now

    def transition(self, row, to: str, *, actor: str, reason: str | None = None, now: datetime | None = None,
                   locked: bool = False):
        """Move ``row`` to ``to``; returns the (locked, current) row.

        ``locked=True``: the caller already holds this row's lock in this transaction and
        ``row`` is current (saves a second round trip). Raises the machine's ``Conflict``
        when the table does not allow the move, having changed nothing.
        """
        check_actor(actor)
        now = now or utcnow()
        current_row = row if locked else self.lock(row.id)
        current = current_row.status
        if not self.allows(current, to):
            raise self.refusal(current, to)
        self._stamp(current_row, to, reason, now)
        defer(self.entity, current_row.id, current, to, actor=actor, reason=reason, at=now)
        return current_row

    def create(self, row, status: str, *, actor: str, reason: str | None = None, now: datetime | None = None):
        """Add the new ``row`` in its first state ``status`` and record it; flushes (for the id)."""
        check_actor(actor)
        if status not in self.initial:
            raise ValueError(f"a {self.noun} cannot start as {status!r} (initial: {sorted(self.initial)})")
        now = now or utcnow()
        self._stamp(row, status, reason, now)
        self._born(row, now)
        db.session.add(row)
        db.session.flush()
        defer(self.entity, row.id, None, status, actor=actor, reason=reason, at=now)
        return row

    def create_all(self, rows: list, status: str, *, actor: str, reason: str | None = None,
                   now: datetime | None = None) -> list:
        """``create`` for several new rows at once (one flush)."""
        check_actor(actor)
        if status not in self.initial:
            raise ValueError(f"a {self.noun} cannot start as {status!r} (initial: {sorted(self.initial)})")
        now = now or utcnow()
        for row in rows:
            self._stamp(row, status, reason, now)
            self._born(row, now)
        db.session.add_all(rows)
        db.session.flush()
        for row in rows:
            defer(self.entity, row.id, None, status, actor=actor, reason=reason, at=now)
        return rows

    def bulk(self, *criteria, to: str, actor: str, reason: str | None = None, now: datetime | None = None,
             values: Mapping | None = None, sources: Iterable[str] | None = None) -> list[int]:
        """Move every row matching ``criteria`` whose state may become ``to``; the ids moved.

        The rows are locked (in id order, so two sweeps cannot deadlock) and re-checked by
        the database after any wait, then updated in one statement with ``values``
        (extra columns), and one history row each is inserted.
        """
        check_actor(actor)
        now = now or utcnow()
        allowed = [s for s in self.sources(to) if sources is None or s in set(sources)]
        if not allowed:
            return []
        rows = db.session.execute(
            select(self.model.id, self.model.status).where(self.model.status.in_(allowed), *criteria)
            .order_by(self.model.id).with_for_update(of=self.model)  # lock only: ids and statuses, no objects
        ).all()
        if not rows:
            return []
        ids = [row_id for row_id, _ in rows]
        changes = dict(values or {}, status=to)
        if hasattr(self.model, "status_changed_at"):
            changes.setdefault("status_changed_at", now)
        if hasattr(self.model, "status_reason"):
            text = reason or (to if self.reason_defaults_to_status else None)
            changes.setdefault("status_reason", text[:200] if text else None)
        db.session.execute(
            update(self.model).where(self.model.id.in_(ids)).values(**changes)
            .execution_options(synchronize_session="fetch")
        )
        for row_id, current in rows:
            defer(self.entity, row_id, current, to, actor=actor, reason=reason, at=now)
        return ids

    def reachable(self) -> frozenset[str]:
        """The states a walk of the table from the initial states reaches."""
        seen, todo = set(self.initial), list(self.initial)
        while todo:
            for nxt in self.table.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return frozenset(seen)
