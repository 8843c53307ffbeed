"""A workflow table checked word for word when it is defined, a remembered state written only
where the table says, and the table as the state machine library receives it."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from workflows import CASE, GuardNotImplemented, TriggerNotAllowed, describe, fire
from workflows.definition import Guard, Timer, Transition, Workflow
from workflows.engine import _machine_transitions
from workflows.timers import add_working_days

COACH = frozenset({"flatcoach"})


def toy(**changes) -> Workflow:
    """a → b → c, with a pause from a and b that returns to where it came from."""
    definition = {
        "name": "toy",
        "states": ("a", "b", "c", "held"),
        "initial": "a",
        "final_states": ("c",),
        "remembered_state_attribute": "held_from",
        "transitions": (
            Transition("next", ("a",), "b", COACH),
            Transition("finish", ("b",), "c", COACH),
            Transition("touch", ("b",), "b", COACH),
            Transition("hold", ("a", "b"), "held", COACH),
            Transition("release", ("held",), None, COACH),
            Transition("note", ("held",), "held", COACH),
        ),
    }
    return Workflow(**(definition | changes))


# --- the table, checked when it is defined ----------------------------------------------------


def test_every_problem_of_a_table_is_named_at_once():
    with pytest.raises(ValueError) as refused:
        toy(states=("a", "b", "c", "held", "a"),
            transitions=(Transition("next", ("a",), "b", COACH),) * 2,
            remembered_state_attribute=None)
    assert str(refused.value) == "workflow 'toy': duplicate states; duplicate triggers"


def test_a_return_needs_somewhere_remembered_to_return_to():
    assert toy().returns_to(toy().get("release")) == ("a", "b")
    with pytest.raises(ValueError) as refused:
        toy(remembered_state_attribute=None)
    assert str(refused.value) == (
        "workflow 'toy': release: returns to a previous state that is never remembered")
    # Nothing enters `held`: there is no state it could return to.
    with pytest.raises(ValueError) as refused:
        toy(transitions=(Transition("release", ("held",), None, COACH),))
    assert str(refused.value) == (
        "workflow 'toy': release: returns to a previous state that is never remembered")


def test_a_timer_may_fire_nothing():
    workflow = toy(timers=(Timer("reminder", "b", "Remind the coach."),))
    assert describe(workflow)["timers"] == [
        {"name": "reminder", "state": "b", "trigger": None, "description": "Remind the coach."}]


def test_the_description_lists_the_guards_with_their_meaning():
    workflow = toy(guards=(Guard("ready", "The resident is ready."),),
                   transitions=toy().transitions[:1] + (
                       Transition("finish", ("b",), "c", COACH, guards=("ready",)),))
    described = describe(workflow)
    assert described["guards"] == [{"name": "ready", "description": "The resident is ready."}]
    assert described["transitions"][1]["guards"] == described["guards"]


def test_allowed_values_cannot_be_changed_after_definition():
    values = {"outcome": ("done",)}
    transition = Transition("close", ("a",), "c", COACH, required=("outcome",),
                            allowed_values=values)
    values["outcome"] = ("anything",)
    assert transition.allowed_values == {"outcome": ("done",)}
    with pytest.raises(TypeError):
        transition.allowed_values["outcome"] = ("anything",)  # type: ignore[index]


# --- the remembered state ---------------------------------------------------------------------


@dataclass
class Held:
    state: str
    held_from: str | None = None


def test_holding_remembers_and_releasing_returns_and_forgets():
    workflow = toy()
    subject = Held("b")
    fire(workflow, subject, "hold", role="flatcoach")
    assert (subject.state, subject.held_from) == ("held", "b")
    fire(workflow, subject, "note", role="flatcoach")  # staying put is not leaving
    assert (subject.state, subject.held_from) == ("held", "b")
    fire(workflow, subject, "release", role="flatcoach")
    assert (subject.state, subject.held_from) == ("b", None)


def test_other_transitions_leave_the_remembered_state_alone():
    workflow = toy()
    stale = Held("a", held_from="b")  # as a row might hold it
    fire(workflow, stale, "next", role="flatcoach")
    assert (stale.state, stale.held_from) == ("b", "b")
    fire(workflow, stale, "touch", role="flatcoach")  # from b to b: b is left by no route
    assert (stale.state, stale.held_from) == ("b", "b")


def test_a_subject_without_the_remembered_attribute_moves_on_but_cannot_return():
    workflow = toy()
    bare = SimpleNamespace(state="a")
    fire(workflow, bare, "next", role="flatcoach")
    assert bare.state == "b"
    with pytest.raises(TriggerNotAllowed) as refused:
        fire(workflow, SimpleNamespace(state="held"), "release", role="flatcoach")
    assert refused.value.message == (
        "'release' cannot return the toy to its previous state: it was not recorded.")


def test_a_refusal_lists_what_is_allowed_now_comma_separated():
    with pytest.raises(TriggerNotAllowed) as refused:
        fire(toy(), Held("b"), "next", role="flatcoach")
    assert refused.value.message == (
        "'next' is not allowed while the toy is 'b' (allowed now: finish, touch, hold).")


def test_missing_guard_implementations_are_all_named():
    workflow = toy(guards=(Guard("ready", "Ready."), Guard("willing", "Willing.")),
                   transitions=(Transition("next", ("a",), "b", COACH,
                                           guards=("ready", "willing")),))
    with pytest.raises(GuardNotImplemented) as missing:
        fire(workflow, Held("a"), "next", role="flatcoach")
    assert str(missing.value) == (
        "No implementation supplied for guard(s) ready, willing of toy 'next'.")


# --- the table as the state machine library receives it --------------------------------------


def test_a_return_becomes_one_conditional_transition_per_state_it_may_return_to():
    rows = _machine_transitions(toy())
    plain = [row for row in rows if "conditions" not in row]
    assert plain == [
        {"trigger": "next", "source": ["a"], "dest": "b"},
        {"trigger": "finish", "source": ["b"], "dest": "c"},
        {"trigger": "touch", "source": ["b"], "dest": "b"},
        {"trigger": "hold", "source": ["a", "b"], "dest": "held"},
        {"trigger": "note", "source": ["held"], "dest": "held"},
    ]
    returns = [row for row in rows if "conditions" in row]
    assert [(row["trigger"], row["source"], row["dest"]) for row in returns] == [
        ("release", ["held"], "a"), ("release", ["held"], "b")]
    for row in returns:
        (condition,) = row["conditions"]
        assert condition(SimpleNamespace(model=SimpleNamespace(return_to=row["dest"])))
        assert not condition(SimpleNamespace(model=SimpleNamespace(return_to="c")))


def test_the_case_workflow_returns_from_a_pause_to_every_pausable_state():
    returns = [row["dest"] for row in _machine_transitions(CASE) if row["trigger"] == "resume"]
    assert returns == list(CASE.returns_to(CASE.get("resume")))


def test_negative_working_days_are_refused():
    with pytest.raises(ValueError, match="^days must not be negative$"):
        add_working_days(None, -1)  # type: ignore[arg-type]
