"""Does a case transition get slower or hold more memory when the database is large?

Two databases side by side in this process: one with 1 000 cases (and residents), one with
100 000, bulk-inserted with SQLAlchemy core executemany. The same pause/resume toggling as
`transition_ratio` runs interleaved on both, call by call; the figure is the ratio of the
median per-transition times (large / small; goal ≈ 1).

Memory: after a warm-up, tracemalloc samples what stays allocated (after gc) every 20
transitions on each database; the growth per transition is the least-squares slope of those
samples. Its peak is compared between the two sizes; the process RSS is read across the
timed runs.

The workflow engine holds no references: 100 000 in-memory `Case` objects are fired on
directly (`workflows.fire`, as `app.lifecycle.firing.apply` does); `machine_for(CASE).models`
must stay empty, every case must be collectable afterwards (nothing traced is left), and
the transient tracemalloc peak while firing (above what is still allocated at the end) must
not grow with the number of cases.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
import weakref
from typing import Any

from bench.common import (
    CaseToggler,
    Row,
    build_world,
    collect,
    db_kinds,
    disposing,
    interleaved,
    kib,
    log,
    login,
    median,
    ms,
    per_database,
    product_app,
    rss_bytes,
    seed_cases,
    standalone,
    throwaway_database,
)

NAME = "transition_scale"
TIME_GOAL = 1.25  # large/small median time: "≈ 1" with room for noise on a shared machine
GROWTH_GOAL = 512  # bytes retained per transition after warm-up: a leaked case or audit
# event per transition would be several KiB; "no growth" is well below that
PEAK_GOAL = 1.25  # tracemalloc peak, large / small
POOL = 50


def _memory_run(fire: CaseToggler, n: int, block: int = 20) -> dict[str, Any]:
    """With tracemalloc on: what stays allocated (after gc), sampled every `block`
    transitions over `n`; the growth per transition is the least-squares slope, so one-off
    and periodic allocations (a cache filling, the pool's finalizer registry resizing)
    do not pass for growth. Also the peak above the start."""
    tracemalloc.start()
    try:
        for _ in range(POOL):  # tracemalloc's own tables warm up too
            fire()
        collect()
        start, _peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        xs, ys = [0], [0]
        for done in range(block, n + 1, block):
            for _ in range(block):
                fire()
            collect()
            xs.append(done)
            ys.append(tracemalloc.get_traced_memory()[0] - start)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    slope, _intercept = statistics.linear_regression(xs, ys)
    return {"retained_per_transition": slope, "samples": list(zip(xs, ys, strict=True)),
            "retained_at_end": ys[-1], "peak_above_start": peak - start}


def measure(kind: str, small: int, large: int, n: int, n_memory: int) -> list[Row]:
    with throwaway_database(kind, "s1") as url_small, throwaway_database(kind, "s2") as url_big:
        apps = {"small": product_app(url_small), "large": product_app(url_big)}
        with disposing(*apps.values()):
            fires = {}
            for label, size in (("small", small), ("large", large)):
                application = apps[label]
                world = build_world(application)
                started = time.perf_counter()
                log(f"{NAME} [{kind}]: bulk-inserting {size:,} residents and cases")
                cases = seed_cases(application, world, size, in_scope_every=2)
                log(f"{NAME} [{kind}]: {size:,} inserted in {time.perf_counter() - started:.1f} s")
                client = application.test_client()
                # The pool: cases spread over the whole table, not only the first rows.
                pool = cases[:: max(1, len(cases) // POOL)][:POOL]
                fires[label] = CaseToggler(client, login(client, world.coach_email), pool)
            for _ in range(2 * POOL):
                fires["small"]()
                fires["large"]()
            log(f"{NAME} [{kind}]: {n} transitions on each, interleaved")
            rss_before = rss_bytes()
            times = interleaved(fires, n)
            rss_after_timing = rss_bytes()
            log(f"{NAME} [{kind}]: memory runs (tracemalloc)")
            memory = {label: _memory_run(fires[label], n_memory)
                      for label in ("small", "large")}
    t_small, t_large = median(times.wall["small"]), median(times.wall["large"])
    ratio = t_large / t_small
    grow_small = memory["small"]["retained_per_transition"]
    grow_large = memory["large"]["retained_per_transition"]
    peak_ratio = memory["large"]["peak_above_start"] / max(1, memory["small"]["peak_above_start"])
    label = f"{small // 1000}k→{large // 1000}k cases"
    return [
        Row(NAME, f"transition time {label}, ratio ({kind})",
            f"{ratio:.2f} ({ms(t_small)} → {ms(t_large)}, median of {n})",
            f"≈ 1 (≤ {TIME_GOAL})", ratio <= TIME_GOAL,
            {"db": kind, "small": small, "large": large, "n": n, "median_small_s": t_small,
             "median_large_s": t_large, "ratio": ratio,
             "cpu_time_ratio": median(times.cpu["large"]) / median(times.cpu["small"]),
             "rss_growth_while_timing": rss_after_timing - rss_before}),
        Row(NAME, f"memory retained per transition {label} ({kind})",
            f"{grow_small:.0f} B → {grow_large:.0f} B (RSS over the timed runs "
            f"+{kib(rss_after_timing - rss_before)})",
            f"≤ {GROWTH_GOAL} B each",
            grow_small <= GROWTH_GOAL and grow_large <= GROWTH_GOAL,
            {"db": kind, "memory": memory}),
        Row(NAME, f"tracemalloc peak over {n_memory} transitions {label} ({kind})",
            f"{kib(memory['small']['peak_above_start'])} → "
            f"{kib(memory['large']['peak_above_start'])} (×{peak_ratio:.2f})",
            f"flat (×≤ {PEAK_GOAL})", peak_ratio <= PEAK_GOAL,
            {"db": kind, "peak_ratio": peak_ratio}),
    ]


def engine_references(sizes: tuple[int, ...]) -> list[Row]:
    """Fire on n in-memory cases; the Machine keeps no models and no case survives."""
    from app import models
    from workflows import CASE, fire
    from workflows.engine import machine_for

    models.import_all()
    from app.cases.models import Case

    def write(case: Case, state: str) -> None:
        case._write_state(state)

    results = {}
    for n in sizes:
        log(f"{NAME}: firing pause on {n:,} in-memory cases")
        cases = [Case() for _ in range(n)]
        refs = [weakref.ref(c) for c in cases]
        machine = machine_for(CASE)
        collect()
        tracemalloc.start()
        start, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        started = time.perf_counter()
        for case in cases:
            fire(CASE, case, "pause", role="flatcoach", arguments={"reason": "op vakantie"},
                 set_state=write)
        elapsed = time.perf_counter() - started
        end, peak = tracemalloc.get_traced_memory()
        paused = sum(1 for c in cases if c.state == "paused")
        models_held = len(machine.models)
        del cases, case
        collect()
        released, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        alive = sum(1 for r in refs if r() is not None)
        results[n] = {
            # What firing allocated only for the moment (beyond what stays with the cases).
            "transient_peak": peak - end,
            # What stays with the cases themselves (their new state and attribute history).
            "retained_with_cases": end - start,
            # What is left once the cases are gone: anything here would be held elsewhere.
            "retained_after_release": released - start,
            "models": models_held, "alive_after_release": alive, "paused": paused,
            "seconds_with_tracemalloc": elapsed,
        }
    small, large = sizes[0], sizes[-1]
    big = results[large]
    all_fired = all(r["paused"] == n for n, r in results.items())
    peak_small, peak_large = results[small]["transient_peak"], big["transient_peak"]
    peak_ratio = peak_large / max(1, peak_small)
    leftover = max(r["retained_after_release"] for r in results.values())
    return [
        Row(NAME, f"engine references after firing on {large:,} cases",
            f"machine.models={big['models']}, cases alive after release="
            f"{big['alive_after_release']}, bytes left {leftover:,} (all fired: {all_fired})",
            "0, 0, ≤ 64 KiB",
            big["models"] == 0 and big["alive_after_release"] == 0 and all_fired
            and leftover <= 64 * 1024,
            {"results": results}),
        Row(NAME, f"engine transient tracemalloc peak, {small:,}→{large:,} cases",
            f"{kib(peak_small)} → {kib(peak_large)} (×{peak_ratio:.2f})",
            f"flat (×≤ {PEAK_GOAL})", peak_ratio <= PEAK_GOAL,
            {"results": results, "peak_ratio": peak_ratio}),
    ]


def run(args: argparse.Namespace) -> list[Row]:
    small, large, n, n_memory = ((1_000, 20_000, 150, 100) if args.quick
                                  else (1_000, 100_000, 300, 200))
    rows = per_database(NAME, db_kinds(args.db), f"transition time 1k→{large // 1000}k cases",
                        "≈ 1", lambda kind: measure(kind, small, large, n, n_memory))
    rows += engine_references((1_000, 10_000) if args.quick else (1_000, 10_000, 100_000))
    return rows


if __name__ == "__main__":
    standalone(NAME, run)
