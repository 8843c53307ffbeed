"""Buurtpad's performance benchmarks: `python -m bench` (or `make bench`) runs them all and
prints one table — figure | measured | goal | holds? — and writes it to
`bench/results/latest.json`.

Each benchmark is a module with `run(args) -> list[Row]` and can run on its own:
`python -m bench.transition_ratio --db sqlite --quick`.

Honest numbers on a shared, noisy machine: what is compared is measured side by side in one
process, interleaved call by call (A, B, A, B, …), and medians are reported. Nothing here
changes app code; shortfalls are reported as they are.
"""

BENCHMARKS = (
    "transition_ratio",
    "transition_scale",
    "policy_decisions",
    "read_ratio",
    "audit_verify",
    "ldv_export",
    "insight",
    "sync",
    "funding",
    "search",
)
