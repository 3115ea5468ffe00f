"""Extensions are created here, unbound, and bound to an app in ``create_app``.

Keeping them at module level (as in Miguel Grinberg's microblog) lets models and
blueprints import ``db`` or ``api`` without importing the factory.
"""
import logging

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from flask_migrate import Migrate
from flask_smorest.spec.plugins import integerconverter2paramschema
from flask_sqlalchemy import SQLAlchemy
from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from app.core.input_guard import BoundedInt
from app.core.problem_docs import ProblemApi, ProblemResponses
from app.database import Base

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

log = logging.getLogger(__name__)


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


_memory_counts = FixedWindowRateLimiter(MemoryStorage())
_storage = {"failing": False}  # whether the last hit missed the storage (to log changes once)


def within_limit(limit: str | RateLimitItem, *identifiers: str) -> bool:
    """Count one request against ``limit`` for ``identifiers``; False once it is exceeded.

    For limits a handler counts itself on the limiter's storage (USSD per phone, inbound
    SMS per number...), where Flask-Limiter's decorators do not reach. Redis away is not
    the caller's failure: the request is counted in this process's memory instead (a
    per-process limit is looser but still a limit), with one log line when the storage
    goes and one when it is back.
    """
    item = parse(limit) if isinstance(limit, str) else limit
    try:
        allowed = limiter.limiter.hit(item, *identifiers)
    except Exception as exc:
        if not _storage["failing"]:
            log.warning("rate limit storage unreachable (%s): counting in memory", type(exc).__name__)
        _storage["failing"] = True
        return _memory_counts.hit(item, *identifiers)
    if _storage["failing"]:
        log.info("rate limit storage answers again")
        _storage["failing"] = False
    return allowed


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
