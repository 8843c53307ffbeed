"""What a refused request leaves behind: nothing.

`nothing_written()` counts the rows of every table and notes both logs' last seq before the
block; after it, every count is the same and neither log grew — except the processing log, by
exactly the denials the refusal logged for its reader when it reached the policy decision
(`denied=reader`). One statement before and one after: cheap enough for every refusal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from app.audit.models import AuditEvent, ChainHead, ProcessingLogEntry
from app.db import db


@dataclass(frozen=True)
class Snapshot:
    rows: dict[str, int]
    audit_seq: int
    processing_seq: int


def snapshot() -> Snapshot:
    """Row counts of every table and the last seq of both logs, in one statement."""
    tables = sorted(db.metadata.tables.values(), key=lambda table: table.name)
    counts = [select(func.count()).select_from(table).scalar_subquery().label(table.name)
              for table in tables]
    last = [select(func.coalesce(func.max(log.seq), 0)).scalar_subquery().label(label)
            for log, label in ((AuditEvent, "_audit_seq"), (ProcessingLogEntry, "_log_seq"))]
    row = db.session.execute(select(*counts, *last)).one()._asdict()
    return Snapshot(rows={table.name: row[table.name] for table in tables},
                    audit_seq=row["_audit_seq"], processing_seq=row["_log_seq"])


@dataclass
class Written:
    """Filled in when the block ends: the processing-log entries it appended (the denials)."""

    denials: list[ProcessingLogEntry] = field(default_factory=list)


@contextmanager
def nothing_written(*, denied: Any = None, denials: int | None = None) -> Iterator[Written]:
    """Assert that the block wrote no row and no audit event; the processing log holds no new
    entry, or — with `denied` (the reader) — exactly `denials` (default 1) new entries, each a
    denial naming that reader."""
    expected = denials if denials is not None else (1 if denied is not None else 0)
    written = Written()
    before = snapshot()
    yield written
    after = snapshot()
    written.denials = list(db.session.execute(
        select(ProcessingLogEntry).where(ProcessingLogEntry.seq > before.processing_seq)
        .order_by(ProcessingLogEntry.seq)).scalars())

    log, heads = ProcessingLogEntry.__tablename__, ChainHead.__tablename__
    # The first entry ever appended to the processing log creates its chain head.
    first_head = int(expected > 0 and before.processing_seq == 0)
    changed = {name: (before.rows[name], after.rows[name]) for name in before.rows
               if name != log and after.rows[name] - before.rows[name]
               != (first_head if name == heads else 0)}
    assert not changed, f"rows written (table: before, after): {changed}"
    assert after.audit_seq == before.audit_seq, (
        f"{after.audit_seq - before.audit_seq} audit event(s) appended")
    described = [(e.action, e.decision, e.actor_id, e.reasons) for e in written.denials]
    assert len(written.denials) == expected, f"processing-log entries appended: {described}"
    assert after.rows[log] - before.rows[log] == expected
    if expected:
        assert {(e.decision, e.actor_id, e.actor_role) for e in written.denials} == {
            ("denied", denied.id, str(denied.role))}, described
