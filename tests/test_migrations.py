"""The committed Alembic history builds exactly the schema the models describe.

If this fails after a model change, run ``flask --app wsgi db migrate -m "..."`` and
review the generated revision.
"""
from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from tests.conftest import TEST_DATABASE_URL, _is_postgres, test_config


@pytest.fixture
def empty_database_url(tmp_path):
    """A database of its own: migrations must build it from nothing."""
    if not _is_postgres():
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    import psycopg

    from app.config import normalize_database_url

    server = make_url(normalize_database_url(TEST_DATABASE_URL))
    name = f"safiri_mig_{uuid.uuid4().hex[:10]}"
    dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migrations_match_the_models_and_downgrade_cleanly(empty_database_url, tmp_path_factory):
    app = create_app(test_config(empty_database_url, tmp_path_factory))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations disagree: {differences}"
        downgrade(revision="base")
        engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        remaining = set(inspect(engine).get_table_names()) - {"alembic_version"}
        engine.dispose()
        assert remaining == set()
        db.engine.dispose()
