"""Whatever anyone fires, in whatever order, a subject only ever moves along a defined transition,
and a refused trigger leaves it exactly as it was."""

from dataclasses import dataclass, replace

from hypothesis import given, settings
from hypothesis import strategies as st

from workflows import WORKFLOWS, WorkflowError, fire
from workflows.definition import ROLES, Transition


@dataclass
class Subject:
    state: str
    paused_from: str | None = None


def arguments_for(transition: Transition | None) -> dict[str, str]:
    if transition is None:
        return {}
    return {
        name: transition.allowed_values.get(name, ("given",))[0] for name in transition.required
    }


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_state_only_moves_along_defined_transitions(data):
    workflow = data.draw(st.sampled_from(list(WORKFLOWS.values())), label="workflow")
    # Start anywhere, with anything remembered (even nonsense), not only at the initial state.
    start = data.draw(st.sampled_from(workflow.states), label="start")
    remembered = None
    if workflow.remembers_on_entry(start):
        remembered = data.draw(st.sampled_from([None, *workflow.states]), label="remembered")
    subject = Subject(start, remembered)
    any_trigger = st.sampled_from([*sorted(workflow.triggers), "no_such_trigger"])
    any_role = st.sampled_from([*ROLES, "nobody"])
    mostly = st.sampled_from([True, True, True, False])

    for _ in range(data.draw(st.integers(min_value=1, max_value=40), label="steps")):
        # Mostly pick something the table allows from here, so that deep states are reached too.
        possible = [
            (t.trigger, role) for t in workflow.transitions_from(subject.state) for role in t.roles
        ]
        if possible and data.draw(mostly, label="pick a possible trigger"):
            trigger, role = data.draw(st.sampled_from(possible), label="trigger and role")
        else:
            trigger, role = data.draw(any_trigger, label="trigger"), data.draw(any_role, label="role")
        guards_pass = data.draw(mostly, label="guards pass")
        with_arguments = data.draw(mostly, label="with arguments")
        transition = workflow.get(trigger)
        verdict = None if guards_pass else "not now"
        guards = {g.name: lambda subject, arguments, v=verdict: v for g in workflow.guards}
        arguments = arguments_for(transition) if with_arguments else {}
        before = replace(subject)

        try:
            fired = fire(workflow, subject, trigger, role=role, arguments=arguments, guards=guards)
        except WorkflowError:
            assert subject == before
            continue

        assert transition is not None
        assert before.state in transition.sources
        assert role in transition.roles
        assert guards_pass or not transition.guards
        assert with_arguments or not transition.required
        if transition.dest is None:
            assert subject.state == before.paused_from
            assert subject.paused_from is None
        else:
            assert subject.state == transition.dest
        if subject.state == "paused":
            assert subject.paused_from == before.state
        assert (fired.source, fired.dest) == (before.state, subject.state)
        assert subject.state in workflow.states
