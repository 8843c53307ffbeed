"""Firing triggers: the order of refusals, their messages, remembering a paused case's state,
and that a refused or failed firing leaves the subject exactly as it was."""

import gc
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from workflows import (
    CASE,
    CONSENT,
    HANDOVER,
    MATCH,
    FiredTransition,
    GuardFailed,
    GuardNotImplemented,
    MissingArgument,
    RoleNotAllowed,
    SubjectAnonymised,
    TriggerNotAllowed,
    UnknownTrigger,
    WorkflowError,
    allowed_triggers,
    fire,
)
from workflows.case import CASE_PAUSABLE_STATES
from workflows.engine import machine_for
from workflows.handover import HANDOVER_ACTIVE_STATES, HANDOVER_FINAL_STATES


@dataclass
class Subject:
    state: str
    paused_from: str | None = None


def satisfied(workflow):
    """Every guard of the workflow passes."""
    return {g.name: lambda subject, arguments: None for g in workflow.guards}


def fire_ok(workflow, subject, trigger, role="flatcoach", **arguments):
    return fire(workflow, subject, trigger, role=role, arguments=arguments, guards=satisfied(workflow))


# --- the happy paths --------------------------------------------------------------------------


def test_case_from_first_contact_to_support():
    case = Subject("contacted")
    fire_ok(CASE, case, "start_exploring")
    fire_ok(CASE, case, "formulate_question")
    fire_ok(CASE, case, "refer", role="system")
    fire_ok(CASE, case, "start_support", role="system")
    fired = fire_ok(CASE, case, "close", outcome="help_started")
    assert case.state == "closed"
    assert fired == FiredTransition("case", "close", "supported", "closed", {"outcome": "help_started"})


def test_case_revise_referral_failed_and_reopen():
    case = Subject("question_formulated")
    fire_ok(CASE, case, "revise_question")
    assert case.state == "exploring"
    case = Subject("referred")
    fire_ok(CASE, case, "referral_failed", role="system")
    assert case.state == "question_formulated"
    case = Subject("closed")
    fire_ok(CASE, case, "reopen")
    assert case.state == "exploring"


def test_warm_handover_from_draft_to_completed():
    handover = Subject("draft")
    steps = [
        ("request_consent", "flatcoach", {}),
        ("offer", "flatcoach", {}),
        ("accept", "professional", {}),
        ("schedule_intro", "professional", {"intro_at": "2025-03-03T10:00", "place": "Buurtkamer"}),
        ("reschedule_intro", "flatcoach", {"intro_at": "2025-03-04T10:00", "place": "Buurtkamer"}),
        ("record_intro", "flatcoach", {}),
        ("complete", "professional", {}),
    ]
    visited = []
    for trigger, role, arguments in steps:
        visited.append(fire_ok(HANDOVER, handover, trigger, role=role, **arguments).dest)
    assert visited == [
        "awaiting_consent", "offered", "accepted", "intro_scheduled", "intro_scheduled",
        "intro_held", "completed",
    ]


def test_handover_offered_straight_from_draft_and_declined():
    handover = Subject("draft")
    fire_ok(HANDOVER, handover, "offer")
    fired = fire_ok(HANDOVER, handover, "decline", role="professional",
                    decline_reason="no_capacity")
    assert handover.state == "declined"
    assert dict(fired.arguments) == {"decline_reason": "no_capacity"}


def test_a_decline_for_another_reason_carries_its_explanation():
    handover = Subject("offered")
    fired = fire_ok(HANDOVER, handover, "decline", role="professional", decline_reason="other",
                    reason="Wij werken alleen in Zuilen.")
    assert handover.state == "declined"
    assert dict(fired.arguments) == {"decline_reason": "other",
                                     "reason": "Wij werken alleen in Zuilen."}


def test_a_new_question_takes_a_supported_case_back_to_exploring():
    case = Subject("supported")
    assert fire_ok(CASE, case, "new_question").dest == "exploring"
    with pytest.raises(TriggerNotAllowed):
        fire_ok(CASE, Subject("referred"), "new_question")
    with pytest.raises(RoleNotAllowed):
        fire_ok(CASE, Subject("supported"), "new_question", role="system")


