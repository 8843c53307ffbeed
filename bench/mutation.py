"""`python -m bench.mutation DIR [--min-score 90]`: the score of a finished mutmut run in DIR
(`make mutation` runs mutmut over policies/ and workflows/ in a copy under build/mutation),
written with every surviving mutant and its diff to bench/results/mutation.txt.

Score: mutants the tests detected (killed, timed out) out of all mutants; a mutant no test
reaches counts as surviving, one left unchecked fails the run. Exit status 1 below the
minimum score.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
DETECTED = {"killed", "timeout", "caught by type check"}
UNCHECKED = {"not checked", "check was interrupted by user"}


def statuses(directory: Path) -> dict[str, str]:
    """Every mutant's status, from `mutmut results --all true` run in `directory`."""
    mutmut = Path(sys.executable).parent / "mutmut"
    output = subprocess.run([str(mutmut), "results", "--all", "true"], cwd=directory,
                            check=True, capture_output=True, text=True).stdout
    found = {}
    for line in output.splitlines():
        name, separator, status = line.strip().rpartition(": ")
        if separator:
            found[name] = status
    return found


def diffs(directory: Path, names: list[str]) -> dict[str, str]:
    """Each mutant's diff, through mutmut's own functions (which read the configuration of
    the current directory); empty when this mutmut version lacks them."""
    here = Path.cwd()
    os.chdir(directory)
    try:
        from mutmut.__main__ import find_mutant, get_diff_for_mutant

        return {name: get_diff_for_mutant(name, path=find_mutant(name).path).rstrip()
                for name in names}
    except (ImportError, AttributeError, TypeError) as error:
        return {name: f"(no diff: {type(error).__name__})" for name in names}
    finally:
        os.chdir(here)


def report(directory: Path, min_score: float) -> tuple[str, bool]:
    found = statuses(directory)
    counts = Counter(found.values())
    total = len(found)
    detected = sum(counts[status] for status in DETECTED)
    unchecked = sum(counts[status] for status in UNCHECKED)
    score = 100 * detected / total if total else 0.0
    holds = total > 0 and not unchecked and score >= min_score
    left = sorted(name for name, status in found.items() if status not in DETECTED)
    shown = diffs(directory, left)
    lines = [
        f"Mutation testing of policies/ and workflows/ — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"score: {score:.1f} % ({detected} of {total} mutants detected), minimum {min_score:g} %"
        f" — {'holds' if holds else 'DOES NOT HOLD'}",
        "by status: " + ", ".join(f"{status} {n}" for status, n in counts.most_common()),
        *([f"{unchecked} mutants were not checked: the run did not finish"] if unchecked else []),
        "",
        f"{len(left)} mutants not detected:",
    ]
    for name in left:
        lines += ["", f"## {name}: {found[name]}", shown.get(name, "")]
    return "\n".join(lines) + "\n", holds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mutation", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path, help="where mutmut ran (holds mutants/)")
    parser.add_argument("--min-score", type=float, default=90.0)
    parser.add_argument("--output", type=Path, default=RESULTS / "mutation.txt")
    args = parser.parse_args(argv)
    text, holds = report(args.directory.resolve(), args.min_score)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    summary, _, rest = text.partition("\n\n")
    names = [line.removeprefix("## ") for line in rest.splitlines() if line.startswith("## ")]
    print(summary, *names, f"(diffs in {args.output})", sep="\n", flush=True)
    return 0 if holds else 1


if __name__ == "__main__":
    sys.exit(main())
