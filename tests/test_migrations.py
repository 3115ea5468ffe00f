"""The committed Alembic history builds exactly the schema the models describe.

If this fails after a model change, run ``flask --app wsgi db migrate -m "..."`` and
review the generated revision.
"""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from app import create_app
from app.extensions import db
from tests.conftest import fresh_database, test_config


@pytest.fixture
def empty_database_url(tmp_path):
    """A database of its own: migrations must build it from nothing."""
    with fresh_database(tmp_path, prefix="safiri_mig") as url:
        yield url


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