@pytest.mark.parametrize("state", HANDOVER_ACTIVE_STATES)
@pytest.mark.parametrize("role", ["flatcoach", "system"])
def test_handover_can_be_withdrawn_from_every_active_state(state, role):
    handover = Subject(state)
    fire_ok(HANDOVER, handover, "withdraw", role=role, reason="consent withdrawn")
    assert handover.state == "withdrawn"


@pytest.mark.parametrize("state", HANDOVER_FINAL_STATES)
def test_a_finished_handover_cannot_be_withdrawn(state):
    with pytest.raises(TriggerNotAllowed):
        fire_ok(HANDOVER, Subject(state), "withdraw", reason="too late")


@pytest.mark.parametrize(
    ("trigger", "role", "arguments", "dest"),
    [
        ("withdraw", "flatcoach", {"reason": "resident said so"}, "withdrawn"),
        ("withdraw", "privacy_officer", {"reason": "resident said so"}, "withdrawn"),
        ("expire", "system", {}, "expired"),
        ("revoke", "privacy_officer", {"reason": "recorded in error"}, "revoked"),
    ],
)
def test_consent_ends(trigger, role, arguments, dest):
    consent = Subject("given")
    fire_ok(CONSENT, consent, trigger, role=role, **arguments)
    assert consent.state == dest


@pytest.mark.parametrize("method", ["verbal", "written", "digital"])
def test_consent_given_or_refused(method):
    consent = Subject("requested")
    fire_ok(CONSENT, consent, "give", method=method, notice_version="2025-01")
    assert consent.state == "given"
    consent = Subject("requested")
    fire_ok(CONSENT, consent, "refuse")
    assert consent.state == "refused"


def test_match_agreed_met_or_declined():
    match = Subject("proposed")
    fire_ok(MATCH, match, "agree")
    fire_ok(MATCH, match, "record_meeting")
    assert match.state == "met"
    for state in ("proposed", "agreed"):
        match = Subject(state)
        fire_ok(MATCH, match, "decline", reason="moved away")
        assert match.state == "declined"


# --- pause and resume -------------------------------------------------------------------------


@pytest.mark.parametrize("state", CASE_PAUSABLE_STATES)
def test_resume_returns_to_the_state_the_case_was_paused_from(state):
    case = Subject(state)
    fire_ok(CASE, case, "pause", reason="in hospital")
    assert (case.state, case.paused_from) == ("paused", state)
    fired = fire_ok(CASE, case, "resume")
    assert (case.state, case.paused_from) == (state, None)
    assert (fired.source, fired.dest) == ("paused", state)


def test_closing_a_paused_case_forgets_where_it_was_paused_from():
    case = Subject("referred")
    fire_ok(CASE, case, "pause", reason="travelling")
    fire_ok(CASE, case, "close", outcome="moved")
    assert (case.state, case.paused_from) == ("closed", None)


def test_a_paused_case_cannot_be_paused_again():
    with pytest.raises(TriggerNotAllowed):
        fire_ok(CASE, Subject("paused", paused_from="exploring"), "pause", reason="again")


@pytest.mark.parametrize("paused_from", [None, "closed", "paused", "nonsense"])
def test_resume_without_a_usable_remembered_state_is_refused(paused_from):
    case = Subject("paused", paused_from=paused_from)
    with pytest.raises(TriggerNotAllowed) as refused:
        fire_ok(CASE, case, "resume")
    assert refused.value.message == (
        "'resume' cannot return the case to its previous state: it was not recorded."
    )
    assert (case.state, case.paused_from) == ("paused", paused_from)


# --- refusals, in order -------------------------------------------------------------------------


def test_unknown_trigger():
    with pytest.raises(UnknownTrigger) as refused:
        fire_ok(CASE, Subject("contacted"), "fly")
    error = refused.value
    assert error.message == str(error) == "Unknown trigger for the case workflow."
    assert (error.trigger, error.state) == ("fly", "contacted")
    assert error.allowed_triggers == ["start_exploring", "pause", "close"]


