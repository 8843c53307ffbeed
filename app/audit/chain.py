"""Append-only, hash-chained logs.

Each entry stores the hash of its predecessor and its own hash over its fields. Appends
lock the log's chain-head row (SELECT … FOR UPDATE on PostgreSQL; SQLite serialises
writers itself), so concurrent writers can never fork the chain.

The hashed payload is a canonical text: the entry's fields in a fixed order, joined by
the unit separator, with None as the record separator, datetimes as UTC
`YYYY-MM-DD HH:MM:SS.ffffff` (SQLite's own storage text) and JSON as compact JSON with sorted keys (exactly the text
the database stores, see `app.db.canonical_json`). Verification asks the database for
that same text, so it hashes without parsing rows — fast, and in constant memory.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Integer,
    Text,
    bindparam,
    case,
    cast,
    event,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import ColumnElement

from app.audit.models import ChainHead
from app.db import canonical_json, db, utcnow
from app.validation import holds_bsn
from policies.errors import BsnNotAllowed

GENESIS_HASH = "0" * 64
SEPARATOR = "\x1f"
NULL = "\x1e"


def encode(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dict | list | tuple):
        return canonical_json(value)
    return str(value)


def entry_hash(prev_hash: str, payload: str) -> str:
    return hashlib.sha256(f"{prev_hash}{SEPARATOR}{payload}".encode()).hexdigest()


def payload_of_fields(model: Any, fields: Mapping[str, Any]) -> str:
    """The canonical text hashed for an entry of `model` with these field values. Fields
    added later (`HASHED_WHEN_SET`) follow, named, only when they hold a value: an entry
    written before they existed hashes exactly as it did then."""
    payload = SEPARATOR.join(encode(fields[name]) for name in model.HASHED_FIELDS)
    for name in getattr(model, "HASHED_WHEN_SET", ()):
        if fields.get(name) is not None:
            payload += f"{SEPARATOR}{name}={encode(fields[name])}"
    return payload


def hashed_names(entry: Any) -> tuple[str, ...]:
    """Every field of the entry that its hash covers: what the chain keeps for good."""
    return (*entry.HASHED_FIELDS, *getattr(entry, "HASHED_WHEN_SET", ()))


def payload_of(entry: Any) -> str:
    return payload_of_fields(entry, {name: getattr(entry, name) for name in hashed_names(entry)})


# Values the server made, never typed: the chain's own hashes, request ids, and digests or
# parts of them (a login's account key); typed input met the same rule at the door already.
_MACHINE_COLUMNS = frozenset({"hash", "prev_hash", "request_id"})
_DIGEST = re.compile(r"[0-9a-f]{12,}")


def refuse_bsn(entry: Any) -> None:
    """Raise BsnNotAllowed when any typed value the entry would log holds a BSN."""
    for name in hashed_names(entry):
        if name not in _MACHINE_COLUMNS and any(
                holds_bsn(text) for text in _typed_strings(getattr(entry, name))):
            raise BsnNotAllowed()


def _typed_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if not _DIGEST.fullmatch(value):
            yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _typed_strings(str(key))
            yield from _typed_strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _typed_strings(item)


# The heads this session's transaction has locked, by log name: a head locked once stays
# locked (and loaded) until the transaction ends, so asking for it again needs no statement.
_LOCKED_HEADS = "chain_heads_locked"


def lock_head(model: Any) -> ChainHead | None:
    """Lock the log's chain head until the transaction ends (once per transaction: the
    head is remembered until it ends, savepoints included).

    Lock order: the processing log's head, then the audit log's, then the rows a
    transition changes (`app.lifecycle.firing.apply` takes both heads first), so two requests
    never wait on each other in a circle."""
    session = db.session
    locked = session.info.setdefault(_LOCKED_HEADS, {})
    head = locked.get(model.CHAIN)
    if head is not None and head in session:
        return head
    # Read afresh, even when the session holds the head already: a savepoint rolled back
    # since may have undone an append (`append` moves the head without a unit of work).
    head = session.execute(
        select(ChainHead).where(ChainHead.log_name == model.CHAIN).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if head is not None:
        locked[model.CHAIN] = head
    return head


def lock_heads_in_order(*models: Any) -> None:
    """Take the heads of these logs, in this order, before any other row of a transaction
    that may append to several logs. SQLite has nothing to order: every transaction begins
    IMMEDIATE and so holds the database's one write lock already (`app.db.configure_sqlite`)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return
    for model in models:
        lock_head(model)


