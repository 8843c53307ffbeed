"""Firing one trigger on one subject (a case, handover, consent or match).

Checks come first, in a fixed order, so that the caller gets the most useful refusal: unknown
trigger, anonymised subject, role, current state, arguments, guards. Only then does a
`transitions` Machine move the state, and the new state is written to the subject in one place.

What the `transitions` library does here, and what it does not: each workflow's table
(`workflows.definition`) becomes one shared Machine (`machine_for`), which checks the table
when it is built and is the one engine that works out where a trigger leads — including the
return to a remembered state (a pause that resumes where it was), as a conditional
transition. The Machine never holds a model: a stand-in is bound for one call
(`_move`). Guards and effects are not the Machine's conditions and callbacks: guards need the
request's data and must give a reason for the refusal (the library only says no), and the
effects (timestamps, due dates, log entries) belong to the application's transaction — so
the engine runs the guards before the Machine and the application applies the effects after
it (`app.lifecycle.firing.apply`).

Erasure ends the path: once the resident a subject belongs to has been anonymised, no person
fires anything on it any more; only the system still moves it, to end it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from transitions import Machine

from workflows.definition import SYSTEM, Transition, Workflow

GuardCheck = Callable[[Any, Mapping[str, Any]], str | None]
"""Returns None when satisfied, otherwise a human-readable reason (without personal data)."""


class WorkflowError(Exception):
    """A trigger was refused; `message` is safe to show to the user."""

    def __init__(self, message: str, *, trigger: str, state: str, allowed_triggers: list[str]):
        super().__init__(message)
        self.message = message
        self.trigger = trigger
        self.state = state
        self.allowed_triggers = allowed_triggers


class UnknownTrigger(WorkflowError):
    pass


class RoleNotAllowed(WorkflowError):
    pass


class TriggerNotAllowed(WorkflowError):
    pass


class SubjectAnonymised(WorkflowError):
    """The resident the subject belongs to has been anonymised: their path has ended."""


class MissingArgument(WorkflowError):
    def __init__(self, message: str, *, argument: str, **context: Any):
        super().__init__(message, **context)
        self.argument = argument


class GuardFailed(WorkflowError):
    def __init__(self, message: str, *, guard: str, **context: Any):
        super().__init__(message, **context)
        self.guard = guard


class GuardNotImplemented(LookupError):
    """The caller did not supply a guard's implementation: a programming error, not a refusal,
    so it deliberately is no WorkflowError (the API must not turn it into a 422)."""


@dataclass(frozen=True)
class FiredTransition:
    workflow: str
    trigger: str
    source: str
    dest: str
    arguments: Mapping[str, Any]


def allowed_triggers(workflow: Workflow, state: str, role: str, *,
                     anonymised: bool = False) -> list[str]:
    """Triggers `role` may fire from `state`, in table order; guards are not evaluated.
    None for a person once the subject's resident has been anonymised."""
    if anonymised and role != SYSTEM:
        return []
    return [t.trigger for t in workflow.transitions if state in t.sources and role in t.roles]


def fire(
    workflow: Workflow,
    subject: Any,
    trigger: str,
    *,
    role: str,
    arguments: Mapping[str, Any] | None = None,
    guards: Mapping[str, GuardCheck] | None = None,
    set_state: Callable[[Any, str], None] | None = None,
    anonymised: bool = False,
) -> FiredTransition:
    """Fire `trigger` on `subject` as `role`; `anonymised` says whether the resident the
    subject belongs to has been anonymised."""
    source: str = subject.state
    arguments = MappingProxyType(dict(arguments or {}))
    transition = workflow.get(trigger)

    def refusal(error: type[WorkflowError], message: str, **extra: Any) -> WorkflowError:
        allowed = allowed_triggers(workflow, source, role, anonymised=anonymised)
        return error(message, trigger=trigger, state=source, allowed_triggers=allowed, **extra)

    if transition is None:
        # The unknown name is not echoed: it is unchecked input and messages may be logged.
        raise refusal(UnknownTrigger, f"Unknown trigger for the {workflow.name} workflow.")
    if anonymised and role != SYSTEM:
        raise refusal(SubjectAnonymised,
                      f"The {workflow.name} belongs to an anonymised resident: it no longer "
                      "changes.")
    if role not in transition.roles:
        raise refusal(RoleNotAllowed, f"A {role} may not fire '{trigger}' on a {workflow.name}.")
    if source not in transition.sources:
        allowed = ", ".join(allowed_triggers(workflow, source, role)) or "none"
        raise refusal(
            TriggerNotAllowed,
            f"'{trigger}' is not allowed while the {workflow.name} is '{source}' (allowed now: {allowed}).",
        )
    if problem := _argument_problem(transition, arguments):
        argument, message = problem
        raise refusal(MissingArgument, message, argument=argument)
    if failure := _guard_failure(workflow, transition, subject, arguments, guards or {}):
        guard, reason = failure
        raise refusal(GuardFailed, reason, guard=guard)

    memory = workflow.remembered_state_attribute
    return_to = getattr(subject, memory, None) if transition.dest is None and memory else None
    dest = _move(workflow, trigger, source, return_to)
    if dest is None:
        raise refusal(
            TriggerNotAllowed,
            f"'{trigger}' cannot return the {workflow.name} to its previous state: it was not recorded.",
        )
    _write(workflow, subject, source, dest, set_state)
    return FiredTransition(workflow.name, trigger, source, dest, arguments)


