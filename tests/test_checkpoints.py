"""Signed checkpoints make the logs verifiable from outside: whoever can rewrite the database
can cut a chain's tail off and move its head back, or rewrite the chain from end to end, and
the chain alone still verifies — but not against a checkpoint signed before, kept in a file
outside the database.

These tests run the commands on an SQLite file of their own (real commits) and edit that file
directly with sqlite3, as someone with the file in hand could."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade

from app import create_app
from app.audit import chain, checkpoints
from app.audit.models import ProcessingLogEntry
from app.audit.operations import record_event
from app.audit.processing import log_processing
from app.db import db
from tests.conftest import make_test_config


@pytest.fixture
def logs_app(tmp_path: Path) -> Iterator[Flask]:
    """The app on an SQLite file of its own, with a signing key and a checkpoint directory."""
    database = tmp_path / "buurtpad.sqlite3"
    application = create_app({**make_test_config(f"sqlite:///{database}"),
                              "CHECKPOINT_KEY": str(tmp_path / "keys" / "checkpoint.pem"),
                              "CHECKPOINTS": str(tmp_path / "checkpoints")})
    (tmp_path / "checkpoints").mkdir()
    with application.app_context():
        upgrade()
        db.session.remove()
    application.config["DATABASE_FILE"] = database
    yield application
    with application.app_context():
        db.engine.dispose()


def cli(application: Flask, *args: str) -> Any:
    return application.test_cli_runner().invoke(args=list(args))


def append_entries(application: Flask, count: int) -> None:
    """`count` processing-log entries and one audit event, committed."""
    with application.test_request_context():
        for _ in range(count):
            log_processing(action="read_case", activity="case_support", decision="allowed",
                           actor=None, data_subject_id="5f0c6a3e-2b6d-4a39-9d55-0c1f0b1b7a11",
                           categories=["identity"], legal_basis="consent")
        record_event("log_exported", details={"log": "processing_log"})
        db.session.commit()
        db.session.remove()


def edit_file(application: Flask, *statements: str) -> None:
    """Change the database file behind the application's back."""
    with application.app_context():
        db.engine.dispose()
    with sqlite3.connect(application.config["DATABASE_FILE"]) as connection:
        for statement in statements:
            connection.execute(statement)


def cut_back(application: Flask, keep: int) -> None:
    """Remove the processing log's entries after `keep` and move its head back to match."""
    edit_file(application,
              f"DELETE FROM processing_log WHERE seq > {keep}",
              f"UPDATE log_chain_heads SET last_seq = {keep}, last_hash = "
              f"(SELECT hash FROM processing_log WHERE seq = {keep}) "
              "WHERE log_name = 'processing_log'")


def rewrite_from(application: Flask, seq: int) -> None:
    """Change entry `seq` and recompute every hash from there on, heads included: a chain
    that verifies, with different history."""
    with application.app_context():
        entries = db.session.query(ProcessingLogEntry).order_by(ProcessingLogEntry.seq).all()
        prev = chain.GENESIS_HASH
        rewritten = []
        for entry in entries:
            if entry.seq == seq:
                entry.decision = "denied"
            if entry.seq >= seq:
                entry.prev_hash = prev
                entry.hash = chain.entry_hash(prev, chain.payload_of(entry))
                rewritten.append((entry.decision, entry.prev_hash, entry.hash, entry.seq))
            prev = entry.hash
        db.session.rollback()
    edit_file(application, *[
        f"UPDATE processing_log SET decision = '{d}', prev_hash = '{p}', hash = '{h}' "
        f"WHERE seq = {s}" for d, p, h, s in rewritten],
        f"UPDATE log_chain_heads SET last_hash = '{prev}' WHERE log_name = 'processing_log'")


@pytest.fixture
def checkpointed(logs_app: Flask) -> Flask:
    """A key, 10 processing-log entries, a checkpoint, then 3 entries more."""
    assert cli(logs_app, "audit", "keygen", logs_app.config["CHECKPOINT_KEY"]).exit_code == 0
    append_entries(logs_app, 10)
    taken = cli(logs_app, "audit", "checkpoint")
    assert taken.exit_code == 0, taken.output
    assert "processing_log: 10 entries" in taken.output
    append_entries(logs_app, 3)
    return logs_app


