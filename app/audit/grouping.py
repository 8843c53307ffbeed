"""Logs readable at a glance: rows of the same actor doing the same to the same object within
a few minutes are shown as one line with a count, opened to show each of them.

Presentation only: every row stays in the log as it was written, is counted in the page's
total and in the CSV, and is listed under its group."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

GROUP_WINDOW = timedelta(minutes=10)


@dataclass
class LogGroup:
    """Rows of one actor, object and action, newest first, spanning at most the window."""

    rows: list[Any] = field(default_factory=list)

    @property
    def first(self) -> Any:
        """The newest row: what the line shows."""
        return self.rows[0]

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def newest(self) -> datetime:
        return self.rows[0].occurred_at

    @property
    def oldest(self) -> datetime:
        return self.rows[-1].occurred_at

    @property
    def minutes(self) -> int:
        return max(1, round((self.newest - self.oldest).total_seconds() / 60))


def group_rows(rows: Sequence[Any], key: Callable[[Any], Hashable],
               window: timedelta = GROUP_WINDOW) -> list[LogGroup]:
    """Consecutive rows (as listed, newest first) with the same key, each within `window` of
    the group's newest row, as one group; a row of another key in between starts a new one."""
    groups: list[LogGroup] = []
    current: LogGroup | None = None
    current_key: Hashable = None
    for row in rows:
        row_key = key(row)
        if (current is not None and row_key == current_key
                and abs(current.newest - row.occurred_at) <= window):
            current.rows.append(row)
            continue
        current, current_key = LogGroup([row]), row_key
        groups.append(current)
    return groups


def processing_key(entry: Any) -> tuple[Any, ...]:
    """Same actor, the same action with the same outcome, on the same resident and object."""
    return (entry.actor_id, entry.actor_role, entry.action, entry.decision,
            entry.processing_activity, entry.data_subject_id, entry.object_type,
            entry.object_id, entry.recipient_organization_id)


def event_key(event: Any) -> tuple[Any, ...]:
    """Same actor, the same kind of event (and step) on the same object."""
    return (event.actor_id, event.actor_role, event.event_type, event.trigger,
            event.object_type, event.object_id)
