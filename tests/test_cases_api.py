"""The case as a state machine over HTTP: every trigger of DOMAIN.md with its guards, and
every refusal answered with the one error shape — leaving the case exactly as it was."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.cases.models import Case
from app.db import db, utcnow
from app.privacy.operations import anonymise
from tests import factories
from tests.writes import nothing_written

CASES = "/api/v1/cases"
CLOSE_OUTCOMES = ["help_started", "no_help_needed", "connected", "declined", "moved",
                  "unreachable"]


def english(api):
    api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return api


@pytest.fixture
def coach(as_user, world):
    return english(as_user(world.coach))


def make_case(world, state="contacted", **kwargs):
    case = factories.create_case(world.resident, world.coach, state, **kwargs)
    db.session.commit()
    return case


def fire(api, case_id, trigger, version, **arguments):
    return api.post(f"{CASES}/{case_id}/transitions",
                    json={"trigger": trigger, "version": version, **arguments})


def transitions_of(object_id) -> list[AuditEvent]:
    return list(db.session.execute(
        select(AuditEvent)
        .where(AuditEvent.event_type == "transition", AuditEvent.object_id == str(object_id))
        .order_by(AuditEvent.seq)
    ).scalars())


def snapshot(case_id) -> tuple[str, int, int]:
    """What a refused request must leave untouched: state, version and the transition log."""
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    count = db.session.execute(
        select(func.count()).select_from(AuditEvent)
        .where(AuditEvent.event_type == "transition", AuditEvent.object_id == str(case_id))
    ).scalar_one()
    return case.state, case.version, count


def assert_error(response, code, message=None, **errors):
    status = {403: "Forbidden", 404: "Not Found", 409: "Conflict",
              422: "Unprocessable Entity"}[code]
    assert response.status_code == code, response.json
    body = response.json
    assert (body["code"], body["status"]) == (code, status)
    if message is not None:
        assert body["message"] == message
    for field, value in errors.items():
        assert body["errors"][field] == value, body
    return body


# --- opening, listing, reading ----------------------------------------------------------------

def test_coach_opens_a_case_in_state_contacted(coach, world):
    response = coach.post(CASES, json={"resident_id": str(world.resident.id)})
    assert response.status_code == 201, response.json
    body = response.json
    assert uuid.UUID(body["id"])
    assert (body["state"], body["version"], body["paused_from"]) == ("contacted", 1, None)
    assert body["allowed_triggers"] == ["start_exploring", "pause", "close"]
    assert (body["resident_id"], body["coach_id"]) == (str(world.resident.id), world.coach.id)
    assert (body["help_question"], body["handovers"], body["outcome"]) == (None, [], None)
    assert transitions_of(body["id"]) == []  # opening is no transition: contacted is initial


@pytest.mark.parametrize("resident", ["other_resident", "unknown"])
def test_case_for_resident_outside_the_coachs_buildings_is_not_found(coach, world, resident):
    resident_id = world.other_resident.id if resident == "other_resident" else uuid.uuid4()
    before = db.session.execute(select(func.count(Case.id))).scalar_one()
    with nothing_written():
        response = coach.post(CASES, json={"resident_id": str(resident_id)})
    assert_error(response, 404, "Not found.")
    assert db.session.execute(select(func.count(Case.id))).scalar_one() == before


@pytest.mark.parametrize("payload", [{}, {"resident_id": "Fatima"}, {"resident_id": None}])
def test_case_needs_a_resident_id(coach, world, payload):
    with nothing_written():
        body = assert_error(coach.post(CASES, json=payload), 422)
    assert "resident_id" in body["errors"]


def test_case_of_an_anonymised_resident_is_refused(coach, world):
    anonymise(world.resident, utcnow())
    db.session.commit()
    with nothing_written():
        assert_error(coach.post(CASES, json={"resident_id": str(world.resident.id)}), 422,
                     "This resident has been anonymised.")


@pytest.mark.parametrize("role", ["professional", "privacy_officer", "coordinator"])
def test_only_coaches_work_with_cases(as_user, world, role):
    case = make_case(world)
    api = english(as_user(world.user(role)))
    forbidden = {"code": 403, "status": "Forbidden",
                 "message": "Your role does not allow this action.", "errors": {}}
    with nothing_written():
        responses = (
            api.post(CASES, json={"resident_id": str(world.resident.id)}),
            api.get(CASES),
            api.get(f"{CASES}/{case.id}"),
            api.put(f"{CASES}/{case.id}/help-question", json=factories.HELP_QUESTION),
            fire(api, case.id, "start_exploring", 1),
        )
    for response in responses:
        assert response.status_code == 403
        assert response.json == forbidden
    assert snapshot(case.id) == ("contacted", 1, 0)


def test_other_coach_does_not_see_the_case(as_user, world):
    case = make_case(world, "exploring")
    other = english(as_user(world.other_coach))
    with nothing_written():
        listed = other.get(CASES)
        responses = (
            other.get(f"{CASES}/{case.id}"),
            other.put(f"{CASES}/{case.id}/help-question", json=factories.HELP_QUESTION),
            fire(other, case.id, "pause", 2, reason="Op reis."),
        )
    assert listed.json == []
    for response in responses:
        assert_error(response, 404, "Not found.")
    assert snapshot(case.id) == ("exploring", 2, 1)


def test_unknown_case_is_not_found(coach, world):
    with nothing_written():
        assert_error(coach.get(f"{CASES}/{uuid.uuid4()}"), 404, "Not found.")
        assert_error(coach.get(f"{CASES}/not-a-uuid"), 404)  # no such route


def test_list_filters_by_state_and_paginates(coach, world):
    contacted = [make_case(world) for _ in range(3)]
    exploring = make_case(world, "exploring")
    factories.create_case(world.other_resident, world.other_coach, "exploring")
    db.session.commit()

    first = coach.get(f"{CASES}?page=1&page_size=2")
    assert first.status_code == 200
    assert len(first.json) == 2
    assert json.loads(first.headers["X-Pagination"]) == {
        "total": 4, "total_pages": 2, "first_page": 1, "last_page": 2, "page": 1, "next_page": 2}
    second = coach.get(f"{CASES}?page=2&page_size=2")
    assert json.loads(second.headers["X-Pagination"])["page"] == 2
    listed = {c["id"] for c in first.json + second.json}
    assert listed == {str(c.id) for c in [*contacted, exploring]}
    assert set(first.json[0]) == {"id", "resident_id", "resident_name", "state", "version",
                                  "opened_at"}

    filtered = coach.get(f"{CASES}?state=exploring")
    assert [c["id"] for c in filtered.json] == [str(exploring.id)]
    assert json.loads(filtered.headers["X-Pagination"])["total"] == 1
    assert coach.get(f"{CASES}?state=closed").json == []


def test_list_refuses_an_unknown_state(coach, world):
    with nothing_written():
        body = assert_error(coach.get(f"{CASES}?state=lost"), 422)
    assert "state" in body["errors"]["query"]


@pytest.mark.parametrize(("state", "allowed"), [
    ("contacted", ["start_exploring", "pause", "close"]),
    ("exploring", ["formulate_question", "pause", "close"]),
    ("question_formulated", ["revise_question", "pause", "close"]),
    ("referred", ["pause", "close"]),
    ("supported", ["new_question", "pause", "close"]),
    ("paused", ["resume", "close"]),
    ("closed", ["reopen"]),
])
def test_read_shows_the_triggers_the_coach_may_fire(coach, world, state, allowed):
    case = make_case(world, state, organization=world.buurtteam, professional=world.professional)
    body = coach.get(f"{CASES}/{case.id}").json
    assert (body["state"], body["allowed_triggers"]) == (state, allowed)


def test_read_includes_help_question_and_handovers(coach, world):
    case = make_case(world, "referred", organization=world.buurtteam)
    body = coach.get(f"{CASES}/{case.id}").json
    assert body["help_question"]["themes"] == ["finances", "daily_administration"]
    assert body["help_question"]["text"] == factories.HELP_QUESTION["text"]
    [handover] = body["handovers"]
    assert (handover["state"], handover["organization"]) == ("offered", world.buurtteam.name)


# --- the help question ------------------------------------------------------------------------

def test_help_question_is_written_and_rewritten(coach, world):
    case = make_case(world, "exploring")
    url = f"{CASES}/{case.id}/help-question"
    first = coach.put(url, json={"text": "  Ik wil Nederlands leren.  ", "themes": ["language"]})
    assert first.status_code == 200, first.json
    question = first.json["help_question"]
    assert (question["text"], question["themes"], question["urgency"]) == (
        "Ik wil Nederlands leren.", ["language"], "normal")
    second = coach.put(url, json={"text": "Ik wil werk vinden.",
                                  "themes": ["work_income", "language"], "urgency": "high"})
    question = second.json["help_question"]
    assert (question["themes"], question["urgency"]) == (["work_income", "language"], "high")
    assert second.json["state"] == "exploring"  # writing it is no transition


INVALID_HELP_QUESTIONS = [
    ({"themes": ["finances"]}, "text"),
    ({"text": "ab", "themes": ["finances"]}, "text"),
    ({"text": "Ik kom niet rond."}, "themes"),
    ({"text": "Ik kom niet rond.", "themes": []}, "themes"),
    ({"text": "Ik kom niet rond.", "themes": ["money"]}, "themes"),
    ({"text": "Ik kom niet rond.", "themes": "finances"}, "themes"),
    ({"text": "Ik kom niet rond.", "themes": ["finances"], "urgency": "asap"}, "urgency"),
    ({"text": "Mijn BSN is 111222333.", "themes": ["finances"]}, "text"),
]


def test_help_question_validation(coach, world):
    case = make_case(world, "exploring")
    with nothing_written():
        for payload, field in INVALID_HELP_QUESTIONS:
            response = coach.put(f"{CASES}/{case.id}/help-question", json=payload)
            body = assert_error(response, 422)
            assert list(body["errors"]) == [field], payload
    assert coach.get(f"{CASES}/{case.id}").json["help_question"] is None


def test_help_question_of_a_closed_case_is_refused(coach, world):
    case = make_case(world, "closed")
    with nothing_written():
        assert_error(coach.put(f"{CASES}/{case.id}/help-question",
                               json=factories.HELP_QUESTION),
                     422, "The case is closed; reopen it to change the help question.")


# --- every trigger ----------------------------------------------------------------------------

def test_the_coach_walks_the_case_from_contacted_to_question_formulated(coach, world):
    case_id = coach.post(CASES, json={"resident_id": str(world.resident.id)}).json["id"]

    response = fire(coach, case_id, "start_exploring", 1)
    assert response.status_code == 200, response.json
    assert (response.json["state"], response.json["version"]) == ("exploring", 2)
    assert response.json["allowed_triggers"] == ["formulate_question", "pause", "close"]

    coach.put(f"{CASES}/{case_id}/help-question", json=factories.HELP_QUESTION)
    response = fire(coach, case_id, "formulate_question", 2)
    assert (response.json["state"], response.json["version"]) == ("question_formulated", 3)

    response = fire(coach, case_id, "revise_question", 3)
    assert (response.json["state"], response.json["version"]) == ("exploring", 4)
    response = fire(coach, case_id, "formulate_question", 4)
    assert response.json["state"] == "question_formulated"

    log = [(e.trigger, e.from_state, e.to_state) for e in transitions_of(case_id)]
    assert log == [
        ("start_exploring", "contacted", "exploring"),
        ("formulate_question", "exploring", "question_formulated"),
        ("revise_question", "question_formulated", "exploring"),
        ("formulate_question", "exploring", "question_formulated"),
    ]


@pytest.mark.parametrize("help_question", [None, "incomplete"])
def test_formulate_question_needs_a_complete_help_question(coach, world, help_question):
    case = make_case(world, "exploring")
    if help_question == "incomplete":
        # Stored without a theme (as an older client might have); the guard still refuses.
        from app.cases.operations import set_help_question

        set_help_question(world.coach, case, {"text": "Iets met geld.", "themes": []})
        db.session.commit()
    before = snapshot(case.id)
    with nothing_written():
        response = fire(coach, case.id, "formulate_question", case.version)
    message = ("Write the help question with the resident first: text and at least one theme.")
    assert_error(response, 422, message, trigger=[message],
                 allowed_triggers=["formulate_question", "pause", "close"])
    assert snapshot(case.id) == before


@pytest.mark.parametrize("from_state", ["contacted", "exploring", "question_formulated",
                                        "referred", "supported"])
def test_pause_remembers_the_state_and_resume_returns_there(coach, world, from_state):
    case = make_case(world, from_state, organization=world.buurtteam,
                     professional=world.professional)
    version = case.version
    paused = fire(coach, case.id, "pause", version, reason="Opgenomen in het ziekenhuis.")
    assert paused.status_code == 200, paused.json
    assert (paused.json["state"], paused.json["paused_from"]) == ("paused", from_state)
    assert paused.json["allowed_triggers"] == ["resume", "close"]
    resumed = fire(coach, case.id, "resume", version + 1)
    assert resumed.status_code == 200, resumed.json
    assert (resumed.json["state"], resumed.json["paused_from"]) == (from_state, None)
    pause_event, resume_event = transitions_of(case.id)[-2:]
    assert (pause_event.trigger, pause_event.from_state, pause_event.to_state) == (
        "pause", from_state, "paused")
    assert pause_event.arguments == {"reason": "Opgenomen in het ziekenhuis."}
    assert (resume_event.trigger, resume_event.from_state, resume_event.to_state) == (
        "resume", "paused", from_state)


def test_pause_requires_a_reason(coach, world):
    case = make_case(world, "exploring")
    before = snapshot(case.id)
    message = "'reason' is missing or invalid for 'pause': 'reason' is required for 'pause'."
    for arguments in ({}, {"reason": ""}, {"reason": "   "}):
        with nothing_written():
            response = fire(coach, case.id, "pause", 2, **arguments)
        assert_error(response, 422, message,
                     reason=[message], allowed_triggers=["formulate_question", "pause", "close"])
        assert snapshot(case.id) == before


@pytest.mark.parametrize("outcome", CLOSE_OUTCOMES)
def test_close_with_each_outcome(coach, world, outcome):
    case = make_case(world, "exploring")
    before = utcnow()
    response = fire(coach, case.id, "close", 2, outcome=outcome)
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["state"], body["outcome"], body["allowed_triggers"]) == (
        "closed", outcome, ["reopen"])
    assert before <= datetime.fromisoformat(body["closed_at"]) <= utcnow()
    assert transitions_of(case.id)[-1].details == {"outcome": outcome}


def test_close_needs_an_outcome_from_the_list(coach, world):
    case = make_case(world, "exploring")
    before = snapshot(case.id)
    for outcome in (None, "", "solved", "HELP_STARTED"):
        arguments = {} if outcome is None else {"outcome": outcome}
        with nothing_written():
            body = assert_error(fire(coach, case.id, "close", 2, **arguments), 422)
        assert list(body["errors"]) == ["outcome", "allowed_triggers"]
        if outcome in ("solved", "HELP_STARTED"):
            assert body["message"] == (
                "'outcome' is missing or invalid for 'close': 'outcome' must be one of: "
                + ", ".join(CLOSE_OUTCOMES) + ".")
        assert snapshot(case.id) == before


@pytest.mark.parametrize("handover_state", ["draft", "awaiting_consent", "offered", "accepted",
                                            "intro_scheduled", "intro_held"])
def test_close_is_refused_while_a_handover_is_active(coach, world, handover_state):
    case = make_case(world, "question_formulated")
    factories.create_handover(case, world.coach, world.buurtteam, state=handover_state,
                              professional=world.professional)
    db.session.commit()
    before = snapshot(case.id)
    message = (f"Handovers are still active: {world.buurtteam.name} ({handover_state}). "
               "Withdraw or finish them first.")
    with nothing_written():
        response = fire(coach, case.id, "close", before[1], outcome="connected")
    assert_error(response, 422, message, trigger=[message])
    assert snapshot(case.id) == before


def test_close_is_allowed_once_handovers_are_finished(coach, world):
    case = make_case(world, "supported", professional=world.professional)
    factories.create_handover(case, world.coach, world.schuldhulp, state="declined",
                              professional=world.other_professional)
    factories.create_handover(case, world.coach, world.schuldhulp, state="withdrawn")
    db.session.commit()
    response = fire(coach, case.id, "close", case.version, outcome="help_started")
    assert (response.status_code, response.json["state"]) == (200, "closed")


def test_close_names_every_active_handover(coach, world):
    case = make_case(world, "supported", professional=world.professional)
    factories.create_handover(case, world.coach, world.schuldhulp, state="offered")
    factories.create_handover(case, world.coach, world.welzijn, state="draft")
    db.session.commit()
    with nothing_written():
        body = assert_error(fire(coach, case.id, "close", case.version, outcome="connected"),
                            422)
    assert body["message"] == (
        f"Handovers are still active: {world.schuldhulp.name} (offered), "
        f"{world.welzijn.name} (draft). Withdraw or finish them first.")


def test_reopen_returns_a_closed_case_to_exploring(coach, world):
    case = make_case(world, "closed")
    response = fire(coach, case.id, "reopen", case.version)
    assert response.status_code == 200
    body = response.json
    assert (body["state"], body["outcome"], body["closed_at"]) == ("exploring", None, None)


@pytest.mark.parametrize("trigger", ["reopen", "start_exploring", "close", "refer"])
def test_nothing_is_fired_after_anonymisation(coach, world, trigger):
    case = make_case(world, "closed")
    anonymise(world.resident, utcnow())
    db.session.commit()
    assert coach.get(f"{CASES}/{case.id}").json["allowed_triggers"] == []
    before = snapshot(case.id)
    message = "This resident has been anonymised: nothing here can change any more."
    with nothing_written():
        response = fire(coach, case.id, trigger, case.version, outcome="moved")
    assert_error(response, 422, message, trigger=[message], allowed_triggers=[])
    assert snapshot(case.id) == before


# --- refusals leave nothing changed -----------------------------------------------------------

@pytest.mark.parametrize("trigger", ["refer", "start_support", "referral_failed"])
def test_system_triggers_are_not_for_the_coach(coach, world, trigger):
    case = make_case(world, "question_formulated")
    before = snapshot(case.id)
    message = f"Your role cannot fire '{trigger}'."
    with nothing_written():
        response = fire(coach, case.id, trigger, case.version)
    assert_error(response, 403, message, trigger=[message],
                 allowed_triggers=["revise_question", "pause", "close"])
    assert snapshot(case.id) == before


BAD_REQUESTS = [
    # (description, payload, status, message, errors)
    ("unknown trigger", {"trigger": "escalate", "version": 2}, 422,
     "Unknown trigger. Possible now: formulate_question, pause, close.",
     {"allowed_triggers": ["formulate_question", "pause", "close"]}),
    ("not allowed now", {"trigger": "resume", "version": 2}, 422,
     "'resume' is not possible in state 'exploring'. Possible now: formulate_question, pause, "
     "close.",
     {"allowed_triggers": ["formulate_question", "pause", "close"]}),
    ("not allowed now", {"trigger": "reopen", "version": 2}, 422,
     "'reopen' is not possible in state 'exploring'. Possible now: formulate_question, pause, "
     "close.",
     {"allowed_triggers": ["formulate_question", "pause", "close"]}),
    ("missing argument", {"trigger": "close", "version": 2}, 422,
     "'outcome' is missing or invalid for 'close': 'outcome' is required for 'close'.",
     {"allowed_triggers": ["formulate_question", "pause", "close"]}),
    ("stale version", {"trigger": "pause", "version": 1, "reason": "Op reis."}, 409,
     "Someone else changed this in the meantime. Reload it and try again.",
     {"version": ["Stale version: reload and try again."]}),
    ("future version", {"trigger": "pause", "version": 3, "reason": "Op reis."}, 409,
     "Someone else changed this in the meantime. Reload it and try again.", {}),
    ("no version", {"trigger": "pause", "reason": "Op reis."}, 422, None,
     {"version": ["Missing data for required field."]}),
    ("version as text", {"trigger": "pause", "version": "2", "reason": "Op reis."}, 422, None,
     {"version": ["Not a valid integer."]}),
    ("no trigger", {"version": 2}, 422, None, {"trigger": ["Missing data for required field."]}),
    ("unknown argument", {"trigger": "pause", "version": 2, "reason": "x", "state": "closed"},
     422, None, {"state": ["Unknown field."]}),
    ("naive date", {"trigger": "pause", "version": 2, "reason": "x",
                    "intro_at": "2025-03-01T10:00:00"}, 422, None, {}),
]


def test_bad_transition_requests_change_nothing(coach, world):
    case = make_case(world, "exploring")
    before = snapshot(case.id)
    for description, payload, status, message, errors in BAD_REQUESTS:
        with nothing_written():
            response = coach.post(f"{CASES}/{case.id}/transitions", json=payload)
        assert response.status_code == status, description
        assert_error(response, status, message, **errors)
        assert snapshot(case.id) == before, description


def test_refused_trigger_message_names_the_trigger_allowed_for_this_caller(coach, world):
    case = make_case(world, "paused")
    with nothing_written():
        body = assert_error(fire(coach, case.id, "pause", case.version, reason="Nog eens."),
                            422)
    assert body["errors"]["allowed_triggers"] == ["resume", "close"]
    assert body["errors"]["trigger"] == [body["message"]]


def test_a_stale_read_loses_to_the_first_writer(coach, as_user, world):
    case = make_case(world, "exploring")
    second_tab = english(as_user(world.coach))
    assert fire(coach, case.id, "pause", 2, reason="Op vakantie.").status_code == 200
    with nothing_written():
        assert_error(fire(second_tab, case.id, "close", 2, outcome="moved"), 409)
    assert snapshot(case.id) == ("paused", 3, 2)


# --- the transition log -----------------------------------------------------------------------

def test_each_transition_is_logged_once_with_who_and_why(coach, world):
    case = make_case(world, "exploring")
    response = coach.post(f"{CASES}/{case.id}/transitions",
                          json={"trigger": "pause", "version": 2, "reason": "Op vakantie."},
                          headers={"X-Request-Id": "req-pause-1"})
    assert response.status_code == 200
    assert response.headers["X-Request-Id"] == "req-pause-1"
    start, pause = transitions_of(case.id)
    assert (start.trigger, start.from_state, start.to_state) == (
        "start_exploring", "contacted", "exploring")
    assert (pause.object_type, pause.trigger, pause.from_state, pause.to_state) == (
        "case", "pause", "exploring", "paused")
    assert (pause.actor_id, pause.actor_role) == (world.coach.id, "flatcoach")
    assert pause.request_id == "req-pause-1"
    assert pause.arguments == {"reason": "Op vakantie."}