@event.listens_for(Session, "after_transaction_end")
def _forget_locked_heads(session: Session, _transaction: Any) -> None:
    """A commit or rollback releases the locks; so does rolling back to a savepoint taken
    before them. Forgetting at the end of every transaction, savepoints too, keeps it simple."""
    session.info.pop(_LOCKED_HEADS, None)


def append(entry: Any) -> Any:
    """Give `entry` the next sequence number and its hashes, and write it.

    What enters a hash chain can never be erased, so this is the last line against a BSN:
    every value copied into the entry (a filter, a notice version, a detail) is checked,
    whatever path it took to get here.

    The entry and the head's move are two plain statements (an INSERT and an UPDATE), sent
    at once: a log entry never changes after it is written, so it needs no unit of work.
    The returned entry is not kept in the session; read it back by its `seq`. The first
    entry of a log creates the head through the session."""
    refuse_bsn(entry)
    session = db.session
    head = lock_head(entry)
    created = head is None
    if created:
        head = ChainHead(log_name=entry.CHAIN, last_seq=0, last_hash=GENESIS_HASH)
        session.add(head)
    entry.seq = head.last_seq + 1
    if entry.occurred_at is None:
        entry.occurred_at = utcnow()
    entry.prev_hash = head.last_hash
    entry.hash = entry_hash(entry.prev_hash, payload_of(entry))
    if created:
        head.last_seq = entry.seq
        head.last_hash = entry.hash
        session.add(entry)
        session.flush()
        return entry
    session.execute(_insert_into(entry.__table__), _column_values(entry))
    session.execute(_move_head(), {"log": entry.CHAIN, "seq": entry.seq, "hash": entry.hash})
    # The session's copy of the head says what the row now holds, without a flush.
    set_committed_value(head, "last_seq", entry.seq)
    set_committed_value(head, "last_hash", entry.hash)
    return entry


# The two statements of an append are built once and given their values as parameters:
# building a statement with its values on every append costs more than running it.
@cache
def _insert_into(table: Any) -> Any:
    return insert(table)


@cache
def _move_head() -> Any:
    heads = ChainHead.__table__
    return (update(heads).where(heads.c.log_name == bindparam("log"))
            .values(last_seq=bindparam("seq"), last_hash=bindparam("hash")))


def _column_values(entry: Any) -> dict[str, Any]:
    """The values given to the entry's columns; the columns' own defaults fill the rest, as
    a flush would."""
    given = vars(entry)
    return {column.name: given[prop.key]
            for prop in entry.__mapper__.column_attrs
            for column in prop.columns if prop.key in given}


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


def _encoded_column(column: Any, dialect: str) -> ColumnElement[str]:
    """The column as the database's text of `encode(value)`."""
    column_type = column.type
    if isinstance(getattr(column_type, "impl", column_type), DateTime):
        if dialect == "postgresql":
            text = func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24:MI:SS.US")
        else:
            text = column  # stored as exactly this text
    elif isinstance(column_type, Integer | JSON):
        text = cast(column, Text)
    else:
        text = column
    return func.coalesce(text, literal(NULL)) if column.nullable else text


# Above this many entries, PostgreSQL verifies two halves at once over two connections
# (the server does most of the work; it has cores to spare). Only committed entries are
# seen that way, which is what verification is for; smaller logs use the session's own.
PARALLEL_THRESHOLD = 50_000


def _payload_query(model: Any, dialect: Any) -> Any:
    encoded = [_encoded_column(getattr(model, name), dialect.name)
               for name in model.HASHED_FIELDS]
    # The database joins the fields itself: one string per row to hand over to Python.
    payload = encoded[0]
    for part in encoded[1:]:
        payload = payload.concat(literal(SEPARATOR)).concat(part)
    for name in getattr(model, "HASHED_WHEN_SET", ()):
        column = getattr(model, name)
        payload = payload.concat(case(
            (column.is_(None), literal("")),
            else_=literal(f"{SEPARATOR}{name}=").concat(cast(column, Text))))
    return select(model.seq, model.prev_hash, model.hash, payload).order_by(model.seq)