def test_keygen_writes_a_private_key_for_the_owner_only_and_its_public_key(tmp_path):
    application = create_app(make_test_config(f"sqlite:///{tmp_path / 'k.sqlite3'}"))
    key = tmp_path / "checkpoint.pem"
    result = cli(application, "audit", "keygen", str(key))
    assert result.exit_code == 0, result.output
    assert key.stat().st_mode & 0o777 == 0o600
    public = checkpoints.load_public_key(key.with_name("checkpoint.pem.pub"))
    assert checkpoints.key_id(public) == checkpoints.key_id(
        checkpoints.load_private_key(key).public_key())
    again = cli(application, "audit", "keygen", str(key))
    assert again.exit_code == 1 and "exists already" in again.output


def test_an_untouched_log_extends_its_checkpoints(checkpointed):
    result = cli(checkpointed, "audit", "verify", "--checkpoints",
                 checkpointed.config["CHECKPOINTS"])
    assert result.exit_code == 0, result.output
    assert "processing_log: intact, 13 entries" in result.output
    assert "the logs extend all 2 checkpoints" in result.output


def test_a_log_cut_back_behind_a_checkpoint_fails_naming_it(checkpointed, tmp_path):
    cut_back(checkpointed, keep=8)
    # The chain alone still verifies: its head was moved back with it.
    checkpointed.config["CHECKPOINTS"] = None
    assert cli(checkpointed, "audit", "verify").exit_code == 0
    # Checked from outside, with the public key alone.
    public_key = str(tmp_path / "keys" / "checkpoint.pem.pub")
    checkpointed.config["CHECKPOINT_KEY"] = None
    result = cli(checkpointed, "audit", "verify", "--checkpoints", str(tmp_path / "checkpoints"),
                 "--public-key", public_key)
    assert result.exit_code == 1, result.output
    line = next(line for line in result.output.splitlines() if "FAILED" in line)
    assert re.search(r"FAILED processing_log: checkpoint 2 of \S+Z \(processing_log, 10 entries, "
                     r"head [0-9a-f]{12}…\): the log now has 8 entries: it was cut back behind "
                     r"this checkpoint", line), line
    # The other chain's checkpoint still holds.
    assert "audit_events" not in "".join(
        line for line in result.output.splitlines() if "FAILED" in line)


def test_a_log_rewritten_after_a_checkpoint_fails_naming_it(checkpointed, tmp_path):
    rewrite_from(checkpointed, 6)
    checkpointed.config["CHECKPOINTS"] = None
    assert cli(checkpointed, "audit", "verify").exit_code == 0  # a whole, different chain
    result = cli(checkpointed, "audit", "verify", "--checkpoints", str(tmp_path / "checkpoints"))
    assert result.exit_code == 1, result.output
    assert "checkpoint 2 of" in result.output
    assert ("entry 10 no longer has the checkpoint's head hash: the log was rewritten"
            in result.output)


def test_rewriting_only_after_the_checkpoint_is_an_extension(checkpointed, tmp_path):
    """Entries after the checkpoint are not pinned by it (the next checkpoint pins them); a
    rewrite there leaves this checkpoint intact, and the chain itself still verifies."""
    rewrite_from(checkpointed, 12)
    result = cli(checkpointed, "audit", "verify", "--checkpoints", str(tmp_path / "checkpoints"))
    assert result.exit_code == 0, result.output


def test_a_configured_checkpoint_file_is_checked_by_plain_verify(checkpointed):
    cut_back(checkpointed, keep=4)
    result = cli(checkpointed, "audit", "verify")
    assert result.exit_code == 1
    assert "cut back behind this checkpoint" in result.output


