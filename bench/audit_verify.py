"""`app.audit.chain.verify` over 1 000 000 audit entries: entries per second, flat memory.

The chain is generated fast and outside the API: hashes are computed in Python with the
app's own `app.audit.chain` functions, rows are bulk-inserted with core executemany
through the app's engine (so JSON is stored exactly as the app stores it), and the
ChainHead row is set at the end. The small database (100 000 entries) is copied and
extended to make the large one, so the two share their first entries.

Runs of `verify` alternate between the small and the large log; the figure is the median
rate on the large one. Memory: tracemalloc's peak during verify on each log (and the
process's peak RSS above its start, VmHWM reset before each run). A cProfile run on the
small log (SQLite) shows where the time goes: fetching rows, hashing, or the loop itself.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import pstats
import shutil
import time
import tracemalloc
import types
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import (
    Row,
    collect,
    db_kinds,
    disposing,
    kib,
    log,
    median,
    peak_rss_bytes,
    per_database,
    product_app,
    reset_peak_rss,
    rss_bytes,
    standalone,
    throwaway_database,
)

NAME = "audit_verify"
GOAL = 200_000
PEAK_GOAL = 1.25  # tracemalloc peak at the large size / at the small size
CHUNK = 20_000
TRIGGERS = (("pause", "exploring", "paused"), ("resume", "paused", "exploring"),
            ("formulate_question", "exploring", "question_formulated"))


DETAILS = ({"channel": "api"}, {"reason": "op vakantie"}, {})


def _entries(start_seq: int, count: int) -> Iterator[dict[str, Any]]:
    """Realistic audit events: mostly transitions, some logins (with NULL fields)."""
    base = datetime(2026, 1, 1, tzinfo=UTC)
    case_ids = [str(uuid.UUID(int=i + 1)) for i in range(5000)]
    for seq in range(start_seq, start_seq + count):
        occurred = base + timedelta(seconds=seq * 7, microseconds=seq % 1_000_000)
        if seq % 4 == 0:
            yield {"seq": seq, "occurred_at": occurred, "event_type": "login_succeeded",
                   "actor_id": 3 + seq % 40, "actor_role": "flatcoach", "object_type": "user",
                   "object_id": str(3 + seq % 40), "trigger": None, "from_state": None,
                   "to_state": None, "details": DETAILS[0], "request_id": f"{seq:024x}"}
        else:
            trigger, source, dest = TRIGGERS[seq % 3]
            yield {"seq": seq, "occurred_at": occurred, "event_type": "transition",
                   "actor_id": 3 + seq % 40, "actor_role": "flatcoach", "object_type": "case",
                   "object_id": case_ids[seq % len(case_ids)], "trigger": trigger,
                   "from_state": source, "to_state": dest,
                   "details": DETAILS[1] if trigger == "pause" else DETAILS[2],
                   "request_id": f"{seq:024x}"}


def _hasher() -> Any:
    """hash(prev, row) with the app's own chain functions: `entry_hash(prev, payload)`.

    The payload is built from `chain.encode` per field with the encodings of repeated
    values (names, ids, the few details dicts) cached; it is checked against
    `chain.payload_of` itself on the first entries, and `verify` checks every one."""
    from app.audit import chain
    from app.audit.models import AuditEvent

    fields = AuditEvent.HASHED_FIELDS
    payload_of, entry_hash, encode = chain.payload_of, chain.entry_hash, chain.encode
    separator = chain.SEPARATOR
    by_id = {id(d): encode(d) for d in DETAILS}
    cache: dict[Any, str] = {}

    def fast_payload(row: dict[str, Any]) -> str:
        parts = []
        for name in fields:
            value = row[name]
            if isinstance(value, dict):
                parts.append(by_id[id(value)])
            elif isinstance(value, datetime):
                parts.append(encode(value))
            else:
                key = (type(value), value)
                text = cache.get(key)
                if text is None:
                    text = cache[key] = encode(value)
                    if len(cache) > 100_000:
                        cache.clear()
                parts.append(text)
        return separator.join(parts)

    def slow_payload(row: dict[str, Any]) -> str:
        return payload_of(types.SimpleNamespace(HASHED_FIELDS=fields, **row))

    payload = fast_payload
    if any(fast_payload(r) != slow_payload(r) for r in _entries(1, 1000)):
        payload = slow_payload

    def hash_row(prev: str, row: dict[str, Any]) -> str:
        return entry_hash(prev, payload(row))

    return hash_row


def _insert(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """Core executemany. On SQLite the driver's executemany is fed directly, each value
    passed through its column's own bind processor (exactly what the app would store),
    which skips SQLAlchemy's per-row parameter assembly — 2-3× faster for 1M rows."""
    from sqlalchemy import insert

    dialect = conn.dialect
    if dialect.name != "sqlite":
        conn.execute(insert(table), rows)
        return
    names = list(rows[0])
    compiled = insert(table).compile(dialect=dialect, column_keys=names)
    order = [str(name) for name in compiled.positiontup]  # type: ignore[union-attr]
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in order]
    pairs = list(zip(order, processors, strict=True))
    params = [tuple(p(row[n]) if p is not None else row[n] for n, p in pairs) for row in rows]
    conn.exec_driver_sql(compiled.string, params)


