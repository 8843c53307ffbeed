"""Verifying a log while others append to it: what was committed when verification began is
verified, and an entry appended meanwhile is not mistaken for a log whose end was cut off
(each statement sees what is committed at its start, so the entries read after the head
can be more than the head said)."""

from __future__ import annotations

from app.audit import chain
from app.audit.models import AuditEvent, ProcessingLogEntry
from app.audit.operations import record_event
from app.db import db


def appended_right_after_the_head_is_read(monkeypatch):
    """Another request commits an audit event just after verification has read the head."""
    read_head = chain.read_head

    def head_then_an_append(model):
        head = read_head(model)
        record_event("login", object_type="user", object_id=1)
        db.session.flush()
        return head

    monkeypatch.setattr(chain, "read_head", head_then_an_append)


def test_an_entry_appended_during_verification_is_left_for_the_next_one(world, monkeypatch):
    for n in range(3):
        record_event("login", object_type="user", object_id=n)
    db.session.flush()
    before = chain.read_head(AuditEvent)[0]
    appended_right_after_the_head_is_read(monkeypatch)

    result = chain.verify(AuditEvent)

    assert (result.valid, result.entries, result.reason) == (True, before, None)
    monkeypatch.undo()
    assert chain.verify(AuditEvent).entries == before + 1


def test_a_log_with_no_entries_yet_verifies_while_another_log_grows(world, monkeypatch):
    appended_right_after_the_head_is_read(monkeypatch)

    result = chain.verify(ProcessingLogEntry)

    assert result.valid
