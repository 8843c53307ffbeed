"""The workflows as published (`/api/v1/workflows`) and as lived: a resident's long path through
the API leaves a transition log that replays to every object's current state."""

from __future__ import annotations

import uuid
from collections import defaultdict

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases.models import Case
from app.consent.models import Consent
from app.db import db
from app.handovers.models import Handover
from tests import factories
from workflows import WORKFLOWS
from workflows.case import CASE_STATES

WORKFLOWS_URL = "/api/v1/workflows"


# --- the published definitions ----------------------------------------------------------------

@pytest.mark.parametrize("role", ["flatcoach", "professional", "privacy_officer", "coordinator"])
def test_everyone_reads_the_workflows(as_user, world, role):
    response = as_user(world.user(role)).get(WORKFLOWS_URL)
    assert response.status_code == 200
    assert [w["name"] for w in response.json] == ["case", "handover", "consent", "match"]


def test_workflows_need_authentication(api):
    assert api.get(WORKFLOWS_URL).status_code == 401
    assert api.get(f"{WORKFLOWS_URL}/case").status_code == 401


def test_the_case_workflow_as_data(as_user, world):
    body = as_user(world.coach).get(f"{WORKFLOWS_URL}/case").json
    assert body["name"] == "case"
    assert [s["name"] for s in body["states"]] == list(CASE_STATES)
    assert [s["name"] for s in body["states"] if s["initial"]] == ["contacted"]
    assert [s["name"] for s in body["states"] if s["final"]] == ["closed"]
    transitions = {t["trigger"]: t for t in body["transitions"]}
    assert list(transitions) == ["start_exploring", "formulate_question", "revise_question",
                                 "refer", "start_support", "referral_failed", "new_question",
                                 "pause", "resume", "close", "close_erased", "reopen"]
    assert (transitions["new_question"]["from"], transitions["new_question"]["to"],
            transitions["new_question"]["roles"]) == (["supported"], "exploring", ["flatcoach"])
    assert [(t["name"], t["state"]) for t in body["timers"]] == [("check_in_due", "supported")]
    assert (transitions["refer"]["from"], transitions["refer"]["to"],
            transitions["refer"]["roles"]) == (["question_formulated"], "referred", ["system"])
    assert [g["name"] for g in transitions["formulate_question"]["guards"]] == [
        "help_question_complete"]
    close = transitions["close"]
    assert close["required"] == ["outcome"]
    assert close["allowed_values"] == {"outcome": ["help_started", "no_help_needed",
                                                   "connected", "declined", "moved",
                                                   "unreachable"]}
    assert [g["name"] for g in close["guards"]] == ["no_active_handover"]
    assert transitions["pause"]["required"] == ["reason"]
    resume = transitions["resume"]
    assert resume["to"] is None
    assert set(resume["returns_to"]) == {"contacted", "exploring", "question_formulated",
                                         "referred", "supported"}


def test_the_handover_workflow_names_its_timers_and_roles(as_user, world):
    body = as_user(world.professional).get(f"{WORKFLOWS_URL}/handover").json
    transitions = {t["trigger"]: t for t in body["transitions"]}
    assert transitions["accept"]["roles"] == ["professional"]
    assert transitions["withdraw"]["roles"] == ["flatcoach", "system"]
    assert transitions["schedule_intro"]["required"] == ["intro_at", "place"]
    assert [g["name"] for g in transitions["offer"]["guards"]] == ["disclosure_allowed"]
    assert {t["name"]: t["state"] for t in body["timers"]} == {
        "remind_unanswered_offer": "offered", "escalate_unanswered_offer": "offered",
        "remind_unrecorded_intro": "intro_scheduled"}


@pytest.mark.parametrize("name", ["case", "handover", "consent", "match"])
def test_each_workflow_as_a_mermaid_diagram(as_user, world, name):
    response = as_user(world.coach).get(f"{WORKFLOWS_URL}/{name}?format=mermaid")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert text.startswith("stateDiagram-v2\n")
    assert f"    [*] --> {WORKFLOWS[name].initial}\n" in text


def test_the_case_diagram_shows_every_edge(as_user, world):
    text = as_user(world.coach).get(f"{WORKFLOWS_URL}/case?format=mermaid").get_data(as_text=True)
    for edge in ("question_formulated --> referred: refer",
                 "referred --> question_formulated: referral_failed",
                 "paused --> supported: resume",
                 "closed --> exploring: reopen",
                 "closed --> [*]"):
        assert f"    {edge}\n" in text