def test_role_not_allowed_comes_before_the_state():
    with pytest.raises(RoleNotAllowed) as refused:
        fire_ok(CASE, Subject("closed"), "close", role="professional", outcome="moved")
    assert refused.value.message == "A professional may not fire 'close' on a case."
    assert refused.value.allowed_triggers == []


@pytest.mark.parametrize(
    ("workflow", "state", "trigger", "role"),
    [
        (CASE, "question_formulated", "refer", "flatcoach"),
        (CASE, "referred", "start_support", "coordinator"),
        (HANDOVER, "offered", "accept", "flatcoach"),
        (HANDOVER, "intro_held", "complete", "flatcoach"),
        (HANDOVER, "draft", "offer", "system"),
        (CONSENT, "given", "expire", "privacy_officer"),
        (CONSENT, "given", "revoke", "flatcoach"),
        (MATCH, "proposed", "agree", "professional"),
    ],
)
def test_roles_outside_the_table_are_refused(workflow, state, trigger, role):
    with pytest.raises(RoleNotAllowed):
        fire_ok(workflow, Subject(state), trigger, role=role, reason="x")


def test_trigger_not_allowed_from_the_current_state_names_what_is():
    case = Subject("closed")
    with pytest.raises(TriggerNotAllowed) as refused:
        fire_ok(CASE, case, "pause")  # also lacks its reason: the state is reported first
    assert refused.value.message == "'pause' is not allowed while the case is 'closed' (allowed now: reopen)."
    assert refused.value.allowed_triggers == ["reopen"]
    assert (refused.value.trigger, refused.value.state) == ("pause", "closed")


def test_trigger_not_allowed_when_the_role_may_do_nothing_now():
    with pytest.raises(TriggerNotAllowed) as refused:
        fire_ok(CASE, Subject("question_formulated"), "start_support", role="system")
    assert refused.value.message.endswith("(allowed now: refer, close_erased).")
    with pytest.raises(TriggerNotAllowed) as refused:
        fire_ok(CASE, Subject("closed"), "start_support", role="system")
    assert refused.value.message.endswith("(allowed now: none).")


@pytest.mark.parametrize(
    ("workflow", "state", "trigger", "role", "arguments", "argument", "message"),
    [
        (CASE, "exploring", "pause", "flatcoach", {}, "reason", "'reason' is required for 'pause'."),
        (CASE, "exploring", "pause", "flatcoach", {"reason": "   "}, "reason",
         "'reason' is required for 'pause'."),
        (CASE, "exploring", "pause", "flatcoach", {"reason": None}, "reason",
         "'reason' is required for 'pause'."),
        (CASE, "exploring", "close", "flatcoach", {}, "outcome", "'outcome' is required for 'close'."),
        (CASE, "exploring", "close", "flatcoach", {"outcome": "happy"}, "outcome",
         "'outcome' must be one of: help_started, no_help_needed, connected, declined, moved, unreachable."),
        (CONSENT, "requested", "give", "flatcoach", {"notice_version": "v1"}, "method",
         "'method' is required for 'give'."),
        (CONSENT, "requested", "give", "flatcoach", {"method": "fax", "notice_version": "v1"}, "method",
         "'method' must be one of: verbal, written, digital."),
        (CONSENT, "requested", "give", "flatcoach", {"method": "verbal"}, "notice_version",
         "'notice_version' is required for 'give'."),
        (CONSENT, "given", "withdraw", "privacy_officer", {}, "reason", "'reason' is required for 'withdraw'."),
        (CONSENT, "given", "revoke", "privacy_officer", {}, "reason", "'reason' is required for 'revoke'."),
        (HANDOVER, "accepted", "schedule_intro", "flatcoach", {"place": "Buurtkamer"}, "intro_at",
         "'intro_at' is required for 'schedule_intro'."),
        (HANDOVER, "intro_scheduled", "reschedule_intro", "professional", {"intro_at": "2025-03-03T10:00"},
         "place", "'place' is required for 'reschedule_intro'."),
        (HANDOVER, "offered", "decline", "professional", {"reason": "Vol."}, "decline_reason",
         "'decline_reason' is required for 'decline'."),
        (HANDOVER, "offered", "decline", "professional", {"decline_reason": "busy"}, "decline_reason",
         "'decline_reason' must be one of: no_capacity, not_our_field, resident_unreachable, "
         "resident_declines, already_supported, other."),
        (HANDOVER, "offered", "decline", "professional", {"decline_reason": "other"}, "reason",
         "'reason' is required for 'decline' when 'decline_reason' is 'other'."),
        (HANDOVER, "offered", "decline", "professional", {"decline_reason": "other", "reason": " "},
         "reason", "'reason' is required for 'decline' when 'decline_reason' is 'other'."),
        (HANDOVER, "offered", "withdraw", "system", {}, "reason", "'reason' is required for 'withdraw'."),
        (MATCH, "agreed", "decline", "flatcoach", {}, "reason", "'reason' is required for 'decline'."),
    ],
)
def test_missing_or_invalid_argument(workflow, state, trigger, role, arguments, argument, message):
    subject = Subject(state)
    with pytest.raises(MissingArgument) as refused:
        fire(workflow, subject, trigger, role=role, arguments=arguments, guards=satisfied(workflow))
    assert refused.value.argument == argument
    assert refused.value.message == message
    assert subject.state == state


