"""The load test's own arithmetic and judgement, on hand-made data: percentiles, the replay
that explains every object's state and version from its transition log, and the accounting
that matches transition events to the requests the client sent."""

from __future__ import annotations

import pytest

from bench.load_integrity import (
    Acknowledged,
    Baseline,
    LogEvent,
    StoredObject,
    account,
    explain,
    latency_summary,
    percentile,
)

# --- percentiles ------------------------------------------------------------------------------


def test_percentiles_are_nearest_rank_values_of_the_data():
    values = list(range(100, 0, -1))  # 1..100, unsorted
    assert [percentile(values, p) for p in (50, 95, 99, 100)] == [50, 95, 99, 100]
    assert percentile([0.2, 0.1, 0.3], 50) == 0.2
    assert percentile([0.25, 0.75], 50) == 0.25  # never interpolated
    assert percentile([7.0], 99) == 7.0


def test_a_high_percentile_of_few_values_is_the_largest():
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95) == 10


def test_no_values_have_no_percentile_and_p_must_be_sensible():
    assert percentile([], 50) is None
    for p in (0, -1, 101):
        with pytest.raises(ValueError, match="p must lie"):
            percentile([1.0], p)


def test_latency_summary_in_milliseconds():
    assert latency_summary([0.010, 0.020, 0.030, 0.040]) == {
        "p50_ms": 20.0, "p95_ms": 40.0, "p99_ms": 40.0, "max_ms": 40.0}
    assert latency_summary([]) == {"p50_ms": None, "p95_ms": None, "p99_ms": None,
                                   "max_ms": None}


# --- explaining states and versions from the log ----------------------------------------------

COACH, PROFESSIONAL = "flatcoach", "professional"


class Log:
    """Builds a transition log in order, one request id per person's action."""

    def __init__(self) -> None:
        self.events: list[LogEvent] = []

    def fire(self, object_type: str, object_id: str, trigger: str, from_state: str,
             to_state: str, role: str | None = COACH, request_id: str | None = None
             ) -> LogEvent:
        event = LogEvent(len(self.events) + 1, "transition", object_type, object_id, trigger,
                         from_state, to_state, role, request_id or f"r{len(self.events) + 1}")
        self.events.append(event)
        return event

    def note(self, event_type: str, object_type: str, object_id: str) -> None:
        self.events.append(LogEvent(len(self.events) + 1, event_type, object_type, object_id,
                                    actor_role=COACH, request_id=f"r{len(self.events) + 1}"))


def referred_case_with_accepted_handover() -> Log:
    log = Log()
    log.fire("case", "c1", "start_exploring", "contacted", "exploring")
    log.fire("case", "c1", "formulate_question", "exploring", "question_formulated")
    log.fire("consent", "k1", "give", "requested", "given")
    offer = log.fire("handover", "h1", "offer", "draft", "offered")
    log.fire("case", "c1", "refer", "question_formulated", "referred", role=None,
             request_id=offer.request_id)
    log.fire("handover", "h1", "accept", "offered", "accepted", role=PROFESSIONAL)
    return log


def stored(case=("referred", 4, None), handover=("accepted", 3), consent=("given", 2)):
    return [StoredObject("case", "c1", case[0], case[1], case[2]),
            StoredObject("handover", "h1", handover[0], handover[1], case_id="c1"),
            StoredObject("consent", "k1", consent[0], consent[1])]


def test_a_log_that_explains_every_object():
    result = explain(stored(), referred_case_with_accepted_handover().events)
    assert result.problems == []
    assert (result.objects, result.transitions) == (3, 6)
    assert result.version_after == {1: 2, 2: 3, 3: 2, 4: 2, 5: 4, 6: 3}


def test_a_state_changed_without_its_event_is_named():
    result = explain(stored(handover=("intro_scheduled", 4)),
                     referred_case_with_accepted_handover().events)
    assert result.problems == [
        "handover h1: stored state 'intro_scheduled', its log ends in 'accepted'",
        "handover h1: stored version 4, its log explains 3"]


def test_a_version_step_without_an_event_is_named_and_saved_notes_are_one():
    log = referred_case_with_accepted_handover()
    assert explain(stored(case=("referred", 5, None)), log.events).problems == [
        "case c1: stored version 5, its log explains 4"]
    log.note("case_notes_saved", "case", "c1")
    log.note("help_question_saved", "case", "c1")  # its own table: no step of the case
    assert explain(stored(case=("referred", 5, None)), log.events).problems == []


def test_an_event_that_does_not_follow_on_or_is_not_allowed_is_named():
    log = Log()
    log.fire("case", "c1", "start_exploring", "contacted", "exploring")
    log.fire("case", "c1", "formulate_question", "contacted", "question_formulated")
    log.fire("case", "c1", "refer", "question_formulated", "referred", role=COACH)
    problems = explain([StoredObject("case", "c1", "referred", 4)], log.events).problems
    assert problems == [
        "event 2: case c1 'formulate_question' logged from 'contacted' but the log had it in "
        "'exploring'",
        "event 3: case c1 'refer' fired by flatcoach, not allowed to"]


def test_a_transition_of_an_object_that_is_not_stored_is_named():
    log = Log()
    log.fire("consent", "gone", "give", "requested", "given")
    assert explain([], log.events).problems == [
        "event 1: consent gone has a transition but is not in the database"]


