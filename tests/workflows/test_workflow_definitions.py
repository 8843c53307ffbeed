"""The workflows say exactly what DOMAIN.md says: states, triggers, sources, destinations,
who may fire them, guards and required arguments."""

import json

import pytest

from workflows import CASE, CONSENT, HANDOVER, MATCH, WORKFLOWS, describe, to_mermaid
from workflows.case import CASE_OPEN_STATES, CHECKIN_OUTCOMES, CLOSE_OUTCOMES
from workflows.consent import CONSENT_METHODS
from workflows.definition import Guard, Timer, Transition, Workflow
from workflows.handover import DECLINE_REASONS, HANDOVER_ACTIVE_STATES, HANDOVER_FINAL_STATES

COACH = {"flatcoach"}
PROFESSIONAL = {"professional"}
SYSTEM = {"system"}
CASE_PAUSABLE = {"contacted", "exploring", "question_formulated", "referred", "supported"}
HANDOVER_NON_FINAL = {"draft", "awaiting_consent", "offered", "accepted", "intro_scheduled", "intro_held"}

# (trigger, sources, dest, roles, guards, required) — transcribed from DOMAIN.md, not from the code.
TABLES = {
    "case": [
        ("start_exploring", {"contacted"}, "exploring", COACH, (), ()),
        ("formulate_question", {"exploring"}, "question_formulated", COACH, ("help_question_complete",), ()),
        ("revise_question", {"question_formulated"}, "exploring", COACH, (), ()),
        ("refer", {"question_formulated"}, "referred", SYSTEM, (), ()),
        ("start_support", {"referred"}, "supported", SYSTEM, (), ()),
        ("referral_failed", {"referred"}, "question_formulated", SYSTEM, (), ()),
        # Staying in touch: a check-in with a new question takes the case back to exploring.
        ("new_question", {"supported"}, "exploring", COACH, (), ()),
        ("pause", CASE_PAUSABLE, "paused", COACH, (), ("reason",)),
        ("resume", {"paused"}, None, COACH, (), ()),
        ("close", CASE_PAUSABLE | {"paused"}, "closed", COACH, ("no_active_handover",), ("outcome",)),
        # Rule 9: erasure closes the open case, by the system, with an outcome of its own.
        ("close_erased", CASE_PAUSABLE | {"paused"}, "closed", SYSTEM, ("no_active_handover",),
         ("outcome",)),
        # Not after anonymisation: the engine refuses every person then (test_workflow_engine).
        ("reopen", {"closed"}, "exploring", COACH, ("no_other_open_case",), ()),
    ],
    "handover": [
        ("request_consent", {"draft"}, "awaiting_consent", COACH, ("consent_requested_linked",), ()),
        ("offer", {"draft", "awaiting_consent"}, "offered", COACH, ("disclosure_allowed",), ()),
        ("accept", {"offered"}, "accepted", PROFESSIONAL, ("actor_in_receiving_organisation",), ()),
        # The reason is a closed list ("Decline reasons"); `reason` explains it when it is `other`.
        ("decline", {"offered"}, "declined", PROFESSIONAL, ("actor_in_receiving_organisation",),
         ("decline_reason",)),
        ("schedule_intro", {"accepted"}, "intro_scheduled", COACH | PROFESSIONAL,
         ("actor_is_coach_or_accepting_professional",), ("intro_at", "place")),
        ("reschedule_intro", {"intro_scheduled"}, "intro_scheduled", COACH | PROFESSIONAL,
         ("actor_is_coach_or_accepting_professional",), ("intro_at", "place")),
        ("record_intro", {"intro_scheduled"}, "intro_held", COACH | PROFESSIONAL,
         ("actor_is_coach_or_accepting_professional",), ()),
        ("complete", {"intro_held"}, "completed", PROFESSIONAL, ("actor_is_accepting_professional",), ()),
        ("withdraw", HANDOVER_NON_FINAL, "withdrawn", COACH | SYSTEM, (), ("reason",)),
    ],
    "consent": [
        # A consent past its end is never given: the workflow guards it (not in the table).
        ("give", {"requested"}, "given", COACH, ("before_its_end",),
         ("method", "notice_version")),
        # Rule 9: erasure ends every valid or requested consent, by the system.
        ("refuse", {"requested"}, "refused", COACH | SYSTEM, (), ()),
        # Beyond DOMAIN.md's table: the resident withdraws it themself on their own page.
        ("withdraw", {"given"}, "withdrawn", COACH | {"privacy_officer", "resident"} | SYSTEM,
         (), ("reason",)),
        ("expire", {"given"}, "expired", SYSTEM, (), ()),
        ("revoke", {"given"}, "revoked", {"privacy_officer"}, (), ("reason",)),
    ],
    "match": [
        ("agree", {"proposed"}, "agreed", COACH, ("both_residents_consented",), ()),
        ("record_meeting", {"agreed"}, "met", COACH, (), ()),
        ("decline", {"proposed", "agreed"}, "declined", COACH | SYSTEM, (), ("reason",)),
    ],
}

