"""`python -m bench [--db sqlite|postgres|both] [--quick] [--only NAME ...]`: every
benchmark, one table on stdout, progress on stderr, results in bench/results/latest.json.
Exits 1 when a benchmark did not complete or a goal does not hold (each such row named on
stderr)."""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench import BENCHMARKS
from bench.common import (
    Row,
    add_common_arguments,
    format_table,
    log,
    quiet_logging,
    verdict,
)

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    add_common_arguments(parser)
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, metavar="NAME",
                        help=f"run only these ({', '.join(BENCHMARKS)})")
    parser.add_argument("--audit-postgres", action="store_true",
                        help="also verify 1M audit entries on PostgreSQL (several minutes)")
    args = parser.parse_args(argv)
    quiet_logging()
    started = time.perf_counter()
    rows: list[Row] = []
    failed = []
    for name in args.only or BENCHMARKS:
        log(f"--- {name}")
        module = importlib.import_module(f"bench.{name}")
        t0 = time.perf_counter()
        try:
            rows += module.run(args)
        except Exception as error:  # noqa: BLE001 - report it in the table, run the rest
            traceback.print_exc()
            failed.append(name)
            rows.append(Row(name, f"{name}: did not complete", f"{type(error).__name__}: "
                            f"{str(error)[:80]}", "—", False))
        log(f"--- {name} done in {time.perf_counter() - t0:.0f} s")
    elapsed = time.perf_counter() - started
    table = format_table(rows)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps({
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(elapsed, 1),
        "arguments": vars(args),
        "python": sys.version.split()[0],
        "machine": platform.platform(),
        "rows": [row.as_dict() for row in rows],
        "table": table,
    }, indent=2, default=str) + "\n")
    log(f"all done in {elapsed:.0f} s; results in {RESULTS / 'latest.json'}")
    print(table, flush=True)
    if failed:
        log(f"did not complete: {', '.join(failed)}")
    # A benchmark that did not complete adds a row that does not hold, so it is named too.
    return verdict(rows)


if __name__ == "__main__":
    sys.exit(main())
