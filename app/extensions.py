"""Extensions are created here, unbound, and bound to an app in ``create_app``; and the one
helper every use case commits through (``unit_of_work``).

Keeping them at module level (as in Miguel Grinberg's microblog) lets models and
blueprints import ``db`` or ``api`` without importing the factory.
"""
import hashlib
import hmac
import logging
import math
import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest.spec.plugins import integerconverter2paramschema
from flask_sqlalchemy import SQLAlchemy
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from app.core.input_guard import BoundedInt
from app.core.problem_docs import ProblemApi, ProblemResponses
from app.database import Base

log = logging.getLogger(__name__)
T = TypeVar("T")
db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
# Error responses documented as problem+json, common ones on every operation.
api = ProblemApi(spec_kwargs={"extra_plugins": [ProblemResponses()]})
# <int:...> ids are bounded to the database's INTEGER (app.core.input_guard.BoundedInt);
# documented as integers with that maximum.
api.register_converter(BoundedInt, integerconverter2paramschema)
# Storage is chosen in create_app: Redis when REDIS_URL is set, memory otherwise. With
# Redis away, decorated limits are counted in memory (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED).
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def web_redis_options(timeout: float = 2) -> dict:
    """Options of every Redis client a web request uses (queue, limits, USSD state, health).

    A request must not hang on Redis: redis-py's defaults retry a silent server about ten
    times, a minute in all, far past gunicorn's timeout. Here a call gives up after one
    retry and ``timeout`` seconds each, and the caller degrades (see ``app.jobs``).
    """
    return {"socket_connect_timeout": timeout, "socket_timeout": timeout, "retry": Retry(NoBackoff(), 1)}


def redis_for_web(url: str, timeout: float = 2) -> Redis:
    """A Redis client with ``web_redis_options``."""
    return Redis.from_url(url, **web_redis_options(timeout))


def limit_key(scope: str, *parts: str) -> str:
    """A rate-limit key: ``scope`` (what is counted, readable) and an HMAC of ``parts``.

    The HMAC is under ``SECRET_KEY``: the limiter's storage (Redis in production) holds no
    phone numbers.
    """
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, "|".join((scope, *parts)).encode(), hashlib.sha256).hexdigest()[:32]
    return f"{scope}:{digest}"


# Where ``spend`` counts while the limiter's storage cannot be reached, and whether it
# could not the last time (so that the change is logged once, not at every use).
_memory_counts = FixedWindowRateLimiter(MemoryStorage())
_storage = {"failing": False}


def _spend_on(strategy, items) -> int | None:
    if len(items) == 1 and isinstance(strategy, FixedWindowRateLimiter):
        # One fixed window (a USSD step, an inbound SMS): counting a refused use changes
        # nothing (the window was full and ends when it would have), so the count and the
        # check are one round trip, not two.
        (item, key), = items
        if strategy.hit(item, key):
            return None
        reset_at, _ = strategy.get_window_stats(item, key)
        return max(1, math.ceil(reset_at - time.time()))
    for item, key in items:
        if not strategy.test(item, key):
            reset_at, _ = strategy.get_window_stats(item, key)
            return max(1, math.ceil(reset_at - time.time()))
    for item, key in items:
        strategy.hit(item, key)
    return None


def spend(*budgets: tuple[str, str]) -> int | None:
    """Count one use against every ``(limits, key)`` budget, or against none.

    ``limits`` is a setting such as ``"5 per minute; 20 per hour"``; ``key`` comes from
    ``limit_key``. Returns ``None`` when every budget had room (the use is counted in
    each), else the seconds until the spent one has room again (nothing counted where it
    matters: with one fixed window the refused use is counted, which changes nothing). Used
    where a limit is not a whole endpoint's (Flask-Limiter's decorators do those): USSD
    steps, inbound SMS, payment prompts. The storage is the limiter's own (Redis when
    ``REDIS_URL`` is set, shared by every worker). When it cannot be reached, the use is
    counted in this process's memory instead: a limit looser by the number of processes,
    still a limit, and never a 500 (a limit protects phones, it never takes a channel
    down); one log line when the storage goes, one when it answers again.
    """
    if not limiter.enabled:  # RATELIMIT_ENABLED=False
        return None
    items = [(item, key) for limits, key in budgets for item in parse_many(limits)]
    try:
        wait = _spend_on(limiter.limiter, items)
    except Exception as exc:  # redis.ConnectionError and friends: degrade, never a 500
        if not _storage["failing"]:
            log.warning("rate limit storage unavailable (%s): counting in memory", type(exc).__name__)
        _storage["failing"] = True
        return _spend_on(_memory_counts, items)
    if _storage["failing"]:
        log.info("rate limit storage answers again")
        _storage["failing"] = False
    return wait


