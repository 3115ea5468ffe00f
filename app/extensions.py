"""Extensions are created here, unbound, and bound to an app in ``create_app``.

Keeping them at module level (as in Miguel Grinberg's microblog) lets models and
blueprints import ``db`` or ``api`` without importing the factory.
"""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest.spec.plugins import integerconverter2paramschema
from flask_sqlalchemy import SQLAlchemy

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
# Storage is chosen in create_app: Redis when REDIS_URL is set, memory otherwise.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


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
