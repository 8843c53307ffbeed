"""A database of its own for tests that serve the app for real and commit (the fuzzer, the
browser tests): on the PostgreSQL server of TEST_DATABASE_URL when the suite runs there, so
those tests exercise PostgreSQL too, else a SQLite file."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import TEST_DATABASE_URL, TEST_MIGRATION_DATABASE_URL


@contextmanager
def scratch_database(label: str, directory: Path) -> Iterator[dict[str, str | None]]:
    """The database settings of an app on an empty database, dropped afterwards (a PostgreSQL
    database named after the test database and `label`, owned by the role of
    TEST_MIGRATION_DATABASE_URL when there are two roles), or on a SQLite file in
    `directory`."""
    if not (TEST_DATABASE_URL or "").startswith("postgresql"):
        yield {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / f'{label}.sqlite3'}",
               "MIGRATION_DATABASE_URI": None}
        return
    url = make_url(TEST_DATABASE_URL)
    owner_url = make_url(TEST_MIGRATION_DATABASE_URL) if TEST_MIGRATION_DATABASE_URL else None
    name = f"{url.database}_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine((owner_url or url).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield {
                "SQLALCHEMY_DATABASE_URI":
                    url.set(database=name).render_as_string(hide_password=False),
                "MIGRATION_DATABASE_URI": owner_url.set(database=name).render_as_string(
                    hide_password=False) if owner_url else None,
            }
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