def test_json_is_the_default_format(as_user, world):
    coach = as_user(world.coach)
    assert coach.get(f"{WORKFLOWS_URL}/consent?format=json").json == coach.get(
        f"{WORKFLOWS_URL}/consent").json


def test_unknown_workflow_is_not_found(as_user, world):
    coach = as_user(world.coach)
    coach.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = coach.get(f"{WORKFLOWS_URL}/traject")
    assert response.status_code == 404
    assert response.json == {"code": 404, "status": "Not Found", "message": "Unknown workflow.",
                             "errors": {}}
    assert coach.get(f"{WORKFLOWS_URL}/traject?format=mermaid").status_code == 404


def test_unknown_format_is_refused(as_user, world):
    response = as_user(world.coach).get(f"{WORKFLOWS_URL}/case?format=svg")
    assert response.status_code == 422
    assert "format" in response.json["errors"]["query"]


# --- the transition log of a long path --------------------------------------------------------

class Path:
    """A resident's path driven through the API, one request per step."""

    def __init__(self, as_user, world):
        self.world = world
        self.coach = as_user(world.coach)
        self.buurtteam = as_user(world.professional)
        self.schuldhulp = as_user(world.other_professional)
        self.requests = 0

    def _ok(self, response, status=200):
        assert response.status_code == status, response.json
        return response.json

    def case(self, case_id, trigger, **arguments):
        version = self.coach.get(f"/api/v1/cases/{case_id}").json["version"]
        self.requests += 1
        return self._ok(self.coach.post(f"/api/v1/cases/{case_id}/transitions",
                                        json={"trigger": trigger, "version": version,
                                              **arguments}))

    def handover(self, api, handover_id, trigger, **arguments):
        version = api.get(f"/api/v1/handovers/{handover_id}").json["version"]
        self.requests += 1
        return self._ok(api.post(f"/api/v1/handovers/{handover_id}/transitions",
                                 json={"trigger": trigger, "version": version, **arguments}))

    def consent(self, organization, categories):
        consent = self._ok(self.coach.post(
            f"/api/v1/residents/{self.world.resident.id}/consents",
            json={"purpose": "warm_handover", "recipient_organization_id": organization.id,
                  "data_categories": categories}), 201)
        self.requests += 1
        return self._ok(self.coach.post(f"/api/v1/consents/{consent['id']}/transitions",
                                        json={"trigger": "give", "version": 1,
                                              "method": "verbal", "notice_version": "2025-01"}))

    def prepare(self, case_id, organization, categories):
        return self._ok(self.coach.post(f"/api/v1/cases/{case_id}/handovers", json={
            "organization_id": organization.id, "purpose": "warm_handover",
            "data_categories": categories}), 201)


def replay(events) -> dict[str, str]:
    """Fold the log: every event leaves its object where the next one picks it up."""
    current: dict[str, str] = {}
    for event in events:
        workflow = WORKFLOWS[event.object_type]
        state = current.get(event.object_id, workflow.initial)
        assert event.from_state == state, (event.object_type, event.trigger, state)
        transition = workflow.get(event.trigger)
        assert state in transition.sources
        assert event.to_state == transition.dest or (
            transition.dest is None and event.to_state in workflow.returns_to(transition))
        assert (event.actor_role or "system") in transition.roles
        current[event.object_id] = event.to_state
    return current