def test_resume_returns_to_the_remembered_state():
    log = Log()
    log.fire("case", "c1", "start_exploring", "contacted", "exploring")
    log.fire("case", "c1", "pause", "exploring", "paused")
    case = StoredObject("case", "c1", "paused", 3, paused_from="exploring")
    assert explain([case], log.events).problems == []
    log.fire("case", "c1", "resume", "paused", "question_formulated")
    problems = explain([StoredObject("case", "c1", "question_formulated", 4)], log.events).problems
    assert problems == ["event 3: case c1 'resume' logged to 'question_formulated', the workflow "
                        "leads to 'exploring'"]


def test_a_handover_completing_under_a_paused_case_moves_where_it_resumes_to():
    log = referred_case_with_accepted_handover()
    log.fire("case", "c1", "pause", "referred", "paused")
    log.fire("handover", "h1", "schedule_intro", "accepted", "intro_scheduled")
    log.fire("handover", "h1", "record_intro", "intro_scheduled", "intro_held")
    log.fire("handover", "h1", "complete", "intro_held", "completed", role=PROFESSIONAL)
    result = explain(stored(case=("paused", 6, "supported"), handover=("completed", 6)),
                     log.events)
    assert result.problems == []
    log.fire("case", "c1", "resume", "paused", "supported")
    assert explain(stored(case=("supported", 7, None), handover=("completed", 6)),
                   log.events).problems == []


def test_the_last_handover_ending_under_a_paused_case_means_resuming_before_the_referral():
    log = referred_case_with_accepted_handover()
    log.fire("case", "c1", "pause", "referred", "paused")
    log.fire("handover", "h1", "withdraw", "accepted", "withdrawn")
    result = explain(stored(case=("paused", 6, "question_formulated"), handover=("withdrawn", 4)),
                     log.events)
    assert result.problems == []


def test_replay_can_start_from_a_snapshot():
    log = Log()
    log.fire("handover", "h1", "accept", "offered", "accepted", role=PROFESSIONAL)
    handover = StoredObject("handover", "h1", "accepted", 5, case_id="c0")
    assert explain([handover], log.events,
                   {("handover", "h1"): Baseline("offered", 4)}).problems == []
    assert explain([handover], log.events).problems[0].startswith(
        "event 1: handover h1 'accept' logged from 'offered' but the log had it in 'draft'")


def test_states_alone_can_be_checked():
    log = referred_case_with_accepted_handover()
    result = explain(stored(handover=("accepted", 9)), log.events, check_versions=False)
    assert result.problems == []


# --- matching events to the client's requests ------------------------------------------------


def ok(event: LogEvent, version: int | None = None) -> Acknowledged:
    return Acknowledged(event.request_id or "", event.object_type or "", event.object_id or "",
                        event.trigger or "", 200, event.to_state, version)


def test_every_event_belongs_to_an_acknowledged_request_or_is_its_cascade():
    log = referred_case_with_accepted_handover()
    people = [e for e in log.events if not e.by_system]
    version_after = explain(stored(), log.events).version_after
    result = account(log.events, [ok(e, version_after[e.seq]) for e in people], version_after)
    assert result.problems == []
    assert (result.acknowledged, result.person_events, result.system_events,
            result.cascades_explained) == (5, 5, 1, 1)
    assert result.balance.startswith("5 transition events by people = 5 acknowledged + 0")


def test_an_acknowledged_transition_without_its_event_is_lost():
    log = Log()
    lost = Acknowledged("r9", "case", "c1", "start_exploring", 200, "exploring", 2)
    result = account(log.events, [lost])
    assert result.problems == ["case c1 'start_exploring' acknowledged (r9) but logged 0 times"]


def test_an_answer_that_differs_from_the_log_is_named():
    log = Log()
    event = log.fire("case", "c1", "start_exploring", "contacted", "exploring")
    answered = Acknowledged(event.request_id or "", "case", "c1", "start_exploring", 200,
                            "exploring", 3)
    assert account(log.events, [answered], {event.seq: 2}).problems == [
        "case c1 'start_exploring': answered version 3, the log explains 2"]


def test_a_refused_request_must_leave_nothing_but_a_lost_answer_may_have_applied():
    log = Log()
    refused = log.fire("case", "c1", "start_exploring", "contacted", "exploring")
    unanswered = log.fire("case", "c2", "start_exploring", "contacted", "exploring")
    failed = log.fire("case", "c3", "start_exploring", "contacted", "exploring")
    requests = [
        Acknowledged(refused.request_id or "", "case", "c1", "start_exploring", 409),
        Acknowledged(unanswered.request_id or "", "case", "c2", "start_exploring", None),
        Acknowledged("r-never", "case", "c4", "start_exploring", None),
        Acknowledged(failed.request_id or "", "case", "c3", "start_exploring", 500),
    ]
    result = account(log.events, requests)
    assert result.problems == ["case c1 'start_exploring' refused with 409 but applied"]
    assert (result.applied_without_answer, result.not_applied_without_answer,
            result.applied_despite_5xx) == (1, 1, 1)
    assert result.ambiguous == ["case 'start_exploring' no answer", "case 'start_exploring' 500"]


def test_events_nobody_asked_for_are_named():
    log = Log()
    log.fire("case", "c1", "start_exploring", "contacted", "exploring", request_id="elsewhere")
    log.fire("case", "c2", "refer", "question_formulated", "referred", role=None,
             request_id=None)
    assert account(log.events, []).problems == [
        "event 1: 'start_exploring' on case c1 belongs to no request of the client",
        "event 2: system 'refer' on case c2 is no cascade of a request"]