STATES = {
    "case": (
        ["contacted", "exploring", "question_formulated", "referred", "supported", "paused", "closed"],
        "contacted",
        {"closed"},
    ),
    "handover": (
        ["draft", "awaiting_consent", "offered", "accepted", "intro_scheduled", "intro_held",
         "completed", "declined", "withdrawn"],
        "draft",
        {"completed", "declined", "withdrawn"},
    ),
    "consent": (
        ["requested", "given", "refused", "withdrawn", "expired", "revoked"],
        "requested",
        {"refused", "withdrawn", "expired", "revoked"},
    ),
    "match": (["proposed", "agreed", "met", "declined"], "proposed", {"met", "declined"}),
}

ROWS = [(name, row) for name, rows in TABLES.items() for row in rows]


def test_workflows_are_registered_by_name():
    assert WORKFLOWS == {"case": CASE, "handover": HANDOVER, "consent": CONSENT, "match": MATCH}


@pytest.mark.parametrize("name", STATES)
def test_states_initial_and_final(name):
    states, initial, final = STATES[name]
    workflow = WORKFLOWS[name]
    assert list(workflow.states) == states
    assert workflow.initial == initial
    assert set(workflow.final_states) == final
    assert list(workflow.open_states) == [s for s in states if s not in final]


@pytest.mark.parametrize("name", TABLES)
def test_triggers_in_table_order(name):
    workflow = WORKFLOWS[name]
    assert [t.trigger for t in workflow.transitions] == [row[0] for row in TABLES[name]]
    assert workflow.triggers == {row[0] for row in TABLES[name]}


@pytest.mark.parametrize(("name", "row"), ROWS, ids=[f"{n}.{r[0]}" for n, r in ROWS])
def test_transition_matches_domain_table(name, row):
    trigger, sources, dest, roles, guards, required = row
    transition = WORKFLOWS[name].get(trigger)
    assert transition is not None
    assert set(transition.sources) == sources
    assert transition.dest == dest
    assert transition.roles == roles
    assert transition.guards == guards
    assert transition.required == required


def test_closed_vocabularies():
    assert CLOSE_OUTCOMES == ("help_started", "no_help_needed", "connected", "declined", "moved", "unreachable")
    assert CASE.get("close").allowed_values == {"outcome": CLOSE_OUTCOMES}
    assert CASE.get("close_erased").allowed_values == {"outcome": ("erased",)}
    assert "erased" not in CLOSE_OUTCOMES
    assert CONSENT_METHODS == ("verbal", "written", "digital")
    assert CONSENT.get("give").allowed_values == {"method": CONSENT_METHODS}
    assert DECLINE_REASONS == ("no_capacity", "not_our_field", "resident_unreachable",
                               "resident_declines", "already_supported", "other")
    decline = HANDOVER.get("decline")
    assert decline.allowed_values == {"decline_reason": DECLINE_REASONS}
    assert decline.required_when == {"reason": ("decline_reason", ("other",))}
    assert decline.arguments == ("decline_reason", "reason")
    assert CHECKIN_OUTCOMES == ("going_well", "new_question", "not_reached", "no_more_contact")


