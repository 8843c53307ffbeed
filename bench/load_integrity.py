"""The pure parts of the load test: percentiles, and the checks that explain the database
after a run from its audit log and from what the client was told.

- `explain` replays every case's, handover's and consent's transition events in log order
  from a starting point (its initial state and version 1, or a snapshot taken before the
  run) and compares the result with the stored state, version and remembered state. Each
  transition is one version step; so is a saved set of case notes, and so is the one cascade
  that changes a case without a transition of its own (a handover of a *paused* referred case
  completes or ends: the state the case will resume to moves on).
- `account` matches transition events to the client's requests by request id (the client
  sends `X-Request-Id`, the log keeps it): every acknowledged transition has exactly one event
  with the acknowledged outcome and version, no refused request left one, every event made by
  a person belongs to a request, and every system event is a cascade of one in the same request.

No database, no HTTP: both work on plain records, so they are tested on hand-made logs.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from workflows import CASE, CONSENT, HANDOVER
from workflows.definition import Workflow
from workflows.handover import HANDOVER_ACTIVE_STATES

WORKFLOWS: dict[str, Workflow] = {w.name: w for w in (CASE, HANDOVER, CONSENT)}
SYSTEM = "system"
# Audit events besides transitions that change a workflow object's row (one version step).
VERSION_STEP_EVENTS = frozenset({"case_notes_saved"})
# Creation events: an acknowledged create must have left exactly this one.
CREATION_EVENTS = {
    "visit": "visit_recorded",
    "resident": "resident_registered",
    "case": "case_opened",
    "consent": "consent_requested",
    "handover": "handover_created",
}


# --------------------------------------------------------------------------- percentiles


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least p % of the values at or below
    it (p in (0, 100]); None for no values. Always one of the values, never interpolated."""
    if not 0 < p <= 100:
        raise ValueError("p must lie in (0, 100]")
    if not values:
        return None
    ordered = sorted(values)
    rank = math.ceil(p / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


def latency_summary(seconds: Sequence[float]) -> dict[str, float | None]:
    """p50, p95, p99 and max in milliseconds."""
    def ms(value: float | None) -> float | None:
        return None if value is None else round(value * 1000, 1)

    return {"p50_ms": ms(percentile(seconds, 50)), "p95_ms": ms(percentile(seconds, 95)),
            "p99_ms": ms(percentile(seconds, 99)), "max_ms": ms(max(seconds, default=None))}


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class LogEvent:
    """One audit event, as far as these checks need it."""

    seq: int
    event_type: str
    object_type: str | None
    object_id: str | None
    trigger: str | None = None
    from_state: str | None = None
    to_state: str | None = None
    actor_role: str | None = None  # None: the system itself
    request_id: str | None = None

    @property
    def by_system(self) -> bool:
        return self.actor_role is None


@dataclass(frozen=True)
class StoredObject:
    """A workflow object as the database holds it now."""

    object_type: str
    object_id: str
    state: str
    version: int
    paused_from: str | None = None
    case_id: str | None = None  # handovers: their case


@dataclass(frozen=True)
class Baseline:
    """Where the replay of one object starts (a snapshot taken before the run)."""

    state: str
    version: int
    paused_from: str | None = None


@dataclass
class _Replayed:
    state: str
    version: int
    paused_from: str | None
    transitions: int = 0


@dataclass
class Explanation:
    objects: int = 0
    transitions: int = 0
    problems: list[str] = field(default_factory=list)
    # The object's version right after each transition event (seq -> version).
    version_after: dict[int, int] = field(default_factory=dict)

    @property
    def holds(self) -> bool:
        return not self.problems


def explain(objects: Iterable[StoredObject], events: Iterable[LogEvent],
            baselines: Mapping[tuple[str, str], Baseline] | None = None,
            *, check_versions: bool = True) -> Explanation:
    """Replay `events` (any order; sorted by seq here) over `objects` and name every object
    whose stored state, version or remembered state its log does not explain."""
    baselines = baselines or {}
    result = Explanation()
    stored = {(o.object_type, o.object_id): o for o in objects
              if o.object_type in WORKFLOWS}
    replayed: dict[tuple[str, str], _Replayed] = {}
    for key in stored:
        start = baselines.get(key)
        replayed[key] = (_Replayed(start.state, start.version, start.paused_from) if start
                         else _Replayed(WORKFLOWS[key[0]].initial, 1, None))
    handovers_of_case: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, obj in stored.items():
        if obj.object_type == "handover" and obj.case_id is not None:
            handovers_of_case[obj.case_id].append(key)

    for event in sorted(events, key=lambda e: e.seq):
        if event.object_type not in WORKFLOWS or event.object_id is None:
            continue
        key = (event.object_type, event.object_id)
        current = replayed.get(key)
        if event.event_type in VERSION_STEP_EVENTS:
            if current is not None:
                current.version += 1
            continue
        if event.event_type != "transition":
            continue
        if current is None:
            result.problems.append(f"event {event.seq}: {event.object_type} {event.object_id} "
                                   "has a transition but is not in the database")
            continue
        problem = _replay_one(WORKFLOWS[event.object_type], current, event)
        if problem:
            result.problems.append(f"event {event.seq}: {event.object_type} {event.object_id} "
                                   f"{problem}")
        result.version_after[event.seq] = current.version
        result.transitions += 1
        if event.object_type == "handover":
            _cascade_into_paused_case(stored[key], event, replayed, handovers_of_case)

    for key, obj in stored.items():
        result.objects += 1
        now = replayed[key]
        name = f"{obj.object_type} {obj.object_id}"
        if now.state != obj.state:
            result.problems.append(f"{name}: stored state {obj.state!r}, its log ends in "
                                   f"{now.state!r}")
        if check_versions and now.version != obj.version:
            result.problems.append(f"{name}: stored version {obj.version}, its log explains "
                                   f"{now.version}")
        if obj.object_type == "case" and now.paused_from != obj.paused_from:
            result.problems.append(f"{name}: remembers {obj.paused_from!r} to resume to, its "
                                   f"log explains {now.paused_from!r}")
    return result


def _replay_one(workflow: Workflow, current: _Replayed, event: LogEvent) -> str | None:
    """Apply one transition event; the problem with it, if any (the replay follows the event)."""
    transition = workflow.get(event.trigger or "")
    problems = []
    if transition is None:
        problems.append(f"unknown trigger {event.trigger!r}")
    if event.from_state != current.state:
        problems.append(f"'{event.trigger}' logged from {event.from_state!r} but the log had it "
                        f"in {current.state!r}")
    if transition is not None:
        role = SYSTEM if event.by_system else event.actor_role
        if role not in transition.roles:
            problems.append(f"'{event.trigger}' fired by {role}, not allowed to")
        if current.state not in transition.sources:
            problems.append(f"'{event.trigger}' is not possible from {current.state!r}")
        dest = transition.dest if transition.dest is not None else current.paused_from
        if event.to_state != dest:
            problems.append(f"'{event.trigger}' logged to {event.to_state!r}, the workflow "
                            f"leads to {dest!r}")
    source, dest = current.state, event.to_state or current.state
    if workflow.remembered_state_attribute and dest != source:
        if workflow.remembers_on_entry(dest):
            current.paused_from = source
        elif workflow.remembers_on_entry(source):
            current.paused_from = None
    current.state = dest
    current.version += 1
    current.transitions += 1
    return "; ".join(problems) or None


def _cascade_into_paused_case(handover: StoredObject, event: LogEvent,
                              replayed: Mapping[tuple[str, str], _Replayed],
                              handovers_of_case: Mapping[str, list[tuple[str, str]]]) -> None:
    """A paused case has no transition to fire: where it resumes to moves on instead."""
    if handover.case_id is None:
        return
    case = replayed.get(("case", handover.case_id))
    if case is None or case.state != "paused" or case.paused_from != "referred":
        return
    if event.trigger == "complete":
        case.paused_from = "supported"
        case.version += 1
    elif event.trigger in ("decline", "withdraw") and not any(
            replayed[key].state in HANDOVER_ACTIVE_STATES
            for key in handovers_of_case[handover.case_id]):
        case.paused_from = "question_formulated"
        case.version += 1


# --------------------------------------------------------------------------- the client's view


@dataclass(frozen=True)
class Acknowledged:
    """A transition request the client sent and what it was told (status None: no answer)."""

    request_id: str
    object_type: str
    object_id: str
    trigger: str
    status: int | None
    state: str | None = None  # the state in a 2xx answer
    version: int | None = None  # the version in a 2xx answer


@dataclass
class Accounting:
    acknowledged: int = 0  # 2xx answers
    person_events: int = 0  # transition events by a person (coach, professional, officer)
    system_events: int = 0
    cascades_explained: int = 0
    applied_without_answer: int = 0  # connection lost, yet it was applied
    not_applied_without_answer: int = 0
    applied_despite_5xx: int = 0  # answered 5xx (database gone at commit time), yet applied
    problems: list[str] = field(default_factory=list)
    # What was applied without a 2xx: "<object type> '<trigger>' <status or no answer>".
    ambiguous: list[str] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return not self.problems

    @property
    def balance(self) -> str:
        return (f"{self.person_events} transition events by people = {self.acknowledged} "
                f"acknowledged + {self.applied_without_answer} applied without an answer + "
                f"{self.applied_despite_5xx} applied despite a 5xx; {self.system_events} system "
                f"events, {self.cascades_explained} of them cascades of those requests")


def account(events: Iterable[LogEvent], requests: Iterable[Acknowledged],
            version_after: Mapping[int, int] | None = None) -> Accounting:
    """Match the transition events written during the run to the client's transition
    requests. `version_after` (from `explain`) lets acknowledged versions be checked too."""
    result = Accounting()
    transitions = [e for e in events if e.event_type == "transition"]
    by_request: dict[str | None, list[LogEvent]] = defaultdict(list)
    for event in transitions:
        by_request[event.request_id].append(event)
    sent = {r.request_id: r for r in requests}
    for request in sent.values():
        own = [e for e in by_request.get(request.request_id, ())
               if not e.by_system and e.object_id == request.object_id
               and e.trigger == request.trigger]
        what = f"{request.object_type} {request.object_id} '{request.trigger}'"
        if request.status is not None and 200 <= request.status < 300:
            result.acknowledged += 1
            if len(own) != 1:
                result.problems.append(f"{what} acknowledged ({request.request_id}) but logged "
                                       f"{len(own)} times")
                continue
            event = own[0]
            if request.state is not None and event.to_state != request.state:
                result.problems.append(f"{what}: answered state {request.state!r}, logged "
                                       f"{event.to_state!r}")
            if version_after is not None and request.version is not None \
                    and version_after.get(event.seq) != request.version:
                result.problems.append(f"{what}: answered version {request.version}, the log "
                                       f"explains {version_after.get(event.seq)}")
        elif request.status is None:
            if own:
                result.applied_without_answer += 1
                result.ambiguous.append(f"{request.object_type} '{request.trigger}' no answer")
            else:
                result.not_applied_without_answer += 1
        elif own and request.status >= 500:
            result.applied_despite_5xx += 1
            result.ambiguous.append(f"{request.object_type} '{request.trigger}' "
                                    f"{request.status}")
        elif own:
            result.problems.append(f"{what} refused with {request.status} but applied")
    for event in transitions:
        if event.by_system:
            result.system_events += 1
            cause = [e for e in by_request.get(event.request_id, ())
                     if not e.by_system and e.request_id in sent]
            if event.request_id is not None and cause:
                result.cascades_explained += 1
            else:
                result.problems.append(f"event {event.seq}: system '{event.trigger}' on "
                                       f"{event.object_type} {event.object_id} is no cascade "
                                       "of a request")
            continue
        result.person_events += 1
        if event.request_id not in sent:
            result.problems.append(f"event {event.seq}: '{event.trigger}' on {event.object_type} "
                                   f"{event.object_id} belongs to no request of the client")
    if result.person_events != (result.acknowledged + result.applied_without_answer
                                + result.applied_despite_5xx) and not result.problems:
        result.problems.append("the counts do not balance: " + result.balance)
    return result
