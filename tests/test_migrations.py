"""The migrations build the schema the models describe, and run down and up again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app import create_app
from app.db import db
from tests.conftest import TEST_DATABASE_URL, make_test_config


@pytest.fixture
def scratch_app(tmp_path) -> Iterator[Flask]:
    """An app on a database of its own (a fresh PostgreSQL database when testing there)."""
    if TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql"):
        url = make_url(TEST_DATABASE_URL)
        name = f"{url.database}_migrations_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            application = create_app(make_test_config(url.set(database=name).render_as_string(
                hide_password=False)))
            yield application
            with application.app_context():
                db.engine.dispose()
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        yield create_app(make_test_config(f"sqlite:///{tmp_path / 'migrations.sqlite3'}"))


def _diff(application: Flask) -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_matches_the_models(scratch_app):
    with scratch_app.app_context():
        upgrade()
        assert _diff(scratch_app) == []


def test_downgrade_to_base_and_upgrade_again(scratch_app):
    with scratch_app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
        assert _diff(scratch_app) == []
