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

from tests.conftest import TEST_DATABASE_URL


@contextmanager
def scratch_database(label: str, directory: Path) -> Iterator[str]:
    """The URL of an empty database, dropped afterwards (a PostgreSQL database named after
    the test database and `label`), or of a SQLite file in `directory`."""
    if not (TEST_DATABASE_URL or "").startswith("postgresql"):
        yield f"sqlite:///{directory / f'{label}.sqlite3'}"
        return
    url = make_url(TEST_DATABASE_URL)
    name = f"{url.database}_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
