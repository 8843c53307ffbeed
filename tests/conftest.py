"""Test fixtures: one schema per run (built by the migrations), one rolled-back
transaction per test, factories with sensible defaults, and login helpers.

Every test runs on SQLite; set TEST_DATABASE_URL (postgresql+psycopg://…) to run the
same suite on PostgreSQL. With TEST_MIGRATION_DATABASE_URL as well (the same database as the
role that owns the tables), the migrations run as that owner and the tests as the role of
TEST_DATABASE_URL, with the application's rights only, as in production.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

from app import create_app
from app.db import db
from tests import factories

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_MIGRATION_DATABASE_URL = os.environ.get("TEST_MIGRATION_DATABASE_URL")


def make_test_config(database_url: str, migration_url: str | None = None) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MIGRATION_DATABASE_URI": migration_url,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "localhost",
    }


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def migration_url() -> str | None:
    return TEST_MIGRATION_DATABASE_URL if TEST_DATABASE_URL else None


@pytest.fixture(scope="session")
def app(database_url: str, migration_url: str | None) -> Iterator[Flask]:
    application = create_app(make_test_config(database_url, migration_url))
    with application.app_context():
        if application.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            downgrade(revision="base")
        upgrade()
        db.session.remove()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _transaction(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test runs in a transaction that is rolled back; commits become savepoints."""
    if "app" not in request.fixturenames or request.node.get_closest_marker("real_commits"):
        yield
        return
    application: Flask = request.getfixturevalue("app")
    with application.app_context():
        if "table_owner" in request.fixturenames:
            connection = request.getfixturevalue("table_owner_engine").connect()
            outer = connection.begin()
            act_as_application(connection)
        else:
            connection = db.engine.connect()
            outer = connection.begin()
        original = db.session
        # A plain Session honours `bind`, so every request of the test shares this
        # connection and its transaction.
        db.session = scoped_session(
            # Expire on commit (unlike the app): fixtures and assertions must see what the
            # requests of the test committed.
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture(scope="session")
def table_owner_engine(app: Flask, migration_url: str | None) -> Iterator[Engine]:
    """Connections that log in as the tables' owner (with one role: the application's)."""
    if not migration_url:
        with app.app_context():
            engine = db.engine
        yield engine
        return
    engine = create_engine(migration_url, **app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    yield engine
    engine.dispose()


def act_as_application(connection: Connection) -> None:
    """Take the application's rights for the rest of the transaction (SET ROLE: the owner
    is a member of the application role in the test setup, see README, Tests)."""
    role = db.engine.url.username
    if connection.dialect.name == "postgresql" and role != connection.engine.url.username:
        quote = connection.dialect.identifier_preparer.quote
        connection.execute(text(f"SET ROLE {quote(role)}"))


@contextmanager
def as_table_owner() -> Iterator[None]:
    """Act as the owner of the tables for a moment inside the test's transaction, as someone
    with database access could (needs the `table_owner` fixture); then with the
    application's rights again. The block must not commit."""
    if db.session.get_bind().dialect.name != "postgresql":
        yield
        return
    with db.session.begin_nested():
        role = db.session.execute(text("SELECT current_user")).scalar_one()
        db.session.execute(text("RESET ROLE"))
        yield
        quote = db.session.get_bind().dialect.identifier_preparer.quote
        db.session.execute(text(f"SET ROLE {quote(role)}"))


@pytest.fixture
def table_owner() -> Any:
    """A test that steps out of the application's rights (`with table_owner(): …`) runs on a
    connection that logs in as the owner of the tables and acts as the application role
    outside those blocks."""
    return as_table_owner


@pytest.fixture(scope="session")
def http_app(app: Flask, database_url: str) -> Iterator[Flask]:
    """A second instance of the app for HTTP requests: fixtures keep an app context of
    `app` open, and Flask reuses an open context of the same app for requests, which
    would share `g` and the database session between requests."""
    application = create_app(make_test_config(database_url))
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def client(http_app: Flask) -> FlaskClient:
    return http_app.test_client()


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An app context for tests that call operations directly."""
    with app.test_request_context():
        yield


class Api:
    """A JSON API client that logs in as a user with a real bearer token."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token: str | None = None

    def login(self, user: Any) -> Api:
        response = self.client.post(
            "/api/v1/auth/token",
            json={"email": user.email, "password": factories.PASSWORD},
        )
        assert response.status_code == 201, response.json
        self.token = response.json["token"]
        return self

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Any:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        return self.request("DELETE", url, **kwargs)


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)


@pytest.fixture
def as_user(http_app: Flask) -> Any:
    """`as_user(user)` → an Api client logged in as that user (a client of its own)."""

    def make(user: Any) -> Api:
        return Api(http_app.test_client()).login(user)

    return make


@pytest.fixture
def world(app: Flask) -> Iterator[factories.World]:
    """Two coaches with a building each, professionals of two organisations,
    a privacy officer, a coordinator and a resident in each building."""
    with app.app_context():
        world = factories.build_world()
        db.session.commit()
        yield world


def required(variable: str) -> bool:
    """REQUIRE_PG=1, REQUIRE_BROWSER=1: where CI has the part, a test that would be skipped
    for want of it stops the run instead."""
    return os.environ.get(variable) == "1"


def refuse_skips(variable: str, marker: str, reason: str, count: int) -> None:
    raise pytest.UsageError(
        f"{variable}=1, but {reason}: {count} selected test(s) marked {marker!r} would be "
        f"skipped")


# Last: after `-m`/`-k` have deselected, so only tests that would really run are counted.
@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if (TEST_DATABASE_URL or "").startswith("postgresql"):
        return
    reason = "TEST_DATABASE_URL does not point at PostgreSQL"
    needing = [item for item in items if "postgres" in item.keywords]
    if needing and required("REQUIRE_PG"):
        refuse_skips("REQUIRE_PG", "postgres", reason, len(needing))
    skip_pg = pytest.mark.skip(reason=f"needs PostgreSQL: {reason}")
    for item in needing:
        item.add_marker(skip_pg)


__all__ = ["Api", "Path", "as_table_owner", "text"]
