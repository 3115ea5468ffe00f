"""Where USSD session state lives between two callbacks: Redis, else the database.

The state is a small JSON dict (see ``channels.ussd.engine``). Both stores offer the
same four operations plus a per-session lock, so the engine never knows which one it
talks to. Redis keys carry a prefix (``USSD_REDIS_PREFIX``) and expire on their own;
database rows are removed by the periodic sweep ``purge_stale_sessions``.
"""
from __future__ import annotations

import json
import logging
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app
from redis import RedisError
from redis.exceptions import LockError, LockNotOwnedError
from sqlalchemy import delete, or_, select

from app.database import utcnow
from app.extensions import db, redis_for_web, unit_of_work
from channels.ussd.models import UssdSession

log = logging.getLogger(__name__)

SESSION_TTL_SECONDS = 15 * 60  # AT sessions last ~3 minutes; keep state a little longer
RESUME_SECONDS = 5 * 60


class DbStore:
    """State in ``ussd_sessions``; the row lock serialises duplicate callbacks.

    Saving a step's state is that step's last unit of work (``app.extensions.unit_of_work``):
    what the screens left uncommitted (a resume offer taken) commits with it; a purchase or
    a payment the step made has committed in its own use case.
    """

    def load(self, session_id: str) -> dict | None:
        row = db.session.scalar(
            select(UssdSession).where(UssdSession.session_id == session_id).with_for_update()
            .execution_options(populate_existing=True)
        )
        return dict(row.state) if row is not None else None

    def save(self, session_id: str, phone: str, state: dict) -> None:
        def work() -> None:
            row = db.session.scalar(select(UssdSession).where(UssdSession.session_id == session_id))
            if row is None:
                db.session.add(UssdSession(session_id=session_id, phone=phone, state=state))
            else:
                row.state = state
                row.updated_at = utcnow()

        unit_of_work(work)

    def mark_resumable(self, session_id: str, phone: str, snapshot: dict) -> None:
        def work() -> None:
            row = db.session.scalar(select(UssdSession).where(UssdSession.session_id == session_id))
            if row is not None:
                row.resumable_until = utcnow() + timedelta(seconds=RESUME_SECONDS)

        unit_of_work(work)

    def take_resume(self, phone: str) -> dict | None:
        """The latest resumable snapshot for ``phone``, consumed (offered once)."""
        row = db.session.scalar(
            select(UssdSession)
            .where(UssdSession.phone == phone, UssdSession.resumable_until > utcnow())
            .order_by(UssdSession.resumable_until.desc())
            .limit(1)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if row is None:
            return None
        row.resumable_until = None
        return dict(row.state)

    @contextmanager
    def lock(self, session_id: str):
        yield  # ``load`` takes the row lock (PostgreSQL); SQLite serialises writers anyway


# Deletes the lock only while it is still ours (what redis-py's Lock does on release).
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
LOCK_SECONDS = 10  # a step never takes this long; a dead worker's lock lapses
LOCK_WAIT_SECONDS = 5  # a duplicate callback waits at most this long for the first one


class RedisStore:
    """State under ``<prefix>s:<sessionId>``, resume offers under ``<prefix>r:<phone>``, and
    the phone's session ids under ``<prefix>p:<phone>`` (for erasure).

    A step is three round trips, not five: taking the session's lock also reads its state
    (one pipeline: ``SET NX`` + ``GET``; the state read is used only if the lock was won),
    and the new state is written with the lock's release (``SET``/``SADD``/``EXPIRE`` and the
    release script in one pipeline, on leaving the lock). A state read without the lock
    (``session_ended``) is a plain ``GET``.
    """

    def __init__(self, redis, prefix: str):
        self.redis = redis
        self.prefix = prefix
        self._held: dict[str, dict] = {}  # session id -> its lock's token, state read, write to do
        self._release = redis.register_script(_RELEASE)

    def load(self, session_id: str) -> dict | None:
        held = self._held.get(session_id)
        raw = held["state"] if held is not None else self.redis.get(f"{self.prefix}s:{session_id}")
        return json.loads(raw) if raw else None

    def _write(self, pipe, session_id: str, phone: str, state: dict) -> None:
        pipe.set(f"{self.prefix}s:{session_id}", json.dumps(state), ex=SESSION_TTL_SECONDS)
        # The phone's sessions, so that an erased account's state can be found and deleted.
        pipe.sadd(f"{self.prefix}p:{phone}", session_id)
        pipe.expire(f"{self.prefix}p:{phone}", SESSION_TTL_SECONDS)

    def save(self, session_id: str, phone: str, state: dict) -> None:
        held = self._held.get(session_id)
        if held is not None:  # written with the lock's release
            held["write"] = (phone, state)
            return
        pipe = self.redis.pipeline()
        self._write(pipe, session_id, phone, state)
        pipe.execute()

    def mark_resumable(self, session_id: str, phone: str, snapshot: dict) -> None:
        self.redis.set(f"{self.prefix}r:{phone}", json.dumps(snapshot), ex=RESUME_SECONDS)

    def take_resume(self, phone: str) -> dict | None:
        raw = self.redis.getdel(f"{self.prefix}r:{phone}")
        return json.loads(raw) if raw else None

    def erase_phone(self, phone: str) -> int:
        """Delete every key holding ``phone``'s state: its sessions, index and resume offer."""
        index = f"{self.prefix}p:{phone}"
        sessions = [f"{self.prefix}s:{sid.decode() if isinstance(sid, bytes) else sid}"
                    for sid in self.redis.smembers(index)]
        return self.redis.delete(*sessions, index, f"{self.prefix}r:{phone}")

    @contextmanager
    def lock(self, session_id: str):
        """A duplicate callback (gateway retry) waits for the first one, then replays its answer."""
        key, token = f"{self.prefix}l:{session_id}", uuid.uuid4().hex
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            pipe = self.redis.pipeline(transaction=False)
            pipe.set(key, token, nx=True, px=LOCK_SECONDS * 1000)
            pipe.get(f"{self.prefix}s:{session_id}")
            won, state = pipe.execute()
            if won:
                break
            if time.monotonic() >= deadline:
                raise LockError(f"ussd session {session_id[:20]} is busy")
            time.sleep(0.02)
        held = self._held[session_id] = {"state": state, "write": None}
        try:
            yield
        finally:
            self._held.pop(session_id, None)
            pipe = self.redis.pipeline(transaction=False)
            if held["write"] is not None:
                self._write(pipe, session_id, *held["write"])
            self._release(keys=[key], args=[token], client=pipe)
            released = pipe.execute()[-1]
        if not released:  # it lapsed and another callback took it: as redis-py's Lock says
            raise LockNotOwnedError(f"ussd session {session_id[:20]} lock lapsed")


def get_store():
    """The store for this app: one Redis client per app, created on first use."""
    app = current_app._get_current_object()
    url = app.config.get("REDIS_URL")
    if not url:
        return DbStore()
    store = app.extensions.get("ussd_store")
    if store is None:
        # Short timeouts: the gateway waits a few seconds for a screen, never longer.
        store = RedisStore(redis_for_web(url), app.config.get("USSD_REDIS_PREFIX", "safiri:ussd:"))
        app.extensions["ussd_store"] = store
    return store


def erase_phone(phone: str) -> None:
    """An account is being erased: its USSD state goes, from the database and from Redis.

    Both, whatever the configuration: rows written before ``REDIS_URL`` was set are still
    personal data. Called by ``channels.erasure`` inside the deleting transaction; the
    Redis keys go at once (if that transaction then fails, only a menu position is lost).
    Redis away does not stop the erasure: its keys expire by themselves within
    ``SESSION_TTL_SECONDS`` (15 minutes), and that is logged.
    """
    db.session.execute(delete(UssdSession).where(UssdSession.phone == phone))
    store = get_store()
    if isinstance(store, RedisStore):
        try:
            store.erase_phone(phone)
        except RedisError as exc:
            log.warning("ussd state of an erased account left to expire (within %ss): Redis unreachable (%s)",
                        SESSION_TTL_SECONDS, type(exc).__name__)


def purge_stale_sessions(now=None) -> int:
    """Delete database session rows nobody can come back to (periodic sweep).

    A row is stale once its state outlived ``SESSION_TTL_SECONDS`` and it is not on
    offer for resuming. Redis keys expire by themselves.
    """
    now = now or utcnow()
    result = db.session.execute(
        delete(UssdSession).where(
            UssdSession.updated_at < now - timedelta(seconds=SESSION_TTL_SECONDS),
            or_(UssdSession.resumable_until.is_(None), UssdSession.resumable_until < now),
        )
    )
    return result.rowcount
