"""Fixtures shared by every test: ``app``, ``client``, ``runner``, ``db`` and factories.

Each test run makes its own database and drops it afterwards: a temporary SQLite file,
or, when ``TEST_DATABASE_URL`` points at PostgreSQL, a fresh ``safiri_test_<random>``
database on that server. The schema is created once per run; every test then starts
from empty tables. Tests with the same ``app_settings`` share one app (see ``_SharedApp``
and docs/CONTRIBUTING.md, Tests): building an app per test was most of a run.
"""
from __future__ import annotations

import os
import threading
import uuid
from contextlib import contextmanager

import psycopg
import pytest
from limits.storage import MemoryStorage
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.engine import make_url

from app import create_app
from app.config import normalize_database_url
from app import extensions as _extensions
from app.extensions import api as _api
from app.extensions import db as _db
from app.extensions import limiter as _limiter
from tests import factories

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def _is_postgres() -> bool:
    return bool(TEST_DATABASE_URL) and TEST_DATABASE_URL.startswith(("postgres", "postgresql"))


@contextmanager
def fresh_database(tmp_dir, prefix: str = "safiri_test"):
    """A new, empty database for this run: a SQLite file, or a PostgreSQL database on
    the ``TEST_DATABASE_URL`` server that is dropped afterwards."""
    if not _is_postgres():
        yield f"sqlite:///{tmp_dir / f'{prefix}.sqlite3'}"
        return
    server_url = make_url(normalize_database_url(TEST_DATABASE_URL))
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    dsn = server_url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        # A test database need not survive a crash: commits skip the wait for the disk
        # (same results and visibility, several times faster on a busy machine).
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    try:
        yield server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        _drop_in_background(dsn, name)


# DROP DATABASE waits for a checkpoint: tens of seconds on a busy server. The tests do
# not need the database any more, so it is dropped while they go on; the run waits for
# every drop at its end (``pytest_sessionfinish``) and fails if one failed.
_drops: list = []


def _drop_in_background(dsn: str, name: str) -> None:
    def _drop():
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except Exception as error:  # reported at the end of the run
            failed.append(error)

    failed: list = []
    thread = threading.Thread(target=_drop, name=f"drop {name}")
    thread.start()
    _drops.append((name, thread, failed))


def pytest_sessionfinish(session, exitstatus):
    for name, thread, failed in _drops:
        thread.join()
        if failed:
            raise RuntimeError(f"could not drop test database {name}: {failed[0]}")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    with fresh_database(tmp_path_factory.mktemp("db")) as url:
        yield url


def test_config(database_url: str, tmp_path_factory, **overrides) -> dict:
    config = {
        "APP_ENV": "test",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256",
        "TICKET_SIGNING_KEYS_FILE": str(tmp_path_factory.getbasetemp() / "ticket-keys.json"),
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "CHANNEL_TOKEN": None,
        "AT_USERNAME": None,
        "AT_API_KEY": None,
        "MPESA_CONSUMER_KEY": None,
        "MPESA_CONSUMER_SECRET": None,
        "PUBLIC_BASE_URL": "https://tickets.example.test",
    }
    config.update(overrides)
    return config


