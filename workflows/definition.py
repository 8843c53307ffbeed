"""Workflows as data: the one description from which the engine, the API docs and diagrams follow.

Nothing here knows about databases or HTTP. Guards are only *named* here; the application
supplies their implementations when it fires a trigger, because only it can see the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from policies.roles import SYSTEM, Role

# Who may fire a transition, in the policies' words (`policies.roles`).
FLATCOACH = Role.FLATCOACH
PROFESSIONAL = Role.PROFESSIONAL
PRIVACY_OFFICER = Role.PRIVACY_OFFICER
COORDINATOR = Role.COORDINATOR
RESIDENT = Role.RESIDENT
"""The resident themself, on their own page: only ever about their own records."""

ROLES: tuple[str, ...] = (*Role, SYSTEM)

PREVIOUS_STATE_NOTE = "previous state"


@dataclass(frozen=True)
class Guard:
    name: str
    description: str


@dataclass(frozen=True)
class Timer:
    """A due date kept while a subject is in `state`; a periodic command acts on it."""

    name: str
    state: str
    description: str
    trigger: str | None = None
    """The trigger the timer fires when due, if any (an escalation or reminder fires none)."""


@dataclass(frozen=True)
class Transition:
    trigger: str
    sources: tuple[str, ...]
    dest: str | None
    """None: return to the state remembered when the subject entered the source state."""
    roles: frozenset[str]
    guards: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    description: str = ""
    allowed_values: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    """Closed vocabularies for some required arguments, e.g. a case's close `outcome`."""
    required_when: Mapping[str, tuple[str, tuple[str, ...]]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    """Arguments required only for some values of a required one: a decline's `reason` when
    its `decline_reason` is `other` is `{"reason": ("decline_reason", ("other",))}`. Given
    otherwise, they are taken as they are."""

    def __post_init__(self) -> None:
        # Frozen all the way down: a transition table must not be changed at run time.
        object.__setattr__(self, "allowed_values", MappingProxyType(dict(self.allowed_values)))
        object.__setattr__(self, "required_when", MappingProxyType(
            {name: (on, tuple(values)) for name, (on, values) in self.required_when.items()}))
        if not self.sources:
            raise ValueError(f"transition {self.trigger!r} has no source state")
        if unknown_roles := self.roles - set(ROLES):
            raise ValueError(f"transition {self.trigger!r} names unknown roles {sorted(unknown_roles)}")
        if loose := set(self.allowed_values) - set(self.required):
            raise ValueError(f"transition {self.trigger!r}: allowed values for unrequired {sorted(loose)}")
        for name, (on, values) in self.required_when.items():
            if name in self.required:
                raise ValueError(f"transition {self.trigger!r}: {name!r} is required always")
            if unknown := set(values) - set(self.allowed_values.get(on, ())):
                raise ValueError(f"transition {self.trigger!r}: {name!r} depends on values "
                                 f"{sorted(unknown)} that {on!r} does not allow")

    @property
    def arguments(self) -> tuple[str, ...]:
        """What the transition asks for: the required arguments, then the conditional ones."""
        return (*self.required, *self.required_when)

    @property
    def returns_to_previous_state(self) -> bool:
        return self.dest is None


@dataclass(frozen=True, eq=False)  # identity semantics: cheap to hash, so the engine can cache per workflow
class Workflow:
    name: str
    states: tuple[str, ...]
    initial: str
    final_states: tuple[str, ...]
    transitions: tuple[Transition, ...]
    guards: tuple[Guard, ...] = ()
    timers: tuple[Timer, ...] = ()
    description: str = ""
    remembered_state_attribute: str | None = None
    """Subject attribute holding the state to return to, for transitions with dest None."""
    state_mappings: Mapping[str, Mapping[str, str]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    """Each state's code in another standard, by name (e.g. `fhir_task_status`): published
    with the states."""

    _by_trigger: Mapping[str, Transition] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_trigger = {t.trigger: t for t in self.transitions}
        object.__setattr__(self, "_by_trigger", MappingProxyType(by_trigger))
        object.__setattr__(self, "state_mappings", MappingProxyType(
            {name: MappingProxyType(dict(mapping)) for name, mapping in self.state_mappings.items()}))
        self._check_consistency()

    def _check_consistency(self) -> None:
        """Fail at import time on a typo in the table rather than at run time in production."""
        states = set(self.states)
        problems: list[str] = []
        if len(states) != len(self.states):
            problems.append("duplicate states")
        if len(self._by_trigger) != len(self.transitions):
            problems.append("duplicate triggers")
        if self.initial not in states:
            problems.append(f"unknown initial state {self.initial!r}")
        problems += [f"unknown final state {s!r}" for s in self.final_states if s not in states]
        guard_names = {g.name for g in self.guards}
        for t in self.transitions:
            problems += [f"{t.trigger}: unknown state {s!r}" for s in t.sources if s not in states]
            if t.dest is not None and t.dest not in states:
                problems.append(f"{t.trigger}: unknown state {t.dest!r}")
            if t.dest is None and (not self.remembered_state_attribute or not self.returns_to(t)):
                problems.append(f"{t.trigger}: returns to a previous state that is never remembered")
            problems += [f"{t.trigger}: undescribed guard {g!r}" for g in t.guards if g not in guard_names]
        for timer in self.timers:
            if timer.state not in states:
                problems.append(f"timer {timer.name}: unknown state {timer.state!r}")
            if timer.trigger is not None and timer.trigger not in self._by_trigger:
                problems.append(f"timer {timer.name}: unknown trigger {timer.trigger!r}")
        for name, mapping in self.state_mappings.items():
            if unmapped := [s for s in self.states if s not in mapping]:
                problems.append(f"{name}: unmapped states {unmapped}")
            if unknown := sorted(set(mapping) - states):
                problems.append(f"{name}: unknown states {unknown}")
        if problems:
            raise ValueError(f"workflow {self.name!r}: " + "; ".join(problems))

    def get(self, trigger: str) -> Transition | None:
        return self._by_trigger.get(trigger)

    @property
    def triggers(self) -> frozenset[str]:
        return frozenset(self._by_trigger)

    @property
    def open_states(self) -> tuple[str, ...]:
        return tuple(s for s in self.states if s not in self.final_states)

    def transitions_from(self, state: str) -> tuple[Transition, ...]:
        return tuple(t for t in self.transitions if state in t.sources)

    def remembers_on_entry(self, state: str) -> bool:
        """Whether entering `state` records where the subject came from (e.g. a case's `paused`)."""
        return any(t.dest is None for t in self.transitions_from(state))

    def returns_to(self, transition: Transition) -> tuple[str, ...]:
        """The states a dest=None transition can lead back to: wherever its sources are entered from."""
        sources = set(transition.sources)
        return tuple(
            state
            for state in self.states
            if state not in sources
            and any(t.dest in sources and state in t.sources for t in self.transitions)
        )


def describe(workflow: Workflow) -> dict[str, Any]:
    """A JSON-serialisable description for the API and the documentation."""
    guard_descriptions = {g.name: g.description for g in workflow.guards}

    def transition(t: Transition) -> dict[str, Any]:
        described: dict[str, Any] = {
            "trigger": t.trigger,
            "from": list(t.sources),
            "to": t.dest,
            "roles": [role for role in ROLES if role in t.roles],
            "guards": [{"name": g, "description": guard_descriptions[g]} for g in t.guards],
            "required": list(t.required),
            "allowed_values": {name: list(values) for name, values in t.allowed_values.items()},
            "description": t.description,
        }
        if t.required_when:
            described["required_when"] = {name: {"argument": on, "values": list(values)}
                                          for name, (on, values) in t.required_when.items()}
        if t.dest is None:
            described["note"] = PREVIOUS_STATE_NOTE
            described["returns_to"] = list(workflow.returns_to(t))
        return described

    return {
        "name": workflow.name,
        "description": workflow.description,
        "states": [
            {"name": s, "initial": s == workflow.initial, "final": s in workflow.final_states,
             **{name: mapping[s] for name, mapping in workflow.state_mappings.items()}}
            for s in workflow.states
        ],
        "transitions": [transition(t) for t in workflow.transitions],
        "guards": [{"name": g.name, "description": g.description} for g in workflow.guards],
        "timers": [
            {"name": t.name, "state": t.state, "trigger": t.trigger, "description": t.description}
            for t in workflow.timers
        ],
    }


def to_mermaid(workflow: Workflow) -> str:
    """A Mermaid `stateDiagram-v2`: one edge per source and destination, labelled by trigger."""
    lines = ["stateDiagram-v2", f"    [*] --> {workflow.initial}"]
    for t in workflow.transitions:
        dests = workflow.returns_to(t) if t.dest is None else (t.dest,)
        lines += [f"    {source} --> {dest}: {t.trigger}" for source in t.sources for dest in dests]
    lines += [f"    {state} --> [*]" for state in workflow.final_states]
    return "\n".join(lines) + "\n"