def test_an_altered_checkpoint_is_refused(checkpointed, tmp_path):
    file = tmp_path / "checkpoints" / checkpoints.FILE_NAME
    lines = file.read_text().splitlines()
    forged = json.loads(lines[1])
    forged["entries"] = 3
    file.write_text("\n".join([lines[0], json.dumps(forged), "not json"]) + "\n")
    result = cli(checkpointed, "audit", "verify")
    assert result.exit_code == 1
    assert "checkpoint 2 of" in result.output and "the signature does not match" in result.output
    assert "line 3 of" in result.output and "is not a checkpoint" in result.output


def test_checkpoints_of_another_key_are_refused(checkpointed, tmp_path):
    other = tmp_path / "other.pem"
    checkpoints.generate_key(other)
    result = cli(checkpointed, "audit", "verify", "--public-key", str(other) + ".pub")
    assert result.exit_code == 1
    assert "signed with key" in result.output


def test_no_checkpoint_of_a_broken_log(checkpointed):
    edit_file(checkpointed, "UPDATE processing_log SET decision = 'denied' WHERE seq = 5")
    result = cli(checkpointed, "audit", "checkpoint")
    assert result.exit_code == 1
    assert "processing_log is broken at entry 5" in result.output
    lines = (Path(checkpointed.config["CHECKPOINTS"]) / checkpoints.FILE_NAME).read_text()
    assert len(lines.splitlines()) == 2  # nothing appended


def test_checkpoint_needs_a_key_and_a_place(logs_app):
    logs_app.config["CHECKPOINT_KEY"] = None
    result = cli(logs_app, "audit", "checkpoint")
    assert result.exit_code == 1 and "BUURTPAD_CHECKPOINT_KEY" in result.output
    logs_app.config["CHECKPOINT_KEY"] = str(Path(logs_app.config["CHECKPOINTS"]) / "none.pem")
    result = cli(logs_app, "audit", "checkpoint")
    assert result.exit_code == 1 and "cannot be read" in result.output


def test_an_empty_log_can_be_checkpointed(logs_app):
    cli(logs_app, "audit", "keygen", logs_app.config["CHECKPOINT_KEY"])
    assert cli(logs_app, "audit", "checkpoint").exit_code == 0
    result = cli(logs_app, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "extend all 2 checkpoints" in result.output


# --- the privacy officer's verify page and the API -------------------------------------------

@pytest.fixture
def officer_of(checkpointed: Flask) -> Any:
    """A privacy officer of the checkpointed app: (page client, API headers)."""
    from tests import factories
    from tests.web import login

    with checkpointed.app_context():
        user = factories.create_user("privacy_officer")
        db.session.commit()
        from app.auth.operations import issue_token

        token, _record = issue_token(user)
        db.session.commit()
        db.session.remove()
    return login(checkpointed, user), {"Authorization": f"Bearer {token}"}


def test_the_verify_page_shows_the_latest_checkpoint_and_what_fails(checkpointed, officer_of):
    page, _headers = officer_of
    html = page.get("/privacy/verify").get_data(as_text=True)
    assert "Ondertekende controlepunten" in html
    assert "laatste controlepunt" in html and "10 regels" in html
    cut_back(checkpointed, keep=9)
    html = page.post("/privacy/verify").get_data(as_text=True)
    assert "checkpoint 2 of" in html and "cut back behind this checkpoint" in html


def test_the_api_names_the_checkpoints_the_logs_no_longer_extend(checkpointed, officer_of):
    _page, headers = officer_of
    client = checkpointed.test_client()
    body = client.get("/api/v1/audit/verify", headers=headers).json
    assert body["valid"] is True
    assert body["checkpoints"]["checked"] == 2 and body["checkpoints"]["problems"] == []
    assert {c["chain"]: c["entries"] for c in body["checkpoints"]["latest"]} == {
        "audit_events": 1, "processing_log": 10}
    rewrite_from(checkpointed, 2)
    body = client.get("/api/v1/audit/verify", headers=headers).json
    assert body["valid"] is False
    assert all(log["valid"] for log in body["logs"])
    [problem] = body["checkpoints"]["problems"]
    assert problem.startswith("processing_log: checkpoint 2 of")
    assert "was rewritten" in problem
