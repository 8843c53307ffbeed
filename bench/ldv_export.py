"""`app.audit.ldv.export` over 1 000 000 processing-log entries: entries per second, flat memory.

The log is generated fast and outside the API: realistic entries (reads and offers of
handovers, some denied, one in three with a trace id) are bulk-inserted with core executemany
through the app's engine, so values are stored exactly as the app stores them. The export
does not verify the chain (that is `audit verify`'s part, see bench/audit_verify.py), so the
hashes are a plain SHA-256 per entry rather than a chain.

Measured: the whole export, as the API streams it (every piece of the OTLP JSON produced and
its bytes counted, nothing kept), on the small and on the large log, alternating; the figure
is the median rate on the large log, per CPU-second of this process on SQLite (the database
works inside it; a shared machine's other load does not count) with the wall clock beside
it, and by wall clock on PostgreSQL. Memory: tracemalloc's peak during an export of the small
log and of a log ten times longer (both exported from the large log with a period), and the
process's peak RSS above its start during the 1M export.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import shutil
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.audit_verify import _insert
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

NAME = "ldv_export"
GOAL = 50_000  # entries/s: a year of a city's processing log (≈ 5M entries) in under 2 minutes
PEAK_GOAL = 1.25  # tracemalloc peak at 10× the entries / at 1×
CHUNK = 20_000
BASE = datetime(2026, 1, 1, tzinfo=UTC)
SECONDS_APART = 7

ACTIONS = (("read_handover", "warm_handover", "consent", "allowed", ["contact", "identity"]),
           ("offer_handover", "warm_handover", "consent", "allowed",
            ["contact", "help_question", "identity"]),
           ("read_handover", "warm_handover", None, "denied", ["contact", "identity"]),
           ("export", "data_subject_request", "legal_obligation", "allowed",
            ["contact", "household", "identity"]))


def _entries(start_seq: int, count: int) -> Iterator[dict[str, Any]]:
    residents = [str(uuid.UUID(int=i + 1)) for i in range(20_000)]
    consents = [str(uuid.UUID(int=10**9 + i)) for i in range(5000)]
    for seq in range(start_seq, start_seq + count):
        action, activity, basis, decision, categories = ACTIONS[seq % len(ACTIONS)]
        yield {
            "seq": seq,
            "occurred_at": BASE + timedelta(seconds=seq * SECONDS_APART),
            "action": action, "processing_activity": activity, "legal_basis": basis,
            "decision": decision, "data_subject_id": residents[seq % len(residents)],
            "categories": categories,
            "consent_id": consents[seq % len(consents)] if basis == "consent" else None,
            "safety_disclosure_id": None, "actor_id": 3 + seq % 40,
            "actor_role": "professional", "actor_organization_id": 2,
            "recipient_organization_id": 2, "object_type": "handover",
            "object_id": residents[(seq * 7) % len(residents)], "confidentiality": "confidential",
            "retention_days": 2555, "reasons": [] if decision == "allowed" else ["no consent"],
            "request_id": f"{seq:024x}",
            "trace_id": f"{seq:032x}" if seq % 3 == 0 else None,
            "prev_hash": "0" * 64,
            "hash": hashlib.sha256(seq.to_bytes(8, "big")).hexdigest(),
        }


def append_entries(application: Any, start_seq: int, count: int) -> None:
    from app.audit.models import ProcessingLogEntry
    from app.db import db

    table = ProcessingLogEntry.__table__
    with application.app_context():
        engine = db.engine
        chunk: list[dict[str, Any]] = []
        for row in _entries(start_seq, count):
            chunk.append(row)
            if len(chunk) == CHUNK:
                with engine.begin() as conn:
                    _insert(conn, table, chunk)
                chunk = []
        if chunk:
            with engine.begin() as conn:
                _insert(conn, table, chunk)
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE processing_log")


def _until(entries: int) -> datetime:
    """The end of a period holding entries 1..entries."""
    return BASE + timedelta(seconds=entries * SECONDS_APART + 1)


def export_once(application: Any, expected: int) -> dict[str, Any]:
    """One whole export of entries 1..expected; every piece produced and counted."""
    from app.audit import ldv
    from app.db import db

    collect()
    rss_before = rss_bytes()
    peak_reset = reset_peak_rss()
    size = 0
    with application.app_context():
        started, cpu_started = time.perf_counter(), time.process_time()
        for piece in ldv.export(None, _until(expected), base_url="https://buurtpad.example",
                                key=b"bench", bind=db.engine):
            size += len(piece)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        spans = _count_spans(application, expected)
        db.session.remove()
    peak = peak_rss_bytes() - rss_before if peak_reset else None
    return {"seconds": elapsed, "rate": spans / elapsed, "cpu_seconds": cpu,
            "cpu_rate": spans / cpu, "bytes": size, "rss_peak_above_start": peak}


def _count_spans(application: Any, expected: int) -> int:
    from sqlalchemy import func, select

    from app.audit.models import ProcessingLogEntry
    from app.db import db

    found = db.session.execute(select(func.count()).select_from(ProcessingLogEntry).where(
        ProcessingLogEntry.occurred_at < _until(expected))).scalar_one()
    if found != expected:
        raise RuntimeError(f"the period holds {found} entries, not {expected}")
    return found


def tracemalloc_peak(application: Any, entries: int) -> int:
    from app.audit import ldv
    from app.db import db

    with application.app_context():
        collect()
        tracemalloc.start()
        try:
            start, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            for _piece in ldv.export(None, _until(entries), base_url="https://buurtpad.example",
                                     key=b"bench", bind=db.engine):
                pass
            _end, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            db.session.remove()
    return peak - start


@contextlib.contextmanager
def _logs(kind: str, small: int, large: int) -> Iterator[tuple[Any, Any]]:
    with throwaway_database(kind, "ldv1") as url_small:
        app_small = product_app(url_small)
        with disposing(app_small):
            started = time.perf_counter()
            log(f"{NAME} [{kind}]: generating {small:,} entries")
            append_entries(app_small, 1, small)
            with _copy_of(kind, app_small, url_small) as url_large:
                app_large = product_app(url_large, migrate=False)
                with disposing(app_large):
                    log(f"{NAME} [{kind}]: extending a copy to {large:,} entries")
                    append_entries(app_large, small + 1, large - small)
                    log(f"{NAME} [{kind}]: generated in {time.perf_counter() - started:.1f} s")
                    yield app_small, app_large


@contextlib.contextmanager
def _copy_of(kind: str, source_app: Any, source_url: str) -> Iterator[str]:
    from bench import audit_verify

    if kind != "sqlite":
        with audit_verify._copy_of(kind, source_app, source_url) as url:
            yield url
        return
    from app.db import db

    with source_app.app_context():
        db.session.remove()
        db.engine.dispose()
    import tempfile

    source = Path(source_url.removeprefix("sqlite:///"))
    with tempfile.TemporaryDirectory(prefix="buurtpad-bench-ldv2-") as tmp:
        target = Path(tmp) / "bench.sqlite3"
        shutil.copyfile(source, target)
        yield f"sqlite:///{target}"


def measure(kind: str, small: int, large: int, rounds: int) -> list[Row]:
    with _logs(kind, small, large) as (app_small, app_large):
        log(f"{NAME} [{kind}]: export, {rounds} rounds alternating {small:,} / {large:,}")
        runs: dict[str, list[dict[str, Any]]] = {"small": [], "large": []}
        export_once(app_small, small)  # warm the file cache and the statement caches
        for i in range(rounds):
            order = (("small", app_small, small), ("large", app_large, large))
            for label, application, expected in (order if i % 2 == 0 else order[::-1]):
                runs[label].append(export_once(application, expected))
        peak_small, peak_large = small // 10, small
        log(f"{NAME} [{kind}]: tracemalloc peaks ({peak_small:,} and {peak_large:,})")
        traced = {"small": tracemalloc_peak(app_large, peak_small),
                  "large": tracemalloc_peak(app_large, peak_large)}
    # SQLite works inside this process, so its CPU time is the export's whole cost and is not
    # inflated by other processes on a shared machine; PostgreSQL works in its own: wall clock.
    key = "cpu_rate" if kind == "sqlite" else "rate"
    rate_small = median([r[key] for r in runs["small"]])
    rate_large = median([r[key] for r in runs["large"]])
    wall = median([r["rate"] for r in runs["large"]])
    megabytes = runs["large"][0]["bytes"] / 1e6
    rss = [r["rss_peak_above_start"] for r in runs["large"]]
    peak_ratio = traced["large"] / max(1, traced["small"])
    rss_text = (f"; peak RSS +{max(rss) / 2**20:.0f} MiB" if all(v is not None for v in rss)
                else "")
    return [
        Row(NAME, f"LDV export (OTLP JSON, streamed), {large:,} entries ({kind})",
            f"{rate_large:,.0f} entries/s{' per CPU-second' if key == 'cpu_rate' else ''} "
            f"({large / rate_large:.1f} s, {megabytes:,.0f} MB{rss_text}; wall clock "
            f"{wall:,.0f}/s; {small // 1000}k: {rate_small:,.0f}/s)",
            f"≥ {GOAL:,}/s", rate_large >= GOAL,
            {"db": kind, "runs": runs, "rate_small": rate_small, "rate_large": rate_large}),
        Row(NAME, f"LDV export tracemalloc peak, {peak_small // 1000}k→{peak_large // 1000}k "
            f"entries ({kind})",
            f"{kib(traced['small'])} → {kib(traced['large'])} (×{peak_ratio:.2f})",
            f"flat (×≤ {PEAK_GOAL})", peak_ratio <= PEAK_GOAL,
            {"tracemalloc_peak": traced, "ratio": peak_ratio}),
    ]


def run(args: argparse.Namespace) -> list[Row]:
    """SQLite (unless --db postgres); PostgreSQL only when asked for by --db postgres
    (generating 1M rows there takes minutes)."""
    kinds = list(db_kinds(args.db))
    if "postgres" in kinds and args.db == "both":
        kinds.remove("postgres")
    small, large, rounds = (100_000, 300_000, 1) if args.quick else (100_000, 1_000_000, 2)
    return per_database(NAME, kinds, "LDV export", f"≥ {GOAL:,}/s",
                        lambda kind: measure(kind, small, large, rounds))


if __name__ == "__main__":
    standalone(NAME, run)