def test_arguments_are_checked_before_guards_run():
    called = []
    guards = {"no_active_handover": lambda subject, arguments: called.append(1)}
    with pytest.raises(MissingArgument):
        fire(CASE, Subject("exploring"), "close", role="flatcoach", guards=guards)
    assert called == []


def test_guard_failed_carries_the_guards_reason():
    case = Subject("exploring")
    reasons = {"no_active_handover": lambda c, a: "Handovers still active: withdraw or finish them first."}
    with pytest.raises(GuardFailed) as refused:
        fire(CASE, case, "close", role="flatcoach", arguments={"outcome": "moved"}, guards=reasons)
    assert refused.value.message == "Handovers still active: withdraw or finish them first."
    assert refused.value.guard == "no_active_handover"
    assert refused.value.allowed_triggers == ["formulate_question", "pause", "close"]
    assert case.state == "exploring"


def test_guards_get_the_subject_and_arguments():
    seen = []

    def actor_is_coach_or_accepting_professional(subject, arguments):
        seen.append((subject, dict(arguments)))

    handover = Subject("accepted")
    arguments = {"intro_at": "2025-03-03T10:00", "place": "Buurtkamer"}
    fire(HANDOVER, handover, "schedule_intro", role="professional", arguments=arguments,
         guards={"actor_is_coach_or_accepting_professional": actor_is_coach_or_accepting_professional})
    assert seen == [(handover, arguments)]


def test_first_failing_guard_wins_and_later_ones_do_not_run():
    from workflows.definition import Guard, Transition, Workflow

    toy = Workflow(
        name="toy", states=("a", "b"), initial="a", final_states=("b",),
        transitions=(Transition("go", ("a",), "b", frozenset({"flatcoach"}), guards=("one", "two")),),
        guards=(Guard("one", "first"), Guard("two", "second")),
    )
    ran = []
    guards = {
        "one": lambda s, a: ran.append("one") or "first fails",
        "two": lambda s, a: ran.append("two") or "second fails",
    }
    with pytest.raises(GuardFailed, match="first fails"):
        fire(toy, Subject("a"), "go", role="flatcoach", guards=guards)
    assert ran == ["one"]


@pytest.mark.parametrize("guards", [None, {}, {"something_else": lambda s, a: None}])
def test_a_guard_without_implementation_is_an_error_never_a_pass(guards):
    case = Subject("exploring")
    with pytest.raises(GuardNotImplemented, match="help_question_complete") as error:
        fire(CASE, case, "formulate_question", role="flatcoach", guards=guards)
    assert isinstance(error.value, LookupError)
    assert not isinstance(error.value, WorkflowError)  # a programming error, not a 422
    assert case.state == "exploring"