test_config.__test__ = False  # not a test, despite the name


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Create every table once per run."""
    app = create_app(test_config(database_url, tmp_path_factory))
    with app.app_context():
        _db.create_all()
        yield
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def _empty_all_tables() -> None:
    """Empty the tables a test wrote; on PostgreSQL also restart the sequences it used.

    Only tables that hold rows are touched, with ``DELETE`` rather than ``TRUNCATE``:
    a ``TRUNCATE`` of every table costs PostgreSQL a new file per table, far more than
    most tests. The end state is the same as ``TRUNCATE ... RESTART IDENTITY``.
    """
    tables = list(reversed(_db.metadata.sorted_tables))
    if _db.engine.dialect.name == "postgresql":
        try:
            _db.session.execute(text("SET LOCAL lock_timeout = '10s'"))
            _empty_postgres(tables)
        except OperationalError:
            # A connection left "idle in transaction" by a test holds a lock: end it so
            # the run goes on, and fail this test loudly instead of hanging CI forever.
            _db.session.rollback()
            leaked = _db.session.execute(text(
                "SELECT pg_terminate_backend(pid), left(query, 120) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND state LIKE 'idle in transaction%'"
            )).all()
            _empty_postgres(tables)
            _db.session.commit()
            pytest.fail(f"a test left a connection idle in transaction: {[q for _, q in leaked]}")
    else:
        for table in tables:
            _db.session.execute(table.delete())
    _db.session.commit()


def _empty_postgres(tables) -> None:
    written = set(_db.session.scalars(text(" UNION ALL ".join(
        f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in tables))))
    for table in tables:  # children before parents: no foreign key is ever violated
        if table.name in written:
            _db.session.execute(table.delete())
    _db.session.execute(text(
        "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false) "
        "FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"))


@pytest.fixture
def make_app(database_url, tmp_path_factory, _schema):
    """Build an app of its own with extra settings: ``make_app(CHANNEL_TOKEN="s3cret")``."""
    created = []

    def _make(**overrides):
        app = create_app(test_config(database_url, tmp_path_factory, **overrides))
        created.append(app)
        return app

    yield _make
    for app in created:
        _dispose(app)


def _dispose(app) -> None:
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


class _SharedApp:
    """The one app the ``app`` fixture hands out, rebuilt only when it must be.

    Building an app (blueprints, OpenAPI spec) costs far more than most tests, so tests
    with the same ``app_settings`` share one. It is rebuilt when the settings differ from
    the previous test's, and when any other app was built since (``make_app``, a direct
    ``create_app``): ``api`` and ``limiter`` are module-level extensions that follow the
    app built last, exactly as when every test built its own app.
    """

    def __init__(self, build):
        self.build = build
        self.key = None
        self.app = None

    def get(self, settings: dict):
        key = repr(sorted(settings.items()))
        if self.app is None or self.key != key or _api._app is not self.app:
            self.close()
            self.app, self.key = self.build(**settings), key
        return self.app

    def close(self) -> None:
        if self.app is not None:
            _dispose(self.app)
        self.app = self.key = None


@pytest.fixture(scope="session")
def _shared_app(database_url, tmp_path_factory, _schema):
    shared = _SharedApp(lambda **overrides: create_app(test_config(database_url, tmp_path_factory, **overrides)))
    yield shared
    shared.close()


@pytest.fixture
def app_settings():
    """Settings on top of the test defaults; override this fixture in a module or class
    to configure one area (Daraja credentials, a channel token...)."""
    return {}


@contextmanager
def _restored(app):
    """Undo what a test changed on a shared app: settings (``app.config[...] = ...``) and
    per-app caches in ``app.extensions`` (Daraja client, SMS backend, keyring, queue)."""
    config, extensions = dict(app.config), dict(app.extensions)
    try:
        yield
    finally:
        app.config.clear()
        app.config.update(config)
        app.extensions.clear()
        app.extensions.update(extensions)


def _fresh_rate_limits() -> None:
    """A new app had new in-memory limiter storage; a shared one gets it emptied.

    So do the counts kept while the storage was away: a test that pointed the limiter at a
    dead Redis (``tests/jobs/test_redis_outage.py``) left Flask-Limiter counting in its
    in-memory fallback, which the next app kept using (the limiter is module-level, and it
    looks at its storage again only after a back-off), so a later test met that test's
    counts. ``spend``'s own fallback counts go too."""
    storage = getattr(_limiter, "_storage", None)
    if isinstance(storage, MemoryStorage):
        storage.reset()
    _limiter._storage_dead = False
    fallback = getattr(_limiter, "_fallback_storage", None)
    if fallback is not None:
        fallback.reset()
    _extensions._memory_counts.storage.reset()
    _extensions._storage["failing"] = False


@pytest.fixture
def app(request, make_app, app_settings, _shared_app):
    """The app with an application context pushed; tables are emptied afterwards.

    Tests with equal ``app_settings`` share one app (see ``_SharedApp``); a test marked
    ``fresh_app`` (it adds routes or hooks) gets one of its own.
    """
    if request.node.get_closest_marker("fresh_app"):
        app = make_app(**app_settings)
    else:
        app = _shared_app.get(app_settings)
    with _restored(app), app.app_context():
        _fresh_rate_limits()
        yield app
        _db.session.rollback()
        _empty_all_tables()
        _db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def world(app):
    """A small, realistic catalog: see ``tests.factories.build_world``."""
    return factories.build_world()


@pytest.fixture
def auth_headers(app):
    """``auth_headers(user)`` → the Authorization header of a fresh access token."""
    return factories.auth_headers


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set TEST_DATABASE_URL)")
    for item in items:
        if "postgres_only" in item.keywords and not _is_postgres():
            item.add_marker(skip_pg)