def commit_keeping_state() -> None:
    """Commit without expiring the session's objects.

    Why: a booking, payment or scan answers from the rows it has just written under its
    locks; expiring them at COMMIT would reload each one, only to read the same values.
    """
    session = db.session()
    before, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = before


# SQLSTATEs of a transaction that lost to another one and would succeed if run again.
LOST_RACE_SQLSTATES = {"40001": "serialization failure", "40P01": "deadlock"}
UNIT_OF_WORK_ATTEMPTS = 3


class NestedUnitOfWork(RuntimeError):
    """A unit of work started inside another: the inner one would commit the outer's work."""


def lost_race(error: BaseException) -> str | None:
    """Why ``error`` means "another transaction got there first; run again" (None: it does not).

    A unique constraint that refused a row another transaction just wrote (a replayed
    callback, two first movements of one wallet), a deadlock the database broke by aborting
    this side, or a serialization failure: run again from the start, each finds the other's
    committed work and acts on it.
    """
    if isinstance(error, IntegrityError):
        return "unique race"
    if isinstance(error, OperationalError):
        orig = error.orig
        return LOST_RACE_SQLSTATES.get(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None))
    return None


def unit_of_work(work: Callable[[], T], *, attempts: int = UNIT_OF_WORK_ATTEMPTS) -> T:
    """Run ``work()`` as one transaction and commit it once; what ``work`` returns is returned.

    Why one helper: a use case (``app.sales``, an operator callback, a job) owns its
    transaction: the domain functions it calls never commit, so everything it changes (the
    order, the payment, the tickets, the ledger, the SMS outbox) commits together or not at
    all. A transaction that lost a race (``lost_race``) is rolled back and ``work`` runs
    again, whole: never half-applied, never parked as an error while the operator is told
    "Accepted". Any other exception rolls back and propagates. Objects stay loaded after
    the commit (``commit_keeping_state``): the answer is built from the rows just written.

    ``work`` must read what it needs itself (ids in, rows loaded inside), since a retry
    starts from a rolled-back session. A session that already wrote something before the
    unit of work began (a passenger created on first contact) is not retried: its earlier
    writes would be lost with the rollback, so the error propagates as before.
    """
    session = db.session()
    if session.info.get("unit_of_work"):
        raise NestedUnitOfWork("a unit of work was started inside another; call the domain functions instead")
    retryable = not (session.info.get("flushed") or session.new or session.dirty or session.deleted)
    session.info["unit_of_work"] = True
    try:
        for attempt in range(1, attempts + 1):
            try:
                result = work()
                commit_keeping_state()
                return result
            except (IntegrityError, OperationalError) as error:
                session.rollback()
                why = lost_race(error)
                if why is None or not retryable or attempt == attempts:
                    raise
                log.info("transaction lost a race (%s); running it again (attempt %d of %d)", why, attempt + 1,
                         attempts)
            except BaseException:
                session.rollback()
                raise
    finally:
        session.info.pop("unit_of_work", None)
    raise AssertionError("unreachable")  # pragma: no cover


@event.listens_for(Session, "after_flush")
def _remember_writes(session: Session, flush_context) -> None:
    session.info["flushed"] = True  # this transaction wrote something (see unit_of_work)


@event.listens_for(Session, "after_transaction_end")
def _forget_writes(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop("flushed", None)