def test_all_refusals_are_workflow_errors():
    for error in (UnknownTrigger, SubjectAnonymised, RoleNotAllowed, TriggerNotAllowed,
                  MissingArgument, GuardFailed):
        assert issubclass(error, WorkflowError)


# --- after anonymisation: only the system, to end the path ------------------------------------


@pytest.mark.parametrize(("workflow", "state", "trigger", "role"), [
    (CASE, "closed", "reopen", "flatcoach"),
    (CASE, "exploring", "pause", "flatcoach"),
    (CASE, "referred", "start_support", "flatcoach"),  # not even the role refusal comes first
    (HANDOVER, "offered", "accept", "professional"),
    (CONSENT, "given", "withdraw", "privacy_officer"),
    (CONSENT, "given", "revoke", "privacy_officer"),
    (MATCH, "agreed", "record_meeting", "flatcoach"),
])
def test_no_person_fires_anything_after_anonymisation(workflow, state, trigger, role):
    subject = Subject(state)
    with pytest.raises(SubjectAnonymised) as refused:
        fire(workflow, subject, trigger, role=role, arguments={"reason": "x"},
             guards=satisfied(workflow), anonymised=True)
    assert refused.value.allowed_triggers == []
    assert refused.value.message == (
        f"The {workflow.name} belongs to an anonymised resident: it no longer changes.")
    assert subject.state == state


def test_an_unknown_trigger_is_still_reported_as_unknown_after_anonymisation():
    with pytest.raises(UnknownTrigger) as refused:
        fire(CASE, Subject("closed"), "escalate", role="flatcoach", anonymised=True)
    assert refused.value.allowed_triggers == []


@pytest.mark.parametrize(("workflow", "state", "trigger", "arguments", "dest"), [
    (CONSENT, "requested", "refuse", {"reason": "resident anonymised"}, "refused"),
    (CONSENT, "given", "withdraw", {"reason": "resident anonymised"}, "withdrawn"),
    (HANDOVER, "intro_scheduled", "withdraw", {"reason": "resident anonymised"}, "withdrawn"),
    (CASE, "paused", "close_erased", {"outcome": "erased"}, "closed"),
    (MATCH, "proposed", "decline", {"reason": "resident anonymised"}, "declined"),
])
def test_the_system_ends_an_anonymised_residents_path(workflow, state, trigger, arguments, dest):
    subject = Subject(state)
    fire(workflow, subject, trigger, role="system", arguments=arguments,
         guards=satisfied(workflow), anonymised=True)
    assert subject.state == dest


def test_the_erased_outcome_is_the_systems_alone():
    with pytest.raises(RoleNotAllowed):
        fire_ok(CASE, Subject("exploring"), "close_erased", outcome="erased")
    with pytest.raises(MissingArgument):
        fire_ok(CASE, Subject("exploring"), "close", outcome="erased")
    with pytest.raises(MissingArgument):
        fire_ok(CASE, Subject("exploring"), "close_erased", role="system", outcome="moved")


# --- writing the state --------------------------------------------------------------------------


class ProtectedCase:
    """Like the app's model: `state` can only be written through its own setter."""

    def __init__(self, state):
        self._state = state
        self.paused_from = None

    @property
    def state(self):
        return self._state


def test_state_is_written_through_set_state_when_given():
    writes = []

    def set_state(subject, state):
        writes.append(state)
        subject._state = state

    case = ProtectedCase("exploring")
    fire(CASE, case, "pause", role="flatcoach", arguments={"reason": "ill"}, set_state=set_state)
    assert (case.state, case.paused_from, writes) == ("paused", "exploring", ["paused"])


