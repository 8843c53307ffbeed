"""The migrations build the schema the models describe, and run down and up again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.db import db
from tests.conftest import make_test_config
from tests.scratch import scratch_database


@pytest.fixture
def scratch_app(tmp_path) -> Iterator[Flask]:
    """An app on a database of its own (a fresh PostgreSQL database when testing there)."""
    with scratch_database("migrations", tmp_path) as database:
        application = create_app(make_test_config(database["SQLALCHEMY_DATABASE_URI"],
                                                  database["MIGRATION_DATABASE_URI"]))
        yield application
        with application.app_context():
            db.engine.dispose()


# The indexes on expressions (PostgreSQL only, `ddl_if`) cannot be reflected from SQLite,
# so alembic leaves them out of the comparison there, and says so.
SQLITE_SKIPS_EXPRESSION_INDEXES = pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index:UserWarning")


def _diff(application: Flask) -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        return compare_metadata(context, db.metadata)


@SQLITE_SKIPS_EXPRESSION_INDEXES
def test_upgrade_from_empty_matches_the_models(scratch_app):
    with scratch_app.app_context():
        upgrade()
        assert _diff(scratch_app) == []


@SQLITE_SKIPS_EXPRESSION_INDEXES
def test_downgrade_to_base_and_upgrade_again(scratch_app):
    with scratch_app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
        assert _diff(scratch_app) == []
