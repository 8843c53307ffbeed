"""`policies.decide` in-process: decisions per second for a resident with 50 consents.

The 50 consents are a realistic mix for one resident: given ones for other purposes and
organisations, withdrawn, expired and refused ones, and (for the allowed case) one that
covers the request. Measured: a professional reading a handover (allowed, by consent) and
the same read when no consent covers it (denied, which also explains every gap).

The goal is judged on decisions per CPU-second of this process: the machine is shared, and
the wall-clock rate (shown alongside) also counts the time other processes held the CPU.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta

from bench.common import Row, log, median, standalone

NAME = "policy_decisions"
GOAL = 50_000
CONSENTS = 50


def _consents(covering: bool) -> tuple:
    from policies import ConsentFacts

    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    resident, org = "res-1", "7"
    purposes = ("warm_handover", "case_support", "resident_connection")
    states = ("given", "withdrawn", "expired", "refused", "given")
    categories = (("identity", "contact"), ("identity", "contact", "help_question"),
                  ("finances",), ("identity", "household", "living_situation"))
    facts = []
    for i in range(CONSENTS - 1):
        state = states[i % len(states)]
        purpose = purposes[i % len(purposes)]
        recipient = str(8 + i % 4)  # other organisations, so none of these covers the read
        valid_until = now + timedelta(days=30 * (i % 12 - 3))  # some in the past
        facts.append(ConsentFacts(id=f"c{i:03d}", resident_id=resident, state=state,
                                  purpose=purpose, recipient_organization_id=recipient,
                                  categories=frozenset(categories[i % len(categories)]),
                                  valid_until=valid_until))
    last = ConsentFacts(id="c999", resident_id=resident, state="given" if covering else "withdrawn",
                        purpose="warm_handover", recipient_organization_id=org,
                        categories=frozenset(("identity", "contact", "help_question")),
                        valid_until=now + timedelta(days=200))
    facts.insert(CONSENTS // 2, last)
    return tuple(facts)


def _request(covering: bool):
    from policies import Action, DisclosureRequest

    return DisclosureRequest(
        actor_id="42", actor_role="professional", actor_organization_id="7",
        action=Action.READ_HANDOVER, resident_id="res-1", recipient_organization_id="7",
        purpose="warm_handover", categories=frozenset(("identity", "contact", "help_question")),
        now=datetime(2026, 6, 1, 12, tzinfo=UTC), consents=_consents(covering),
    )


def rate(covering: bool, seconds: float, repeats: int) -> tuple[list[float], list[float]]:
    """Decisions per second over `repeats` timed batches: by this process's CPU time and by
    the wall clock. On a shared machine the wall clock also counts the time other processes
    held the CPU; CPU time is the cost of the code itself."""
    from policies import decide

    request = _request(covering)
    decision = decide(request)
    if decision.allowed != covering:
        raise RuntimeError(f"unexpected decision: {decision}")
    # Calibrate a batch that takes ~seconds/repeats, then time the repeats.
    batch = 1000
    while True:
        started = time.perf_counter()
        for _ in range(batch):
            decide(request)
        elapsed = time.perf_counter() - started
        if elapsed >= seconds / repeats / 2:
            break
        batch *= 2
    cpu_rates, wall_rates = [], []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        for _ in range(batch):
            decide(request)
        cpu_rates.append(batch / max(time.process_time() - cpu_started, 1e-9))
        wall_rates.append(batch / (time.perf_counter() - started))
    return cpu_rates, wall_rates


def run(args: argparse.Namespace) -> list[Row]:
    seconds, repeats = (1.0, 5) if args.quick else (3.0, 9)
    rows = []
    # Alternate the two cases, so both see the same machine load.
    cpu: dict[bool, list[float]] = {True: [], False: []}
    wall: dict[bool, list[float]] = {True: [], False: []}
    log(f"{NAME}: {3 * repeats} timed batches each, allowed and denied alternating")
    for _ in range(3):
        for covering in (True, False):
            cpu_rates, wall_rates = rate(covering, seconds / 3, repeats)
            cpu[covering] += cpu_rates
            wall[covering] += wall_rates
    for covering, label in ((True, "allowed by consent"), (False, "denied, gaps explained")):
        value, wall_value = median(cpu[covering]), median(wall[covering])
        rows.append(Row(NAME, f"policies.decide, {CONSENTS} consents, {label}",
                        f"{value:,.0f}/s per CPU-second (≈ {1e6 / value:.1f} µs; "
                        f"wall clock {wall_value:,.0f}/s)", f"≥ {GOAL:,}/s",
                        value >= GOAL, {"rate_cpu_median": value, "rate_wall_median": wall_value,
                                        "rates_cpu": cpu[covering],
                                        "rates_wall": wall[covering]}))
    return rows


if __name__ == "__main__":
    standalone(NAME, run)
