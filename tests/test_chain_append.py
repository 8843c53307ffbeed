"""Appends to a hash-chained log within one transaction: the head is locked once and moved
with plain statements, and an append undone with its savepoint leaves no trace."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from app.audit import chain
from app.audit.models import AuditEvent, ProcessingLogEntry
from app.audit.operations import record_event
from app.audit.processing import log_processing
from app.db import db


def _statements(fn) -> list[str]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return seen


def test_appends_in_one_transaction_keep_the_chain_whole(ctx):
    for n in range(3):
        record_event("chain_test", details={"n": n})
        log_processing(action="read", activity="warm_handover", decision="deny",
                       actor=None, data_subject_id=None)
    assert chain.verify(AuditEvent).valid
    assert chain.verify(ProcessingLogEntry).valid


def test_a_locked_head_is_not_read_again_in_the_same_transaction(ctx):
    record_event("chain_test")  # the head exists now
    record_event("chain_test")  # and is locked
    statements = _statements(lambda: record_event("chain_test"))
    assert not [s for s in statements if "log_chain_heads" in s and s.lstrip().startswith(
        "SELECT")]
    assert chain.verify(AuditEvent).valid


@pytest.mark.parametrize("model", [AuditEvent, ProcessingLogEntry])
def test_an_append_undone_with_its_savepoint_leaves_the_chain_whole(ctx, model):
    def append(label: str) -> None:
        if model is AuditEvent:
            record_event(label)
        else:
            log_processing(action="read", activity="warm_handover", decision="deny",
                           actor=None, data_subject_id=None, reasons=[label])

    append("before")
    append("before")  # the head exists and this transaction has locked it
    before = db.session.execute(select(func.count()).select_from(model)).scalar_one()
    with pytest.raises(RuntimeError), db.session.begin_nested():
        append("undone")
        raise RuntimeError("rolled back to the savepoint")
    append("after")
    after = db.session.execute(select(func.count()).select_from(model)).scalar_one()
    assert after == before + 1
    assert chain.verify(model).valid