def append_entries(application: Any, start_seq: int, count: int, prev: str) -> str:
    """Append `count` chained entries after `prev`; set the ChainHead; return the last hash."""
    from app.audit.models import AuditEvent, ChainHead
    from app.db import db

    hash_row = _hasher()
    table = AuditEvent.__table__
    with application.app_context():
        engine = db.engine
        chunk: list[dict[str, Any]] = []
        for row in _entries(start_seq, count):
            row["prev_hash"] = prev
            prev = row["hash"] = hash_row(prev, row)
            chunk.append(row)
            if len(chunk) == CHUNK:
                with engine.begin() as conn:
                    _insert(conn, table, chunk)
                chunk = []
        if chunk:
            with engine.begin() as conn:
                _insert(conn, table, chunk)
        with engine.begin() as conn:
            last = start_seq + count - 1
            heads = ChainHead.__table__
            updated = conn.execute(heads.update().where(heads.c.log_name == AuditEvent.CHAIN)
                                   .values(last_seq=last, last_hash=prev)).rowcount
            if not updated:
                conn.execute(heads.insert().values(log_name=AuditEvent.CHAIN, last_seq=last,
                                                   last_hash=prev))
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE audit_events")
    return prev


def verify_once(application: Any, expected: int) -> dict[str, Any]:
    from app.audit import chain
    from app.audit.models import AuditEvent
    from app.db import db

    collect()
    rss_before = rss_bytes()
    peak_reset = reset_peak_rss()
    with application.app_context():
        started = time.perf_counter()
        result = chain.verify(AuditEvent)
        elapsed = time.perf_counter() - started
        db.session.remove()
    peak = peak_rss_bytes() - rss_before if peak_reset else None
    if not result.valid or result.entries != expected:
        raise RuntimeError(f"verify did not accept the generated chain: {result}")
    return {"seconds": elapsed, "rate": expected / elapsed, "rss_peak_above_start": peak}


def tracemalloc_peak(application: Any, expected: int) -> int:
    from app.audit import chain
    from app.audit.models import AuditEvent
    from app.db import db

    with application.app_context():
        db.session.execute(db.select(AuditEvent.seq).limit(1)).all()  # connection warm
        collect()
        tracemalloc.start()
        try:
            start, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            result = chain.verify(AuditEvent)
            _end, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            db.session.remove()
    if not result.valid or result.entries != expected:
        raise RuntimeError(f"verify did not accept the generated chain: {result}")
    return peak - start


def profile(application: Any) -> dict[str, Any]:
    """Where verify spends its time: cProfile, grouped into fetching rows, hashing and
    the rest (the loop itself, row decoding, …)."""
    from app.audit import chain
    from app.audit.models import AuditEvent
    from app.db import db

    profiler = cProfile.Profile()
    with application.app_context():
        profiler.enable()
        chain.verify(AuditEvent)
        profiler.disable()
        db.session.remove()
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    groups = {"fetch": 0.0, "hash": 0.0, "other": 0.0}
    top = []
    for (filename, line, function), (_cc, _nc, tottime, _ct, _callers) in \
            stats.stats.items():  # type: ignore[attr-defined]
        name = f"{Path(filename).name}:{line}({function})"
        if any(k in function for k in ("execute", "fetch", "_batches", "_stream")) \
                or "psycopg" in filename or "sqlite" in function:
            groups["fetch"] += tottime
        elif any(k in function for k in ("sha256", "hexdigest", "entry_hash", "encode",
                                          "dumps", "_canonical", "payload")) \
                or filename.endswith("json/encoder.py"):
            groups["hash"] += tottime
        else:
            groups["other"] += tottime
        top.append((tottime, name))
    top.sort(reverse=True)
    return {"total_s": total,
            "share": {k: v / total for k, v in groups.items()},
            "top": [{"function": name, "tottime_s": t, "share": t / total}
                    for t, name in top[:8]]}


@contextlib.contextmanager
def _two_logs(kind: str, small: int, large: int) -> Iterator[tuple[Any, Any]]:
    from app.audit.chain import GENESIS_HASH

    with throwaway_database(kind, "av1") as url_small:
        app_small = product_app(url_small)
        with disposing(app_small):
            started = time.perf_counter()
            log(f"{NAME} [{kind}]: generating {small:,} chained entries")
            last = append_entries(app_small, 1, small, GENESIS_HASH)
            log(f"{NAME} [{kind}]: {small:,} in {time.perf_counter() - started:.1f} s")
            with _copy_of(kind, app_small, url_small) as url_large:
                app_large = product_app(url_large, migrate=False)
                with disposing(app_large):
                    started = time.perf_counter()
                    log(f"{NAME} [{kind}]: extending a copy to {large:,} entries")
                    append_entries(app_large, small + 1, large - small, last)
                    log(f"{NAME} [{kind}]: +{large - small:,} in "
                        f"{time.perf_counter() - started:.1f} s")
                    yield app_small, app_large


