"""Schemathesis against the app (WSGI, in-process): no 500 and no answer that breaks the
OpenAPI document, for positive and negative cases, signed in as a passenger, a driver and a
carrier admin (and a counter agent for ``/api/v1/counter``).

One pytest test per operation of ``/api/openapi.json`` (``/dev/`` and the operator
callbacks are not in the document; ``tests/test_input_guards.py`` covers the callbacks).
Each generated case is sent three times, once per role, and checked for: no server error,
a declared status code, the declared content type, and the declared response schema.
Deterministic (derandomized, no example database) and bounded (``MAX_EXAMPLES`` per
operation) so it stays a couple of minutes on SQLite. Run it alone with
``.venv/bin/python -m pytest tests/test_schemathesis.py -q``; set ``SCHEMATHESIS_EXAMPLES``
to explore more.
"""
from __future__ import annotations

import atexit
import os
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import create_app
from app.extensions import db
from tests import factories

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))


@schemathesis.check
def status_declared_explicitly(ctx, response, case):
    """Stricter than ``status_code_conformance`` (which a ``default`` response satisfies):
    every status an operation answers is listed under its own code, so a reader of the
    document sees 402, 409 or 429 where they can happen."""
    if case.method.upper() != case.operation.method.upper():
        return None  # schemathesis trying a method the path does not have: 405 from the router
    declared = set(case.operation.definition.raw.get("responses", {}))
    if str(response.status_code) not in declared:
        raise AssertionError(
            f"{case.operation.method.upper()} {case.operation.path} answered {response.status_code}, "
            f"which the document does not list (it lists {sorted(declared)})"
        )


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          status_declared_explicitly]


_KEYS_DIR = tempfile.TemporaryDirectory(prefix="safiri-openapi-")
atexit.register(_KEYS_DIR.cleanup)


def _document_app():
    """An app that only serves the OpenAPI document at collection time (no database is
    touched); the cases are sent to the test's own ``app`` (``call_and_validate(app=...)``)."""
    keys = Path(_KEYS_DIR.name) / "ticket-keys.json"
    return create_app({
        "APP_ENV": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "d" * 48,
        "TICKET_SIGNING_KEYS_FILE": str(keys), "REDIS_URL": None, "RATELIMIT_STORAGE_URI": "memory://",
        "CHANNEL_TOKEN": None,
    })


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", _document_app())
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=MAX_EXAMPLES, deterministic=True,
)


@pytest.fixture
def app_settings():
    # Rate limits would turn most requests into 429 after a few examples and hide the rest.
    return {"RATELIMIT_ENABLED": False}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
    # Fixtures are function-scoped on purpose (a fresh world per operation); generation
    # of large bodies is slow by nature; neither is a problem of the code under test.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
def test_api_answers_as_documented(case, app, world):
    users = [world.passenger, world.driver, world.admin]
    if case.operation.path.startswith("/api/v1/counter"):  # the counter's endpoints, as its agent too
        users.append(factories.make_user("agent", carrier=world.carrier))
        db.session.commit()
    for user in users:
        case.call_and_validate(app=app, headers=factories.auth_headers(user), checks=CHECKS)