def test_state_groups():
    assert set(CASE_OPEN_STATES) == CASE_PAUSABLE | {"paused"}
    assert set(HANDOVER_ACTIVE_STATES) == HANDOVER_NON_FINAL
    assert set(HANDOVER_FINAL_STATES) == {"completed", "declined", "withdrawn"}


def test_timers():
    assert [(t.name, t.state, t.trigger) for t in HANDOVER.timers] == [
        ("remind_unanswered_offer", "offered", None),
        ("escalate_unanswered_offer", "offered", None),
        ("remind_unrecorded_intro", "intro_scheduled", None),
    ]
    assert [(t.name, t.state, t.trigger) for t in CONSENT.timers] == [
        ("remind_expiring_consent", "given", None), ("expire_consent", "given", "expire")]
    assert [(t.name, t.state, t.trigger) for t in CASE.timers] == [
        ("check_in_due", "supported", None)]


def test_lookups():
    assert CASE.get("no_such_trigger") is None
    assert [t.trigger for t in CASE.transitions_from("paused")] == [
        "resume", "close", "close_erased"]
    assert CASE.returns_to(CASE.get("resume")) == (
        "contacted", "exploring", "question_formulated", "referred", "supported",
    )


def test_every_guard_is_described():
    for workflow in WORKFLOWS.values():
        named = {g for t in workflow.transitions for g in t.guards}
        assert named == {g.name for g in workflow.guards}
        assert all(g.description for g in workflow.guards)


def test_the_table_cannot_be_changed_at_run_time():
    with pytest.raises(AttributeError):
        CASE.get("close").dest = "exploring"  # type: ignore[misc]
    with pytest.raises(TypeError):
        CASE.get("close").allowed_values["outcome"] = ("anything",)  # type: ignore[index]


def _workflow(**changes) -> Workflow:
    definition = {
        "name": "toy",
        "states": ("a", "b"),
        "initial": "a",
        "final_states": ("b",),
        "transitions": (Transition("go", ("a",), "b", frozenset({"flatcoach"})),),
    }
    return Workflow(**(definition | changes))


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"states": ("a", "b", "a")}, "duplicate states"),
        ({"initial": "z"}, "unknown initial state 'z'"),
        ({"final_states": ("z",)}, "unknown final state 'z'"),
        ({"transitions": (Transition("go", ("z",), "b", frozenset()),)}, "go: unknown state 'z'"),
        ({"transitions": (Transition("go", ("a",), "z", frozenset()),)}, "go: unknown state 'z'"),
        (
            {"transitions": (Transition("go", ("a",), "b", frozenset()),) * 2},
            "duplicate triggers",
        ),
        (
            {"transitions": (Transition("go", ("a",), "b", frozenset(), guards=("g",)),)},
            "go: undescribed guard 'g'",
        ),
        (
            {"transitions": (Transition("back", ("b",), None, frozenset()),)},
            "back: returns to a previous state that is never remembered",
        ),
        ({"timers": (Timer("t", "z", "..."),)}, "timer t: unknown state 'z'"),
        ({"timers": (Timer("t", "a", "...", trigger="fly"),)}, "timer t: unknown trigger 'fly'"),
    ],
)
def test_inconsistent_workflow_is_refused_at_definition(changes, problem):
    with pytest.raises(ValueError, match=f"workflow 'toy': .*{problem}"):
        _workflow(**changes)


def test_consistent_workflow_is_accepted():
    workflow = _workflow(guards=(Guard("g", "described"),))
    assert workflow.triggers == {"go"}


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"sources": ()}, "has no source state"),
        ({"roles": frozenset({"admin"})}, r"unknown roles \['admin'\]"),
        ({"allowed_values": {"colour": ("red",)}}, r"allowed values for unrequired \['colour'\]"),
        ({"required": ("colour",), "allowed_values": {"colour": ("red", "other")},
          "required_when": {"colour": ("colour", ("other",))}}, "'colour' is required always"),
        ({"required": ("colour",), "allowed_values": {"colour": ("red",)},
          "required_when": {"why": ("colour", ("blue",))}},
         r"'why' depends on values \['blue'\] that 'colour' does not allow"),
        ({"required_when": {"why": ("colour", ("blue",))}},
         r"'why' depends on values \['blue'\] that 'colour' does not allow"),
    ],
)
def test_inconsistent_transition_is_refused(kwargs, problem):
    definition = {"trigger": "go", "sources": ("a",), "dest": "b", "roles": frozenset({"flatcoach"})}
    with pytest.raises(ValueError, match=problem):
        Transition(**(definition | kwargs))


