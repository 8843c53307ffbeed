"""Tamper evidence: the hash chains expose any edited, removed or truncated log entry, and
on PostgreSQL the database itself refuses UPDATE, DELETE and TRUNCATE on the logs.

On PostgreSQL the verification tests switch the append-only trigger off inside the test's
own transaction, as the owner of the tables (ALTER TABLE is transactional there, so the
rollback restores it); that the application's role can do none of this is shown in
test_database_roles.py."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app.audit import chain
from app.audit.models import AuditEvent, ProcessingLogEntry
from app.db import db
from tests import factories
from tests.conftest import as_table_owner

MODELS = {"audit_events": AuditEvent, "processing_log": ProcessingLogEntry}


@pytest.fixture
def activity(world: Any, table_owner: Any) -> dict[str, int]:
    """A consent and three offered handovers: dozens of audit events, three log entries.
    Returns the number of entries per log."""
    case = factories.create_formulated_case(world.resident, world.coach)
    consent = factories.create_consent_in_state(world.resident, world.coach, world.buurtteam,
                                                ["identity", "contact"])
    for categories in (["identity"], ["contact"], ["identity", "contact"]):
        factories.create_handover_in_state(case, world.coach, world.buurtteam, categories,
                                           consent=consent)
    db.session.commit()
    return {name: db.session.execute(select(func.count()).select_from(model)).scalar()
            for name, model in MODELS.items()}


def tamper(table: str, statement: str, **params: Any) -> None:
    """Change a log behind the application's back, as the owner of the tables could."""
    with as_table_owner():
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
        db.session.execute(text(statement), params)
    db.session.commit()
    db.session.expire_all()


def middle(table: str, count: int) -> int:
    return count // 2 + 1


def assert_broken(table: str, seq: int, reason: str) -> None:
    result = chain.verify(MODELS[table])
    assert (result.valid, result.first_invalid, result.reason) == (False, seq, reason)
    assert result.entries == seq - 1
    other = next(model for name, model in MODELS.items() if name != table)
    assert chain.verify(other).valid


def test_untouched_logs_verify(activity):
    for table, model in MODELS.items():
        result = chain.verify(model)
        assert (result.valid, result.entries, result.first_invalid) == (
            True, activity[table], None)


def test_an_edited_audit_event_is_named(activity):
    seq = middle("audit_events", activity["audit_events"])
    tamper("audit_events", "UPDATE audit_events SET details = '{\"reason\": \"rewritten\"}' "
           "WHERE seq = :seq", seq=seq)
    assert_broken("audit_events", seq, "entry altered")


def test_an_edited_processing_log_entry_is_named(activity):
    seq = middle("processing_log", activity["processing_log"])
    tamper("processing_log", "UPDATE processing_log SET categories = '[\"identity\"]' "
           "WHERE seq = :seq", seq=seq)
    assert_broken("processing_log", seq, "entry altered")


@pytest.mark.parametrize("table", list(MODELS))
def test_a_deleted_middle_entry_is_named(activity, table):
    seq = middle(table, activity[table])
    tamper(table, f"DELETE FROM {table} WHERE seq = :seq", seq=seq)
    assert_broken(table, seq, "entry missing")


@pytest.mark.parametrize("table", list(MODELS))
def test_a_deleted_last_entry_is_named(activity, table):
    seq = activity[table]
    tamper(table, f"DELETE FROM {table} WHERE seq = :seq", seq=seq)
    assert_broken(table, seq, "entries removed from the end")


def test_an_entry_relinked_to_another_predecessor_is_named(activity):
    seq = activity["audit_events"] - 1
    skipped = db.session.get(AuditEvent, seq - 2)
    tamper("audit_events", "UPDATE audit_events SET prev_hash = :hash WHERE seq = :seq",
           hash=skipped.hash, seq=seq)
    assert_broken("audit_events", seq, "link to predecessor broken")


def test_the_api_names_the_first_broken_entry(as_user, world, activity):
    officer = as_user(world.privacy_officer)  # logs in (an audit event) before the tampering
    seq = middle("processing_log", activity["processing_log"])
    tamper("processing_log", "UPDATE processing_log SET data_subject_id = :other "
           "WHERE seq = :seq", other=str(world.other_resident.id), seq=seq)

    response = officer.get("/api/v1/audit/verify")

    assert response.status_code == 200
    body = response.json
    assert body["valid"] is False
    assert body["logs"][0]["valid"] is True
    assert body["logs"][1] == {"log": "processing_log", "valid": False, "entries": seq - 1,
                               "first_invalid": seq, "reason": "entry altered"}


def test_the_command_exits_1_naming_the_first_broken_entry(app: Flask, activity):
    seq = activity["audit_events"]
    tamper("audit_events", "DELETE FROM audit_events WHERE seq = :seq", seq=seq)

    result = app.test_cli_runner().invoke(args=["audit", "verify"])

    assert result.exit_code == 1
    assert result.output == (
        f"audit_events: BROKEN at entry {seq} (entries removed from the end); "
        f"{seq - 1} entries verified before it\n"
        f"processing_log: intact, {activity['processing_log']} entries\n")


# --- PostgreSQL refuses to change the logs at all --------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("table", list(MODELS))
@pytest.mark.parametrize(("operation", "statement"), [
    ("UPDATE", "UPDATE {table} SET request_id = 'forged'"),
    ("DELETE", "DELETE FROM {table} WHERE seq = 1"),
    ("TRUNCATE", "TRUNCATE {table}"),
])
def test_postgresql_refuses_to_change_a_log(activity, table, operation, statement):
    # Even to the owner of the tables, who has every privilege on them.
    with pytest.raises(DBAPIError, match=f"{table} is append-only: {operation} refused"), \
            as_table_owner():
        db.session.execute(text(statement.format(table=table)))
    # The savepoint rolled back; the test's transaction and the chains are intact.
    assert chain.verify(MODELS[table]).valid
    assert db.session.execute(select(func.count()).select_from(MODELS[table])).scalar() == (
        activity[table])
