"""Two database roles on PostgreSQL: the migrations run as the owner of the tables, the
application as a role that reads and writes rows but owns nothing and may create nothing.

The tests here connect as the application's role itself (TEST_DATABASE_URL) and show that it
can neither change the append-only logs nor switch off or drop what guards them; and that
the migrations give that role exactly its rights, afresh on every upgrade, and refuse a role
that could undo them. They need both TEST_DATABASE_URL and TEST_MIGRATION_DATABASE_URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app import create_app
from app.audit import chain
from app.audit.models import AuditEvent, ProcessingLogEntry
from app.db import db
from tests import factories
from tests.conftest import TEST_DATABASE_URL, TEST_MIGRATION_DATABASE_URL, make_test_config
from tests.scratch import scratch_database

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not TEST_MIGRATION_DATABASE_URL,
                       reason="needs TEST_MIGRATION_DATABASE_URL (the owner of the tables)"),
]

LOGS = {"audit_events": AuditEvent, "processing_log": ProcessingLogEntry}
INSUFFICIENT_PRIVILEGE = "42501"

ROWS = {"SELECT", "INSERT", "UPDATE", "DELETE"}
# What the application role may do on each table; every other table: ROWS.
EXPECTED = {
    "audit_events": {"SELECT", "INSERT"},
    "processing_log": {"SELECT", "INSERT"},
    "log_chain_heads": {"SELECT", "INSERT", "UPDATE"},
    "alembic_version": set(),
}
PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


def application_role() -> str:
    return make_url(TEST_DATABASE_URL or "").username or ""


def refused(statement: str) -> str:
    """The SQLSTATE with which the database refuses `statement` (inside a savepoint)."""
    with pytest.raises(DBAPIError) as refusal, db.session.begin_nested():
        db.session.execute(text(statement))
    return refusal.value.orig.sqlstate  # type: ignore[union-attr]


def privileges(connection: Any, role: str) -> dict[str, set[str]]:
    tables = inspect(connection).get_table_names()
    return {table: {p for p in PRIVILEGES if connection.execute(
        text("SELECT has_table_privilege(:role, :table, :privilege)"),
        {"role": role, "table": table, "privilege": p}).scalar_one()} for table in tables}


@pytest.fixture
def activity(world: Any) -> dict[str, int]:
    """A consent and an offered handover: entries in both logs, appended by the application
    role. Returns the number of entries per log."""
    case = factories.create_formulated_case(world.resident, world.coach)
    consent = factories.create_consent_in_state(world.resident, world.coach, world.buurtteam,
                                                ["identity"])
    factories.create_handover_in_state(case, world.coach, world.buurtteam, ["identity"],
                                       consent=consent)
    db.session.commit()
    return {name: db.session.execute(select(func.count()).select_from(model)).scalar_one()
            for name, model in LOGS.items()}


def test_the_tests_connect_as_the_application_role(app):
    session_user, current_user = db.session.execute(
        text("SELECT session_user, current_user")).one()
    assert session_user == current_user == application_role()
    assert application_role() != make_url(TEST_MIGRATION_DATABASE_URL or "").username


def test_a_tamper_test_steps_out_of_the_application_role_and_back(world, table_owner):
    def current_user() -> str:
        return db.session.execute(text("SELECT current_user")).scalar_one()

    owner = make_url(TEST_MIGRATION_DATABASE_URL or "").username
    assert current_user() == application_role()
    with table_owner():
        assert current_user() == owner
    assert current_user() == application_role()
    with pytest.raises(DBAPIError), table_owner():
        assert current_user() == owner
        db.session.execute(text("SELECT 1/0"))
    assert current_user() == application_role()


def test_the_application_role_owns_nothing_and_may_create_nothing(app):
    owned = db.session.execute(text(
        "SELECT relname FROM pg_class WHERE pg_has_role(current_user, relowner, 'MEMBER') "
        "AND relnamespace = to_regnamespace(current_schema())")).scalars().all()
    assert owned == []
    superuser, creates_roles = db.session.execute(text(
        "SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user")).one()
    assert (superuser, creates_roles) == (False, False)
    assert refused("CREATE TABLE audit_copy (seq bigint)") == INSUFFICIENT_PRIVILEGE
    assert refused(f'CREATE SCHEMA "{application_role()}"') == INSUFFICIENT_PRIVILEGE


def test_the_application_role_has_exactly_its_rights(app):
    granted = privileges(db.session.connection(), application_role())
    assert granted == {table: EXPECTED.get(table, ROWS) for table in granted}
    assert len(granted) > len(EXPECTED)


@pytest.mark.parametrize("table", list(LOGS))
@pytest.mark.parametrize("statement", [
    "UPDATE {table} SET request_id = 'forged'",
    "DELETE FROM {table}",
    "TRUNCATE {table}",
    "ALTER TABLE {table} DISABLE TRIGGER {table}_append_only",
    "ALTER TABLE {table} DISABLE TRIGGER {table}_no_truncate",
    "ALTER TABLE {table} DISABLE TRIGGER ALL",
    "DROP TRIGGER {table}_append_only ON {table}",
    "DROP TRIGGER {table}_no_truncate ON {table}",
    "CREATE TRIGGER {table}_shadow BEFORE INSERT ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION buurtpad_refuse_log_change()",
    "ALTER TABLE {table} RENAME TO {table}_old",
    "DROP TABLE {table}",
])
def test_the_application_role_cannot_change_a_log_or_its_guard(activity, table, statement):
    assert refused(statement.format(table=table)) == INSUFFICIENT_PRIVILEGE
    # Nothing changed: the savepoint rolled back, the chain and its entries are whole.
    assert db.session.execute(select(func.count()).select_from(LOGS[table])).scalar_one() == (
        activity[table])
    assert chain.verify(LOGS[table]).valid


@pytest.mark.parametrize("statement", [
    # Triggers do not fire in replica mode; only a superuser may set it.
    "SET session_replication_role = replica",
    "CREATE OR REPLACE FUNCTION buurtpad_refuse_log_change() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    "DROP FUNCTION buurtpad_refuse_log_change() CASCADE",
    "DELETE FROM log_chain_heads",
    "TRUNCATE log_chain_heads",
    "UPDATE alembic_version SET version_num = 'forged'",
])
def test_the_application_role_cannot_go_around_the_guard(activity, statement):
    assert refused(statement) == INSUFFICIENT_PRIVILEGE


def test_the_application_role_appends_and_verifies(activity, world, as_user):
    """Normal use: logging in appends an audit event, the heads of the chains move on, and
    both chains verify."""
    as_user(world.privacy_officer)
    logged = db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    assert logged > activity["audit_events"]
    for model in LOGS.values():
        result = chain.verify(model)
        assert result.valid and result.entries > 0


# --- the migrations grant, afresh, and refuse a role that could undo the guard ---------------


@pytest.fixture
def scratch(tmp_path) -> Iterator[tuple[Flask, Any]]:
    """An app on an empty database of its own, and a connection to it as the owner."""
    with scratch_database("roles", tmp_path) as database:
        application = create_app(make_test_config(database["SQLALCHEMY_DATABASE_URI"],
                                                  database["MIGRATION_DATABASE_URI"]))
        owner = create_engine(database["MIGRATION_DATABASE_URI"] or "",
                              isolation_level="AUTOCOMMIT")
        try:
            with owner.connect() as connection:
                yield application, connection
        finally:
            owner.dispose()
            with application.app_context():
                db.engine.dispose()


def test_every_upgrade_gives_the_application_role_its_rights_afresh(scratch):
    application, owner = scratch
    role = application_role()
    with application.app_context():
        upgrade()
    first = privileges(owner, role)
    owner.execute(text(f'GRANT ALL ON audit_events, log_chain_heads TO "{role}"'))
    assert "TRUNCATE" in privileges(owner, role)["audit_events"]
    with application.app_context():
        upgrade()  # at head already: no revision runs, the rights are set again
    assert privileges(owner, role) == first
    assert first["audit_events"] == {"SELECT", "INSERT"}


def test_the_migrations_refuse_an_application_role_that_may_create_objects(scratch, caplog):
    application, owner = scratch
    role = application_role()
    owner.execute(text(f'GRANT CREATE ON SCHEMA public TO "{role}"'))
    with application.app_context(), pytest.raises(SystemExit):
        upgrade()
    assert f"The application role '{role}' could change or drop the logs: it may create " \
        "objects" in caplog.text
    # The whole upgrade was rolled back.
    assert inspect(owner).get_table_names() == []