@pytest.mark.parametrize("workflow", WORKFLOWS.values(), ids=WORKFLOWS)
def test_describe_is_json_serialisable(workflow):
    described = json.loads(json.dumps(describe(workflow)))
    assert described["name"] == workflow.name
    assert described["description"]
    assert [s["name"] for s in described["states"]] == list(workflow.states)
    assert [s["name"] for s in described["states"] if s["initial"]] == [workflow.initial]
    assert {s["name"] for s in described["states"] if s["final"]} == set(workflow.final_states)
    assert [t["trigger"] for t in described["transitions"]] == [t.trigger for t in workflow.transitions]
    assert all(t["description"] for t in described["transitions"])


def test_describe_transition_details():
    described = {t["trigger"]: t for t in describe(CASE)["transitions"]}
    assert described["close"] == {
        "trigger": "close",
        "from": ["contacted", "exploring", "question_formulated", "referred", "supported", "paused"],
        "to": "closed",
        "roles": ["flatcoach"],
        "guards": [
            {
                "name": "no_active_handover",
                "description": "No handover of the case is still active; withdraw or finish them first.",
            }
        ],
        "required": ["outcome"],
        "allowed_values": {"outcome": list(CLOSE_OUTCOMES)},
        "description": "Close the case with its outcome.",
    }
    assert "required_when" not in described["close"]
    decline = {t["trigger"]: t for t in describe(HANDOVER)["transitions"]}["decline"]
    assert (decline["required"], decline["allowed_values"], decline["required_when"]) == (
        ["decline_reason"], {"decline_reason": list(DECLINE_REASONS)},
        {"reason": {"argument": "decline_reason", "values": ["other"]}})
    assert described["resume"]["to"] is None
    assert described["resume"]["note"] == "previous state"
    assert described["resume"]["returns_to"] == sorted(CASE_PAUSABLE, key=CASE.states.index)
    assert "note" not in described["pause"]


def test_describe_orders_roles_and_lists_timers():
    handover = describe(HANDOVER)
    withdraw = next(t for t in handover["transitions"] if t["trigger"] == "withdraw")
    assert withdraw["roles"] == ["flatcoach", "system"]
    assert handover["timers"][1] == {
        "name": "escalate_unanswered_offer",
        "state": "offered",
        "trigger": None,
        "description": "Offered and unanswered for 5 working days: escalated to the coordinators.",
    }


def test_mermaid_case_diagram():
    lines = to_mermaid(CASE).splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert lines[1] == "    [*] --> contacted"
    assert lines[-1] == "    closed --> [*]"
    assert "    exploring --> question_formulated: formulate_question" in lines
    assert "    paused --> closed: close" in lines
    assert "    supported --> exploring: new_question" in lines
    for state in CASE_PAUSABLE:
        assert f"    {state} --> paused: pause" in lines
        assert f"    paused --> {state}: resume" in lines
    assert not any(line.endswith("None") or "None:" in line for line in lines)


@pytest.mark.parametrize("workflow", WORKFLOWS.values(), ids=WORKFLOWS)
def test_mermaid_has_one_edge_per_source_and_destination(workflow):
    lines = to_mermaid(workflow).splitlines()
    edges = [line for line in lines[2:] if not line.endswith("[*]")]
    expected = sum(
        len(t.sources) * (len(workflow.returns_to(t)) if t.dest is None else 1)
        for t in workflow.transitions
    )
    assert len(edges) == expected
    assert [line for line in lines if line.endswith("--> [*]")] == [
        f"    {state} --> [*]" for state in workflow.final_states
    ]


def test_mermaid_draws_a_self_transition_as_a_loop():
    assert "    intro_scheduled --> intro_scheduled: reschedule_intro" in to_mermaid(HANDOVER).splitlines()
