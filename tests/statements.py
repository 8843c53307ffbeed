"""Counting the SQL statements a request runs, for tests that pin a page's cost."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from app.db import db


@contextmanager
def statements(app: Any) -> Iterator[list[str]]:
    """Every statement the app's engine runs inside the block, in order."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


@contextmanager
def commits() -> Iterator[list[int]]:
    """Every session commit inside the block (one entry each)."""
    from sqlalchemy.orm import Session

    seen: list[int] = []

    def count(_session: Any) -> None:
        seen.append(1)

    event.listen(Session, "after_commit", count)
    try:
        yield seen
    finally:
        event.remove(Session, "after_commit", count)
