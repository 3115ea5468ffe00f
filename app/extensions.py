"""Extensions are created here, unbound, and bound to an app in ``create_app``.

Keeping them at module level (as in Miguel Grinberg's microblog) lets models and
blueprints import ``db`` or ``api`` without importing the factory.
"""
import hashlib
import hmac
import logging
import math
import time

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

from app.core.input_guard import BoundedInt
from app.core.problem_docs import ProblemApi, ProblemResponses
from app.database import Base

log = logging.getLogger(__name__)
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
    each), else the seconds until the spent one has room again (nothing counted). Used
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
