"""Append-only, hash-chained logs.

Each entry stores the hash of its predecessor and its own hash over its fields. Appends
lock the log's chain-head row (SELECT … FOR UPDATE on PostgreSQL; SQLite serialises
writers itself), so concurrent writers can never fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select

from app.audit.models import ChainHead
from app.db import db, utcnow

GENESIS_HASH = "0" * 64


class ChainedEntry(Protocol):
    CHAIN: str
    HASHED_FIELDS: tuple[str, ...]
    seq: Any
    prev_hash: Any
    hash: Any


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    payload = json.dumps(
        {k: _canonical(v) for k, v in fields.items()},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def _fields(entry: Any) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in entry.HASHED_FIELDS}


def append(entry: Any) -> Any:
    """Give `entry` the next sequence number and its hashes, and add it to the session."""
    session = db.session
    head = session.execute(
        select(ChainHead).where(ChainHead.log_name == entry.CHAIN).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = ChainHead(log_name=entry.CHAIN, last_seq=0, last_hash=GENESIS_HASH)
        session.add(head)
    entry.seq = head.last_seq + 1
    if entry.occurred_at is None:
        entry.occurred_at = utcnow()
    entry.prev_hash = head.last_hash
    entry.hash = entry_hash(entry.prev_hash, _fields(entry))
    head.last_seq = entry.seq
    head.last_hash = entry.hash
    session.add(entry)
    session.flush()
    return entry


@dataclass
class VerifyResult:
    log: str
    valid: bool
    entries: int
    first_invalid: int | None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "log": self.log,
            "valid": self.valid,
            "entries": self.entries,
            "first_invalid": self.first_invalid,
            "reason": self.reason,
        }


def _stream(model: Any, batch: int) -> Iterator[Any]:
    """Entries in order, in batches, so memory stays flat over millions of rows."""
    last = 0
    while True:
        rows = db.session.execute(
            select(*[getattr(model, n) for n in (*model.HASHED_FIELDS, "prev_hash", "hash")])
            .where(model.seq > last)
            .order_by(model.seq)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify(model: Any, batch: int = 5000) -> VerifyResult:
    prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    for row in _stream(model, batch):
        fields = {name: getattr(row, name) for name in model.HASHED_FIELDS}
        if row.seq != expected_seq:
            return VerifyResult(model.CHAIN, False, count, expected_seq, "entry missing")
        if row.prev_hash != prev:
            return VerifyResult(model.CHAIN, False, count, row.seq, "link to predecessor broken")
        if entry_hash(prev, fields) != row.hash:
            return VerifyResult(model.CHAIN, False, count, row.seq, "entry altered")
        prev = row.hash
        expected_seq += 1
        count += 1
    head = db.session.get(ChainHead, model.CHAIN)
    if head is not None and (head.last_seq != count or head.last_hash != prev):
        return VerifyResult(model.CHAIN, False, count, count + 1, "entries removed from the end")
    return VerifyResult(model.CHAIN, True, count, None)