def test_failing_state_write_leaves_the_subject_unchanged():
    def set_state(subject, state):
        raise RuntimeError("column is protected")

    case = ProtectedCase("exploring")
    with pytest.raises(RuntimeError, match="protected"):
        fire(CASE, case, "pause", role="flatcoach", arguments={"reason": "ill"}, set_state=set_state)
    assert (case.state, case.paused_from) == ("exploring", None)

    case = ProtectedCase("paused")
    case.paused_from = "referred"
    with pytest.raises(RuntimeError):
        fire(CASE, case, "resume", role="flatcoach", set_state=set_state)
    assert (case.state, case.paused_from) == ("paused", "referred")


def test_a_raising_guard_leaves_the_subject_unchanged():
    def broken(subject, arguments):
        raise ConnectionError("database went away")

    case = Subject("exploring")
    with pytest.raises(ConnectionError):
        fire(CASE, case, "formulate_question", role="flatcoach", guards={"help_question_complete": broken})
    assert case == Subject("exploring")


def test_fired_transition_keeps_a_read_only_copy_of_the_arguments():
    arguments = {"reason": "holiday"}
    fired = fire(CASE, Subject("exploring"), "pause", role="flatcoach", arguments=arguments)
    arguments["reason"] = "changed"
    assert fired.arguments == {"reason": "holiday"}
    with pytest.raises(TypeError):
        fired.arguments["reason"] = "again"  # type: ignore[index]


# --- allowed triggers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("workflow", "state", "role", "expected"),
    [
        (CASE, "contacted", "flatcoach", ["start_exploring", "pause", "close"]),
        (CASE, "question_formulated", "flatcoach", ["revise_question", "pause", "close"]),
        (CASE, "question_formulated", "system", ["refer", "close_erased"]),
        (CASE, "referred", "system", ["start_support", "referral_failed", "close_erased"]),
        (CASE, "paused", "flatcoach", ["resume", "close"]),
        (CASE, "closed", "flatcoach", ["reopen"]),
        (CASE, "exploring", "professional", []),
        (HANDOVER, "offered", "professional", ["accept", "decline"]),
        (HANDOVER, "offered", "flatcoach", ["withdraw"]),
        (HANDOVER, "intro_scheduled", "professional", ["reschedule_intro", "record_intro"]),
        (HANDOVER, "completed", "flatcoach", []),
        (CONSENT, "given", "privacy_officer", ["withdraw", "revoke"]),
        (CONSENT, "given", "system", ["withdraw", "expire"]),
        (CONSENT, "requested", "system", ["refuse"]),
        (MATCH, "agreed", "flatcoach", ["record_meeting", "decline"]),
    ],
)
def test_allowed_triggers(workflow, state, role, expected):
    assert allowed_triggers(workflow, state, role) == expected
    anonymised = allowed_triggers(workflow, state, role, anonymised=True)
    assert anonymised == (expected if role == "system" else [])


# --- no references, threads, speed -----------------------------------------------------------------


class Row:
    """A subject that can be weakly referenced, as ORM rows can."""

    def __init__(self, state):
        self.state = state
        self.paused_from = None


def test_ten_thousand_firings_leave_no_references_behind():
    rows = [Row("exploring") for _ in range(10_000)]
    references = [weakref.ref(row) for row in rows]
    for row in rows:
        fire_ok(CASE, row, "pause", reason="holiday")

    assert all(row.state == "paused" for row in rows)
    assert all(vars(row).keys() == {"state", "paused_from"} for row in rows)  # nothing attached
    assert machine_for(CASE).models == []
    del rows, row
    gc.collect()
    assert not any(reference() for reference in references)


def test_concurrent_firings_do_not_mix_up_subjects():
    def pause_and_resume(state):
        cases = [Subject(state) for _ in range(500)]
        for case in cases:
            fire_ok(CASE, case, "pause", reason="holiday")
        for case in cases:
            fire_ok(CASE, case, "resume")
        return {case.state for case in cases}

    states = list(CASE_PAUSABLE_STATES) * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(pause_and_resume, states))
    assert results == [{state} for state in states]
    assert machine_for(CASE).models == []