def _argument_problem(transition: Transition, arguments: Mapping[str, Any]) -> tuple[str, str] | None:
    for name in transition.required:
        value = arguments.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return name, f"'{name}' is required for '{transition.trigger}'."
        allowed = transition.allowed_values.get(name)
        if allowed is not None and value not in allowed:
            return name, f"'{name}' must be one of: {', '.join(allowed)}."
    for name, (on, values) in transition.required_when.items():
        value = arguments.get(name)
        if arguments.get(on) in values and (value is None
                                            or (isinstance(value, str) and not value.strip())):
            return name, (f"'{name}' is required for '{transition.trigger}' when '{on}' is "
                          f"'{arguments[on]}'.")
    return None


def _guard_failure(
    workflow: Workflow,
    transition: Transition,
    subject: Any,
    arguments: Mapping[str, Any],
    implementations: Mapping[str, GuardCheck],
) -> tuple[str, str] | None:
    # All implementations must be present before any runs: a guard that is silently skipped
    # would let a transition through that the table forbids.
    if missing := [g for g in transition.guards if g not in implementations]:
        raise GuardNotImplemented(
            f"No implementation supplied for guard(s) {', '.join(missing)} "
            f"of {workflow.name} '{transition.trigger}'."
        )
    for guard in transition.guards:
        reason = implementations[guard](subject, arguments)
        if reason is not None:
            return guard, str(reason)
    return None


def _write(
    workflow: Workflow,
    subject: Any,
    source: str,
    dest: str,
    set_state: Callable[[Any, str], None] | None,
) -> None:
    """The one place a subject's state is written; on failure the subject is left as it was."""
    memory = workflow.remembered_state_attribute
    remembered = getattr(subject, memory, None) if memory else None
    to_remember = remembered
    if dest != source and workflow.remembers_on_entry(dest):
        to_remember = source
    elif dest != source and workflow.remembers_on_entry(source):
        to_remember = None  # left by any route (resume, close): nothing to return to any more
    if memory and to_remember != remembered:
        setattr(subject, memory, to_remember)
    try:
        if set_state is None:
            subject.state = dest
        else:
            set_state(subject, dest)
    except BaseException:
        if memory and to_remember != remembered:
            setattr(subject, memory, remembered)
        raise


class _Binding:
    """Stands in for the subject inside the Machine for one call, so the subject never gets the
    Machine's convenience methods attached and the Machine never references it."""

    def __init__(self, state: str, return_to: str | None):
        self.state = state
        self.return_to = return_to


def _move(workflow: Workflow, trigger: str, source: str, return_to: str | None) -> str | None:
    """The state the workflow's Machine moves to from `source`, or None if no transition applied.

    The binding is handed to the event directly instead of via `add_model`/`remove_model`:
    registering is O(n) per call and mutates the Machine's model list, whereas a non-queued
    event with no callbacks only touches its own per-call data, so threads need no lock.
    """
    binding = _Binding(source, return_to)
    moved = machine_for(workflow).events[trigger].trigger(binding)
    return binding.state if moved else None


def _machine_transitions(workflow: Workflow) -> list[dict[str, Any]]:
    """The table in the Machine's terms; a return to the previous state becomes one transition
    per state it may return to, taken only when that is the remembered one."""
    rows: list[dict[str, Any]] = []
    for t in workflow.transitions:
        if t.dest is not None:
            rows.append({"trigger": t.trigger, "source": list(t.sources), "dest": t.dest})
            continue
        for state in workflow.returns_to(t):
            rows.append(
                {
                    "trigger": t.trigger,
                    "source": list(t.sources),
                    "dest": state,
                    "conditions": [_remembered_is(state)],
                }
            )
    return rows


def _remembered_is(state: str) -> Callable[[Any], bool]:
    return lambda event: event.model.return_to == state


@functools.cache
def machine_for(workflow: Workflow) -> Machine:
    """The one shared Machine of a workflow; it never holds models."""
    return Machine(
        model=None,
        states=list(workflow.states),
        initial=workflow.initial,
        transitions=_machine_transitions(workflow),
        auto_transitions=False,
        send_event=True,
    )
