"""The privacy officer's logs: the processing log and the audit events, filterable and
paginated, and the hash-chain verification over the API and the command line."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.audit.models import AuditEvent, ProcessingLogEntry
from app.db import db, utcnow
from app.handovers.operations import fire_handover
from tests import factories

ROLE_FORBIDDEN = {"code": 403, "status": "Forbidden",
                  "message": "Your role does not allow this action.", "errors": {}}


@pytest.fixture
def login(as_user: Any) -> Any:
    def make(user: Any) -> Any:
        api = as_user(user)
        api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return api

    return make


@pytest.fixture
def activity(world: Any, login: Any) -> dict[str, Any]:
    """Offers and reads for two residents, one denial, and an export."""
    started = utcnow()
    case = factories.create_formulated_case(world.resident, world.coach)
    consent = factories.create_consent_in_state(world.resident, world.coach, world.buurtteam,
                                                ["identity"])
    handover = factories.create_handover_in_state(case, world.coach, world.buurtteam,
                                                  ["identity"])
    refused = factories.create_handover_in_state(case, world.coach, world.buurtteam,
                                                 ["identity", "finances"], state="draft")
    other_case = factories.create_formulated_case(world.other_resident, world.other_coach)
    factories.create_consent_in_state(world.other_resident, world.other_coach,
                                      world.schuldhulp, ["finances"])
    factories.create_handover_in_state(other_case, world.other_coach, world.schuldhulp,
                                       ["finances"])
    db.session.commit()
    coach = login(world.coach)
    denied = coach.post(f"/api/v1/handovers/{refused.id}/transitions",
                        json={"trigger": "offer", "version": refused.version})
    assert denied.status_code == 422
    professional = login(world.professional)
    professional.get(f"/api/v1/handovers/{handover.id}")
    professional.get(f"/api/v1/handovers/{handover.id}")
    officer = login(world.privacy_officer)
    officer.get(f"/api/v1/residents/{world.resident.id}/export")
    return {"started": started, "officer": officer, "consent": consent, "handover": handover,
            "refused": refused}


def page(api: Any, url: str, **query: Any) -> Any:
    response = api.get(url, query_string=query)
    assert response.status_code == 200, response.json
    return response


def actions(response: Any) -> list[tuple[str, str]]:
    return [(e["action"], e["decision"]) for e in response.json]


# --- the processing log ---------------------------------------------------------------------


def since(activity: dict[str, Any]) -> dict[str, str]:
    """Only this test's entries (the database may hold others' committed entries)."""
    return {"from": activity["started"].isoformat()}


def test_processing_log_lists_everything_newest_first(activity):
    response = page(activity["officer"], "/api/v1/audit/processing-log", **since(activity))
    assert actions(response) == [
        ("export", "allowed"), ("read_handover", "allowed"), ("read_handover", "allowed"),
        ("offer_handover", "denied"), ("offer_handover", "allowed"),
        ("offer_handover", "allowed")]
    seqs = [e["seq"] for e in response.json]
    assert seqs == sorted(seqs, reverse=True)
    export = response.json[0]
    assert export["processing_activity"] == "data_subject_request"
    assert export["legal_basis"] == "legal_obligation"
    assert len(export["hash"]) == 64


def test_processing_log_filters_by_resident(activity, world):
    mine = page(activity["officer"], "/api/v1/audit/processing-log",
                resident_id=str(world.resident.id))
    assert {e["data_subject_id"] for e in mine.json} == {str(world.resident.id)}
    assert len(mine.json) == 5
    theirs = page(activity["officer"], "/api/v1/audit/processing-log",
                  resident_id=str(world.other_resident.id))
    assert actions(theirs) == [("offer_handover", "allowed")]


def test_processing_log_filters_by_action_and_decision(activity):
    officer = activity["officer"]
    reads = page(officer, "/api/v1/audit/processing-log", action="read_handover",
                 **since(activity))
    assert actions(reads) == [("read_handover", "allowed")] * 2
    denied = page(officer, "/api/v1/audit/processing-log", decision="denied",
                  **since(activity))
    assert actions(denied) == [("offer_handover", "denied")]
    assert denied.json[0]["object_id"] == str(activity["refused"].id)
    both = page(officer, "/api/v1/audit/processing-log", action="offer_handover",
                decision="allowed", **since(activity))
    assert len(both.json) == 2


def test_processing_log_filters_by_period(activity):
    officer = activity["officer"]
    started = activity["started"]
    url = "/api/v1/audit/processing-log"
    assert len(page(officer, url, **{"from": started.isoformat()}).json) == 6
    assert page(officer, url, **{"from": (utcnow() + timedelta(minutes=1)).isoformat()}).json == []
    assert page(officer, url, to=started.isoformat()).json == []
    assert len(page(officer, url, **{"from": started.isoformat(),
                                     "to": (utcnow() + timedelta(minutes=1)).isoformat()}
                    ).json) == 6


@pytest.mark.parametrize(("query", "errors"), [
    ({"decision": "maybe"}, {"query": {"decision": ["Must be one of: allowed, denied."]}}),
    ({"resident_id": "Fatima"}, {"query": {"resident_id": ["Not a valid UUID."]}}),
    ({"from": "2026-01-01T00:00:00"}, {"query": {"from": ["Not a valid aware datetime."]}}),
])
def test_bad_processing_log_filters_are_422(login, world, query, errors):
    response = login(world.privacy_officer).get("/api/v1/audit/processing-log",
                                                query_string=query)
    assert response.status_code == 422
    assert response.json["errors"] == errors


def test_processing_log_is_paginated(activity):
    officer = activity["officer"]
    first = page(officer, "/api/v1/audit/processing-log", page_size=4, **since(activity))
    second = page(officer, "/api/v1/audit/processing-log", page_size=4, page=2,
                  **since(activity))
    assert len(first.json) == 4
    assert len(second.json) == 2
    meta = json.loads(second.headers["X-Pagination"])
    assert meta == {"total": 6, "total_pages": 2, "first_page": 1, "last_page": 2, "page": 2,
                    "previous_page": 1}
    seqs = [e["seq"] for e in first.json + second.json]
    assert len(set(seqs)) == 6


# --- audit events ---------------------------------------------------------------------------


def test_audit_events_filter_by_type_object_actor_and_period(activity, world):
    officer = activity["officer"]
    consent = activity["consent"]
    url = "/api/v1/audit/events"
    history = page(officer, url, object_type="consent", object_id=str(consent.id))
    assert [(e["event_type"], e["trigger"], e["to_state"]) for e in history.json] == [
        ("transition", "give", "given"), ("consent_requested", None, None)]
    transitions = page(officer, url, event_type="transition")
    assert {e["event_type"] for e in transitions.json} == {"transition"}
    assert all(e["from_state"] and e["to_state"] for e in transitions.json)
    logins = page(officer, url, event_type="login_succeeded", actor_id=world.professional.id)
    assert [e["actor_id"] for e in logins.json] == [world.professional.id]
    assert page(officer, url, object_id=str(consent.id),
                to=activity["started"].isoformat()).json == []
    everything = page(officer, url, page_size=3)
    assert json.loads(everything.headers["X-Pagination"])["total"] == db.session.execute(
        select(func.count()).select_from(AuditEvent)).scalar()


@pytest.mark.parametrize("path", ["/api/v1/audit/processing-log", "/api/v1/audit/events",
                                  "/api/v1/audit/verify"])
@pytest.mark.parametrize("role", ["flatcoach", "professional", "coordinator"])
def test_only_the_privacy_officer_reads_the_logs(login, world, role, path):
    response = login(world.user(role)).get(path)
    assert response.status_code == 403
    assert response.json == ROLE_FORBIDDEN


def test_the_logs_need_authentication(client):
    response = client.get("/api/v1/audit/processing-log")
    assert response.status_code == 401


# --- verification ---------------------------------------------------------------------------


def test_verify_reports_every_log_intact(activity):
    response = activity["officer"].get("/api/v1/audit/verify")
    assert response.status_code == 200
    audit_count = db.session.execute(select(func.count()).select_from(AuditEvent)).scalar()
    log_count = db.session.execute(
        select(func.count()).select_from(ProcessingLogEntry)).scalar()
    assert response.json == {"valid": True, "logs": [
        {"log": "audit_events", "valid": True, "entries": audit_count, "first_invalid": None,
         "reason": None},
        {"log": "processing_log", "valid": True, "entries": log_count, "first_invalid": None,
         "reason": None},
    ], "checkpoints": None}  # no checkpoints are kept here (see test_checkpoints.py)


def test_verify_command_exits_0_when_intact(app: Flask, activity):
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    audit_count = db.session.execute(select(func.count()).select_from(AuditEvent)).scalar()
    log_count = db.session.execute(
        select(func.count()).select_from(ProcessingLogEntry)).scalar()
    assert result.exit_code == 0, result.output
    assert result.output == (f"audit_events: intact, {audit_count} entries\n"
                             f"processing_log: intact, {log_count} entries\n")


def test_later_activity_extends_the_chain(login, world, activity):
    handover = activity["handover"]
    fire_handover(handover, "accept", world.professional, {})
    db.session.commit()
    login(world.professional).get(f"/api/v1/handovers/{handover.id}")
    assert activity["officer"].get("/api/v1/audit/verify").json["valid"] is True