@contextlib.contextmanager
def _copy_of(kind: str, source_app: Any, source_url: str) -> Iterator[str]:
    from app.db import db

    with source_app.app_context():
        db.session.remove()
        db.engine.dispose()
    if kind == "sqlite":
        import tempfile

        source = Path(source_url.removeprefix("sqlite:///"))
        with tempfile.TemporaryDirectory(prefix="buurtpad-bench-av2-") as tmp:
            target = Path(tmp) / "bench.sqlite3"
            shutil.copyfile(source, target)
            for suffix in ("-wal", "-shm"):
                if source.with_name(source.name + suffix).exists():
                    shutil.copyfile(source.with_name(source.name + suffix),
                                    target.with_name(target.name + suffix))
            yield f"sqlite:///{target}"
        return
    import psycopg

    from bench.common import PG_ADMIN_DSN, PG_SERVER

    source_name = source_url.rsplit("/", 1)[1]
    name = f"{source_name}_large"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source_name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def measure(kind: str, small: int, large: int, rounds: int) -> list[Row]:
    with _two_logs(kind, small, large) as (app_small, app_large):
        log(f"{NAME} [{kind}]: verify, {rounds} rounds alternating {small:,} / {large:,}")
        runs: dict[str, list[dict[str, Any]]] = {"small": [], "large": []}
        verify_once(app_small, small)  # warm the file cache and the statement caches
        verify_once(app_large, large)
        for i in range(rounds):
            order = (("small", app_small, small), ("large", app_large, large))
            for label, application, expected in (order if i % 2 == 0 else order[::-1]):
                runs[label].append(verify_once(application, expected))
        log(f"{NAME} [{kind}]: tracemalloc peaks ({small:,} and {large:,}), profile")
        # On PostgreSQL verify reads two halves in two threads, so its peak depends on
        # whether their batches happen to overlap: the highest of two runs is the peak.
        repeats = 2 if kind == "postgres" else 1
        traced = {"small": max(tracemalloc_peak(app_small, small) for _ in range(repeats)),
                  "large": max(tracemalloc_peak(app_large, large) for _ in range(repeats))}
        prof = profile(app_small) if kind == "sqlite" else None
    rate_small = median([r["rate"] for r in runs["small"]])
    rate_large = median([r["rate"] for r in runs["large"]])
    rss = {label: [r["rss_peak_above_start"] for r in runs[label]] for label in runs}
    peak_ratio = traced["large"] / max(1, traced["small"])
    sizes = f"{small // 1000}k→{large // 1000}k"
    rows = [
        Row(NAME, f"audit verify, {large:,} entries ({kind})",
            f"{rate_large:,.0f} entries/s ({large / rate_large:.1f} s; "
            f"{small // 1000}k: {rate_small:,.0f}/s)",
            f"≥ {GOAL:,}/s", rate_large >= GOAL,
            {"db": kind, "runs": runs, "rate_small": rate_small, "rate_large": rate_large}),
        Row(NAME, f"audit verify tracemalloc peak, {sizes} ({kind})",
            f"{kib(traced['small'])} → {kib(traced['large'])} (×{peak_ratio:.2f})",
            f"flat (×≤ {PEAK_GOAL})", peak_ratio <= PEAK_GOAL,
            {"tracemalloc_peak": traced, "ratio": peak_ratio, "rss_peak_above_start": rss}),
    ]
    if prof is not None:
        share = prof["share"]
        rows.append(Row(NAME, f"audit verify time split, cProfile {small // 1000}k ({kind})",
                        f"fetch {share['fetch']:.0%}, hashing {share['hash']:.0%}, "
                        f"loop/other {share['other']:.0%}", "—", None, {"profile": prof}))
    return rows


def run(args: argparse.Namespace) -> list[Row]:
    """SQLite always (unless --db postgres); PostgreSQL when asked for by --db postgres or
    --audit-postgres (1M rows on PostgreSQL take a few minutes to generate)."""
    kinds = list(db_kinds(args.db))
    if "postgres" in kinds and args.db == "both" and not getattr(args, "audit_postgres", False):
        kinds.remove("postgres")
    small, large, rounds = (100_000, 300_000, 2) if args.quick else (100_000, 1_000_000, 3)
    return per_database(NAME, kinds, "audit verify", f"≥ {GOAL:,}/s",
                        lambda kind: measure(kind, small, large, rounds))


if __name__ == "__main__":
    standalone(NAME, run)