@dataclass
class _Segment:
    first_seq: int | None = None
    first_prev: str | None = None
    last_hash: str | None = None
    count: int = 0
    problem: tuple[int, str] | None = None


def _verify_segment(cursor: Any, model: Any, dialect: Any, low: int, high: int | None,
                    batch: int, *, last: bool = False) -> _Segment:
    """Check entries low..high (open-ended when None): contiguous, linked, unaltered. The
    `last` segment may end early: that the log's end is missing is judged against its head.
    Keyset-paged batches with the driver's own cursor: flat memory, no ORM work per row."""
    segment = _Segment()
    base = _payload_query(model, dialect)
    sha256 = hashlib.sha256
    expected_seq = low
    prev: str | None = None
    while True:
        query = base.where(model.seq >= expected_seq)
        if high is not None:
            query = query.where(model.seq <= high)
        cursor.execute(str(query.limit(batch).compile(
            dialect=dialect, compile_kwargs={"literal_binds": True})))
        rows = cursor.fetchall()
        if not rows:
            break
        if prev is None:
            segment.first_seq, segment.first_prev = rows[0][0], rows[0][1]
            prev = rows[0][1]
        # The hot loop: locals only; each row must follow on, link to and hash like its
        # predecessor.
        for seq, prev_hash, stored_hash, payload in rows:
            if seq != expected_seq or prev_hash != prev or sha256(
                    f"{prev_hash}{SEPARATOR}{payload}".encode()).hexdigest() != stored_hash:
                segment.count = expected_seq - low
                segment.problem = (
                    (expected_seq, "entry missing") if seq != expected_seq
                    else (seq, "link to predecessor broken") if prev_hash != prev
                    else (seq, "entry altered"))
                return segment
            prev = stored_hash
            expected_seq += 1
        del rows  # free this batch before the driver builds the next one
    segment.count = expected_seq - low
    segment.last_hash = prev
    if high is not None and not last and expected_seq != high + 1:
        segment.problem = (expected_seq, "entry missing")
    return segment


def _segment_on_new_connection(engine: Any, model: Any, low: int, high: int | None,
                               batch: int, last: bool) -> _Segment:
    with engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()
        try:
            return _verify_segment(cursor, model, engine.dialect, low, high, batch, last=last)
        finally:
            cursor.close()


def read_head(model: Any) -> tuple[int, str] | None:
    """The log's last sequence number and hash as committed now (not the session's copy)."""
    row = db.session.execute(
        select(ChainHead.last_seq, ChainHead.last_hash).where(ChainHead.log_name == model.CHAIN)
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def verify(model: Any, batch: int = 20000) -> VerifyResult:
    """Verify the entries up to the head as read first. Entries appended while verification
    runs are left for the next one: each statement sees what is committed at its start, so
    without the bound a busy log would look like one whose end was cut off."""
    head = read_head(model)
    last = head[0] if head is not None else None
    engine = db.engine
    if engine.dialect.name == "postgresql" and last is not None and last >= PARALLEL_THRESHOLD:
        middle = last // 2
        with ThreadPoolExecutor(max_workers=2) as pool:
            segments = list(pool.map(
                lambda part: _segment_on_new_connection(engine, model, part[0], part[1],
                                                        batch, part[2]),
                [(1, middle, False), (middle + 1, last, True)],
            ))
    else:
        cursor = db.session.connection().connection.driver_connection.cursor()
        try:
            segments = [_verify_segment(cursor, model, engine.dialect, 1, last, batch,
                                        last=True)]
        finally:
            cursor.close()
    prev, count = GENESIS_HASH, 0
    for segment in segments:
        if segment.count and segment.first_prev != prev and (
                segment.problem is None or segment.problem[0] > (segment.first_seq or 0)):
            return VerifyResult(model.CHAIN, False, count, segment.first_seq,
                                "link to predecessor broken")
        if segment.problem is not None:
            seq, reason = segment.problem
            return VerifyResult(model.CHAIN, False, seq - 1, seq, reason)
        count += segment.count
        prev = segment.last_hash or prev
    if head is not None and head != (count, prev):
        return VerifyResult(model.CHAIN, False, count, count + 1, "entries removed from the end")
    return VerifyResult(model.CHAIN, True, count, None)