def test_the_log_replays_a_long_path_to_every_current_state(as_user, world):
    path = Path(as_user, world)
    w = world
    visit = path._ok(path.coach.post("/api/v1/visits", json={
        "dwelling_id": w.dwelling.id, "outcome": "talked", "resident_id": str(w.resident.id),
        "open_case": True, "themes": ["finances", "loneliness"], "willingness": 2}), 201)
    case_id = visit["case_id"]

    path.case(case_id, "start_exploring")
    path.case(case_id, "pause", reason="Naar familie in Marokko.")
    path.case(case_id, "resume")
    path._ok(path.coach.put(f"/api/v1/cases/{case_id}/help-question",
                            json=factories.HELP_QUESTION))
    path.case(case_id, "formulate_question")
    path.case(case_id, "revise_question")
    path.case(case_id, "formulate_question")

    # First need: the buurtteam cannot take it on.
    path.consent(w.buurtteam, ["identity", "contact", "help_question"])
    first = path.prepare(case_id, w.buurtteam, ["identity", "contact", "help_question"])
    path.handover(path.coach, first["id"], "offer")
    path.handover(path.buurtteam, first["id"], "decline", decline_reason="no_capacity",
                  reason="Wachtlijst.")

    # Schuldhulp does, through a warm introduction.
    debt_consent = path.consent(w.schuldhulp, ["identity", "contact", "finances"])
    second = path.prepare(case_id, w.schuldhulp, ["identity", "contact", "finances"])
    path.handover(path.coach, second["id"], "offer")
    path.case(case_id, "pause", reason="Ziekenhuisopname.")
    path.handover(path.schuldhulp, second["id"], "accept")
    path.handover(path.schuldhulp, second["id"], "schedule_intro",
                  intro_at="2031-05-01T10:00:00+02:00", place="Buurtkamer")
    path.handover(path.coach, second["id"], "record_intro")
    path.handover(path.schuldhulp, second["id"], "complete")
    assert path.case(case_id, "resume")["state"] == "supported"

    # A second need, whose consent the resident withdraws again.
    third = path.prepare(case_id, w.buurtteam, ["identity", "contact"])
    path.handover(path.coach, third["id"], "offer")
    buurtteam_consent = path.coach.get(f"/api/v1/handovers/{third['id']}").json["consent_id"]
    version = path.coach.get(f"/api/v1/consents/{buurtteam_consent}").json["version"]
    path.requests += 1
    path._ok(path.coach.post(f"/api/v1/consents/{buurtteam_consent}/transitions", json={
        "trigger": "withdraw", "version": version, "reason": "Wil het zelf regelen."}))

    path.case(case_id, "close", outcome="help_started")
    path.case(case_id, "reopen")
    final = path.case(case_id, "close", outcome="connected")
    assert final["state"] == "closed"

    objects = {
        case_id: ("case", Case),
        first["id"]: ("handover", Handover),
        second["id"]: ("handover", Handover),
        third["id"]: ("handover", Handover),
        debt_consent["id"]: ("consent", Consent),
        buurtteam_consent: ("consent", Consent),
    }
    events = list(db.session.execute(
        select(AuditEvent).where(AuditEvent.event_type == "transition",
                                 AuditEvent.object_id.in_(objects))
        .order_by(AuditEvent.seq)
    ).scalars())
    replayed = replay(events)
    db.session.expire_all()
    for object_id, (object_type, model) in objects.items():
        current = db.session.get(model, uuid.UUID(object_id))
        assert replayed[object_id] == current.state, object_type
    assert {object_id: replayed[object_id] for object_id in objects} == {
        case_id: "closed", first["id"]: "declined", second["id"]: "completed",
        third["id"]: "withdrawn", debt_consent["id"]: "given", buurtteam_consent: "withdrawn",
    }

    case_log = [(e.trigger, e.actor_role) for e in events if e.object_id == case_id]
    assert case_log == [
        ("start_exploring", "flatcoach"), ("pause", "flatcoach"), ("resume", "flatcoach"),
        ("formulate_question", "flatcoach"), ("revise_question", "flatcoach"),
        ("formulate_question", "flatcoach"),
        ("refer", None), ("referral_failed", None),
        ("refer", None), ("pause", "flatcoach"), ("resume", "flatcoach"),
        ("close", "flatcoach"), ("reopen", "flatcoach"), ("close", "flatcoach"),
    ]
    # The paused case was helped meanwhile: it resumed where help stands, not where it left.
    resume = [e for e in events if e.object_id == case_id and e.trigger == "resume"][-1]
    assert (resume.from_state, resume.to_state) == ("paused", "supported")

    # One event per requested transition, plus the system's cascades — each in its request.
    cascades = [e for e in events if e.actor_role is None]
    assert [(e.object_type, e.trigger) for e in cascades] == [
        ("case", "refer"), ("case", "referral_failed"), ("case", "refer"),
        ("handover", "withdraw")]
    assert len(events) == path.requests + len(cascades)
    by_request = defaultdict(list)
    for event in events:
        assert event.request_id
        by_request[event.request_id].append(event)
    for cascade in cascades:
        caused_by = [e for e in by_request[cascade.request_id] if e.actor_role is not None]
        assert len(caused_by) == 1 and caused_by[0].seq < cascade.seq
    withdrawn = next(e for e in cascades if e.object_type == "handover")
    assert withdrawn.arguments == {"reason": "consent withdraw"}
    close_events = [e for e in events if e.trigger == "close"]
    assert [e.details for e in close_events] == [{"outcome": "help_started"},
                                                 {"outcome": "connected"}]
