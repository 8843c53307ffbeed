"""DOMAIN.md "Rules the software enforces", one test each: every test fails when its rule
is broken. The detailed behaviour is specified in test_disclosure_gateway, test_minimisation,
test_safety_disclosure, test_audit_logs, test_tamper and test_privacy_requests."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from werkzeug.routing import IntegerConverter, UUIDConverter

from app.audit.models import ProcessingLogEntry
from app.cases.operations import fire_case, open_case
from app.consent import gateway
from app.db import db, utcnow
from app.privacy.operations import run_retention
from app.residents.models import Resident
from tests import factories

NAME, PHONE = "Saïda Vermeulen-Oukili", "06-55501234"
# URL arguments that are not ids: a workflow's name, a locale, static files.
NOT_PERSONAL = ("/workflows/<name>", "/language/<code>",
                "/insights/<panel>/csv", "/insight/<panel>.csv",  # panel ids of insight
                "/password/<token>")  # a signed one-time link: a user id and a hash, no name


@pytest.fixture
def login(as_user: Any) -> Any:
    def make(user: Any) -> Any:
        api = as_user(user)
        api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return api

    return make


def log(after: int = 0) -> list[ProcessingLogEntry]:
    return list(db.session.execute(select(ProcessingLogEntry).where(
        ProcessingLogEntry.seq > after).order_by(ProcessingLogEntry.seq)).scalars())


def last_seq() -> int:
    entries = log()
    return entries[-1].seq if entries else 0


def offered(world: Any, categories: list[str], consent_categories: list[str] | None = None,
            state: str = "offered") -> tuple[Any, Any]:
    case = factories.create_formulated_case(world.resident, world.coach)
    consent = factories.create_consent_in_state(case.resident, world.coach, world.buurtteam,
                                                consent_categories or categories)
    handover = factories.create_handover_in_state(case, world.coach, world.buurtteam,
                                                  categories, state=state)
    db.session.commit()
    return consent, handover


def test_rule_1_every_disclosure_is_one_decision_logged_allowed_or_denied(
        login, world, monkeypatch):
    decisions = []

    def counted(request: Any) -> Any:
        decisions.append(request.action)
        return decide(request)

    decide = gateway.decide
    monkeypatch.setattr(gateway, "decide", counted)
    consent, handover = offered(world, ["identity"], state="draft")
    coach, professional = login(world.coach), login(world.professional)
    start = last_seq()
    coach.post(f"/api/v1/handovers/{handover.id}/transitions",
               json={"trigger": "offer", "version": handover.version})
    professional.get(f"/api/v1/handovers/{handover.id}")
    coach.post(f"/api/v1/consents/{consent.id}/transitions",
               json={"trigger": "withdraw", "version": consent.version, "reason": "stopt"})
    professional.get(f"/api/v1/handovers/{handover.id}")
    login(world.privacy_officer).get(f"/api/v1/residents/{world.resident.id}/export")

    assert decisions == ["offer_handover", "read_handover", "read_handover", "export"]
    assert [(e.action, e.decision, e.processing_activity, e.legal_basis, e.consent_id)
            for e in log(start)] == [
        ("offer_handover", "allowed", "warm_handover", "consent", str(consent.id)),
        ("read_handover", "allowed", "warm_handover", "consent", str(consent.id)),
        ("read_handover", "denied", "warm_handover", None, None),
        ("export", "allowed", "data_subject_request", "legal_obligation", None),
    ]
    assert {e.data_subject_id for e in log(start)} == {str(world.resident.id)}


def test_rule_2_a_professional_sees_only_consented_categories_of_offered_handovers(
        login, world):
    _consent, handover = offered(world, ["identity"])
    _consent, draft = offered(world, ["identity"], state="draft")
    handover.case.health_notes = "Gezondheid: alleen voor de coach"
    db.session.commit()
    professional = login(world.professional)

    assert professional.get(f"/api/v1/residents/{world.resident.id}").status_code == 404
    assert professional.get(f"/api/v1/handovers/{draft.id}").status_code == 404
    assert login(world.other_professional).get(
        f"/api/v1/handovers/{handover.id}").status_code == 404
    response = professional.get(f"/api/v1/handovers/{handover.id}")
    assert response.json["resident"] == {"identity": {
        "display_name": world.resident.display_name, "age_band": "65-79"}}
    assert "alleen voor de coach" not in response.get_data(as_text=True)


def test_rule_3_a_share_without_consent_is_only_a_reviewed_safety_disclosure(login, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    handover = factories.create_handover_in_state(case, world.coach, world.buurtteam,
                                                  ["safety"], state="draft")
    db.session.commit()
    coach = login(world.coach)
    url = f"/api/v1/handovers/{handover.id}"
    justification = "De bewoner is in acuut gevaar door geweld thuis en vraagt om hulp."

    assert coach.post(f"{url}/transitions",
                      json={"trigger": "offer", "version": handover.version}).status_code == 422
    assert coach.post(f"{url}/safety-disclosure", json={
        "justification": justification, "legal_basis": "legitimate_interest"}).status_code == 422
    assert coach.post(f"{url}/safety-disclosure", json={"justification": "gevaar",
                                                        "legal_basis": "vital_interest"}
                      ).status_code == 422
    made = coach.post(f"{url}/safety-disclosure", json={
        "justification": justification, "legal_basis": "vital_interest"})
    assert made.status_code == 201
    db.session.refresh(handover)
    assert coach.post(f"{url}/transitions",
                      json={"trigger": "offer", "version": handover.version}).status_code == 200
    queue = login(world.privacy_officer).get("/api/v1/audit/reviews?page_size=100").json
    assert made.json["id"] in [r["id"] for r in queue]


def test_rule_4_logs_are_append_only_tamper_evident_and_verifiable(login, world, table_owner):
    offered(world, ["identity"])
    officer = login(world.privacy_officer)
    assert officer.get("/api/v1/audit/verify").json["valid"] is True
    assert login(world.coach).get("/api/v1/audit/verify").status_code == 403
    statement = text("UPDATE processing_log SET decision = 'denied' WHERE seq = 1")
    with table_owner():
        if db.session.get_bind().dialect.name == "postgresql":
            with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
                db.session.execute(statement)
            db.session.execute(text(
                "ALTER TABLE processing_log DISABLE TRIGGER processing_log_append_only"))
        db.session.execute(statement)
    db.session.commit()

    body = officer.get("/api/v1/audit/verify").json
    assert body["valid"] is False
    assert body["logs"][1]["first_invalid"] == 1


def test_rule_5_retention_and_erasure_anonymise_unless_held_and_are_logged(login, world):
    case = open_case(world.coach, world.resident)
    fire_case(case, "close", world.coach, {"outcome": "no_help_needed"})
    case.closed_at = utcnow() - timedelta(days=731)
    held = factories.create_resident(world.other_dwelling, display_name="Bewaard Dossier",
                                     legal_hold_reason="bewaarplicht")
    db.session.commit()
    start = last_seq()

    assert run_retention().anonymised_residents == [str(world.resident.id)]
    officer = login(world.privacy_officer)
    refused = officer.post(f"/api/v1/residents/{held.id}/erasure")
    erased = officer.post(f"/api/v1/residents/{world.other_resident.id}/erasure")

    assert refused.status_code == 422
    assert erased.status_code == 200
    db.session.expire_all()
    assert (world.resident.display_name, held.display_name, world.other_resident.display_name) \
        == ("Geanonimiseerd", "Bewaard Dossier", "Geanonimiseerd")
    assert [(e.action, e.data_subject_id) for e in log(start)] == [
        ("anonymise", str(world.resident.id)), ("erase", str(world.other_resident.id))]


# --- rule 6: no personal data in URLs, application logs or error messages -------------------


def test_rule_6_urls_carry_ids_never_names(app: Flask):
    for rule in app.url_map.iter_rules():
        for argument, converter in rule._converters.items():
            if rule.rule.endswith(NOT_PERSONAL) or (
                    argument == "filename" and ("static" in rule.rule or "assets" in rule.rule)):
                continue
            assert isinstance(converter, UUIDConverter | IntegerConverter), (rule, argument)
    personal = {"name", "display_name", "phone", "email", "birth_year", "address", "street",
                "postcode", "text", "notes", "q", "search", "bsn"}
    spec = app.test_client().get("/api/openapi.json").json
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) \
                    else operation:
                if parameter["in"] == "query":
                    assert parameter["name"] not in personal, (path, parameter["name"])


def test_rule_6_application_logs_never_carry_names_or_phones(login, world, caplog):
    caplog.set_level(logging.DEBUG)
    coach = login(world.coach)
    resident = coach.post("/api/v1/residents", json={
        "dwelling_id": world.dwelling.id, "display_name": NAME, "phone": PHONE}).json
    coach.post("/api/v1/visits", json={"dwelling_id": world.dwelling.id, "outcome": "talked",
                                       "resident_id": resident["id"], "open_case": True,
                                       "notes": f"{NAME} belt terug op {PHONE}"})
    case = coach.get("/api/v1/cases").json[0]
    coach.post(f"/api/v1/cases/{case['id']}/transitions",
               json={"trigger": "pause", "version": case["version"]})
    coach.put(f"/api/v1/cases/{case['id']}/help-question",
              json={"text": f"{NAME} BSN 111222333", "themes": ["housing"]})
    coach.post(f"/api/v1/cases/{case['id']}/transitions",
               json={"trigger": "start_exploring", "version": case["version"]})
    coach.put(f"/api/v1/cases/{case['id']}/help-question",
              json={"text": f"{NAME} zoekt werk", "themes": ["work_income"]})
    case = coach.get(f"/api/v1/cases/{case['id']}").json
    coach.post(f"/api/v1/cases/{case['id']}/transitions",
               json={"trigger": "formulate_question", "version": case["version"]})
    coach.post(f"/api/v1/residents/{resident['id']}/consents", json={
        "purpose": "warm_handover", "recipient_organization_id": world.buurtteam.id,
        "data_categories": [NAME]})
    consent = coach.post(f"/api/v1/residents/{resident['id']}/consents", json={
        "purpose": "warm_handover", "recipient_organization_id": world.buurtteam.id,
        "data_categories": ["identity", "contact"]}).json
    coach.post(f"/api/v1/consents/{consent['id']}/transitions", json={
        "trigger": "give", "version": consent["version"], "method": "verbal",
        "notice_version": "v1"})
    handover = coach.post(f"/api/v1/cases/{case['id']}/handovers", json={
        "organization_id": world.buurtteam.id, "purpose": "warm_handover",
        "data_categories": ["identity", "contact"], "note": f"Bel {PHONE}"}).json
    coach.post(f"/api/v1/handovers/{handover['id']}/transitions",
               json={"trigger": "offer", "version": handover["version"]})
    seen = login(world.professional).get(f"/api/v1/handovers/{handover['id']}").json
    assert seen["resident"]["identity"]["display_name"] == NAME
    login(world.professional).get(f"/api/v1/residents/{resident['id']}")
    officer = login(world.privacy_officer)
    officer.get(f"/api/v1/residents/{resident['id']}/export")
    officer.post(f"/api/v1/residents/{resident['id']}/erasure")

    assert NAME not in caplog.text
    assert PHONE not in caplog.text
    assert "111222333" not in caplog.text
    # What a failing statement would write to the log carries no bound values.
    with pytest.raises(DBAPIError) as failed, db.session.begin_nested():
        db.session.add(Resident(dwelling_id=987654, display_name=NAME, phone=PHONE))
        db.session.flush()
    assert NAME not in str(failed.value)
    assert PHONE not in str(failed.value)


@pytest.mark.parametrize(("method", "url", "body"), [
    ("POST", "/api/v1/residents", {"display_name": NAME, "phone": f"{NAME} {PHONE}"}),
    ("POST", "/api/v1/residents", {"display_name": NAME * 6, "phone": PHONE}),
    ("POST", "/api/v1/residents", {"display_name": f"{NAME} 111222333"}),
    ("POST", "/api/v1/visits", {"outcome": "talked", "notes": f"{NAME}, BSN 111222333"}),
    ("POST", "/api/v1/visits", {"outcome": NAME, "themes": [PHONE]}),
    ("POST", "/api/v1/residents/{resident}/consents",
     {"purpose": NAME, "recipient_organization_id": 1, "data_categories": [PHONE]}),
    ("POST", "/api/v1/residents/{resident}/consents", {"purpose": "warm_handover",
                                                        "recipient_organization_id": PHONE,
                                                        "data_categories": ["identity"]}),
    ("POST", "/api/v1/consents/{consent}/transitions", {"trigger": NAME, "version": 1}),
    ("POST", "/api/v1/consents/{consent}/transitions",
     {"trigger": "give", "version": 1, "method": NAME, "notice_version": PHONE}),
    ("GET", "/api/v1/residents/{other}", None),
    ("GET", "/api/v1/residents/{resident}/export", None),
])
def test_rule_6_error_messages_never_echo_personal_data(login, world, method, url, body):
    world.resident.display_name = NAME
    world.other_resident.display_name = NAME
    consent = factories.create_consent_in_state(world.resident, world.coach, world.buurtteam,
                                                ["identity"], state="requested")
    db.session.commit()
    if body is not None and method == "POST" and "dwelling_id" not in body \
            and url.endswith(("residents", "visits")):
        body = {"dwelling_id": world.dwelling.id, **body}
    response = login(world.coach).request(
        method, url.format(resident=world.resident.id, other=world.other_resident.id,
                           consent=consent.id), json=body)

    assert 400 <= response.status_code < 500
    answer = response.get_data(as_text=True)
    assert set(response.json) == {"code", "status", "message", "errors"}
    for value in (NAME, "Vermeulen", PHONE, "111222333"):
        assert value not in answer
