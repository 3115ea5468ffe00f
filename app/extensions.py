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
# Storage is chosen in create_app: Redis when REDIS_URL is set, memory otherwise.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def limit_key(scope: str, *parts: str) -> str:
    """A rate-limit key: ``scope`` (what is counted, readable) and an HMAC of ``parts``.

    The HMAC is under ``SECRET_KEY``: the limiter's storage (Redis in production) holds no
    phone numbers.
    """
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, "|".join((scope, *parts)).encode(), hashlib.sha256).hexdigest()[:32]
    return f"{scope}:{digest}"


def spend(*budgets: tuple[str, str]) -> int | None:
    """Count one use against every ``(limits, key)`` budget, or against none.

    ``limits`` is a setting such as ``"5 per minute; 20 per hour"``; ``key`` comes from
    ``limit_key``. Returns ``None`` when every budget had room (the use is counted in
    each), else the seconds until the spent one has room again (nothing counted). Used
    where a limit is not a whole endpoint's (Flask-Limiter's decorators do those): USSD
    steps, inbound SMS, payment prompts. The storage is the limiter's own (Redis when
    ``REDIS_URL`` is set, shared by every worker); when it cannot be reached the use is
    allowed and a line logged: a limit protects phones, it never takes a channel down.
    """
    if not limiter.enabled:  # RATELIMIT_ENABLED=False
        return None
    items = [(item, key) for limits, key in budgets for item in parse_many(limits)]
    try:
        strategy = limiter.limiter
        for item, key in items:
            if not strategy.test(item, key):
                reset_at, _ = strategy.get_window_stats(item, key)
                return max(1, math.ceil(reset_at - time.time()))
        for item, key in items:
            strategy.hit(item, key)
    except Exception as exc:  # redis.ConnectionError and friends: degrade, never a 500
        log.warning("rate limit storage unavailable, use allowed: %s", type(exc).__name__)
    return None


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
