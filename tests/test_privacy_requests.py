"""Data subject requests (export, erasure) and retention: the privacy officer's tools."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.audit import chain
from app.audit.logs import CHAINED_LOGS
from app.audit.models import AuditEvent, ProcessingLogEntry
from app.cases.operations import fire_case, open_case
from app.db import db, utcnow
from app.handovers.models import SafetyDisclosure
from app.handovers.operations import conclude_review, make_safety_disclosure
from app.privacy.operations import run_retention
from app.visits.operations import record_visit
from tests import factories

ROLE_FORBIDDEN = {"code": 403, "status": "Forbidden",
                  "message": "Your role does not allow this action.", "errors": {}}
NAME, PHONE = "Wilhelmina Oosterbroek-Zaim", "06-24681357"
PERSONAL = {
    "name": NAME,
    "phone": PHONE,
    "help question": "Ik wil hulp bij het aanvragen van huurtoeslag",
    "visit notes": "Gesprek bij de deur over het trappenhuis",
    "finances notes": "Schuld bij de woningcorporatie",
    "health notes": "Loopt moeilijk sinds de operatie",
    "coach notes": "Spreekt met Wilhelmina af op dinsdag",
    "handover note": "Graag bellen in de ochtend",
}


@pytest.fixture
def login(as_user: Any) -> Any:
    def make(user: Any) -> Any:
        api = as_user(user)
        api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return api

    return make


@pytest.fixture
def history(world: Any) -> dict[str, Any]:
    """A resident with a visit, a case with notes, a consent given and withdrawn, a second
    consent given, and a handover offered under it."""
    resident = world.resident
    resident.display_name = NAME
    resident.phone = PHONE
    record_visit(world.coach, world.dwelling, {
        "resident_id": resident.id, "outcome": "talked", "themes": ["housing"],
        "notes": PERSONAL["visit notes"]})
    case = factories.create_formulated_case(resident, world.coach,
                                            text=PERSONAL["help question"])
    case.finances_notes = PERSONAL["finances notes"]
    case.health_notes = PERSONAL["health notes"]
    case.coach_notes = PERSONAL["coach notes"]
    withdrawn = factories.create_consent_in_state(resident, world.coach, world.schuldhulp,
                                                  ["finances"], state="withdrawn")
    consent = factories.create_consent_in_state(resident, world.coach, world.buurtteam,
                                                ["identity", "contact", "health"])
    handover = factories.create_handover_in_state(case, world.coach, world.buurtteam,
                                                  ["identity", "contact", "health"],
                                                  consent=consent)
    handover.note = PERSONAL["handover note"]
    db.session.commit()
    return {"case": case, "consent": consent, "withdrawn": withdrawn, "handover": handover}


def log_entries(action: str, subject: Any) -> list[ProcessingLogEntry]:
    return list(db.session.execute(
        select(ProcessingLogEntry).where(ProcessingLogEntry.action == action,
                                         ProcessingLogEntry.data_subject_id == str(subject.id))
        .order_by(ProcessingLogEntry.seq)).scalars())


def whole_database() -> str:
    """Every row of every table, as text."""
    rows = []
    for table in db.metadata.sorted_tables:
        rows.extend(dict(row._mapping) for row in db.session.execute(select(table)))
    return json.dumps(rows, default=str, ensure_ascii=False)


# --- export (GDPR Art. 15) ------------------------------------------------------------------


def test_export_holds_all_data_and_the_processing_log(login, world, history):
    login(world.professional).get(f"/api/v1/handovers/{history['handover'].id}")

    response = login(world.privacy_officer).get(f"/api/v1/residents/{world.resident.id}/export")

    assert response.status_code == 200
    body = response.json
    assert body["legal_basis"] == "GDPR Art. 15 (right of access)"
    assert body["resident"]["id"] == str(world.resident.id)
    assert (body["resident"]["display_name"], body["resident"]["phone"]) == (NAME, PHONE)
    assert body["resident"]["address"]["postcode"] == world.dwelling.postcode
    assert [v["notes"] for v in body["visits"]] == [PERSONAL["visit notes"]]
    [case] = body["cases"]
    assert case["help_question"]["text"] == PERSONAL["help question"]
    assert case["notes"]["health_notes"] == PERSONAL["health notes"]
    assert [(h["id"], h["state"], h["note"]) for h in case["handovers"]] == [
        (str(history["handover"].id), "offered", PERSONAL["handover note"])]
    consents = {c["id"]: c for c in body["consents"]}
    assert set(consents) == {str(history["consent"].id), str(history["withdrawn"].id)}
    withdrawn = consents[str(history["withdrawn"].id)]
    assert [e["trigger"] for e in withdrawn["history"]] == ["request", "give", "withdraw"]
    assert withdrawn["state"] == "withdrawn"
    assert [(e["action"], e["decision"]) for e in body["processing_log"]] == [
        ("offer_handover", "allowed"), ("read_handover", "allowed"), ("export", "allowed")]
    offer = body["processing_log"][0]
    assert offer["processing_activity"] == "warm_handover"
    assert offer["legal_basis"] == "consent"
    assert offer["purpose"].startswith("Introduce the resident")


def test_the_export_is_itself_logged(login, world, history):
    login(world.privacy_officer).get(f"/api/v1/residents/{world.resident.id}/export")
    [entry] = log_entries("export", world.resident)
    assert entry.decision == "allowed"
    assert entry.processing_activity == "data_subject_request"
    assert entry.legal_basis == "legal_obligation"
    assert entry.data_subject_id == str(world.resident.id)
    assert entry.actor_id == world.privacy_officer.id
    assert len(entry.categories) == 9


@pytest.mark.parametrize("role", ["flatcoach", "professional", "coordinator"])
def test_only_the_privacy_officer_exports_and_erases(login, world, role):
    api = login(world.user(role))
    assert api.get(f"/api/v1/residents/{world.resident.id}/export").json == ROLE_FORBIDDEN
    erase = api.post(f"/api/v1/residents/{world.resident.id}/erasure")
    assert erase.status_code == 403
    assert erase.json == ROLE_FORBIDDEN
    assert log_entries("export", world.resident) == []


def test_unknown_resident_is_404(login, world):
    officer = login(world.privacy_officer)
    unknown = "/api/v1/residents/00000000-0000-0000-0000-000000000000"
    assert officer.get(f"{unknown}/export").status_code == 404
    assert officer.post(f"{unknown}/erasure").status_code == 404


# --- erasure (GDPR Art. 17) -----------------------------------------------------------------


def test_erasure_anonymises_everywhere_and_keeps_the_logs_verifiable(login, world, history):
    assert NAME in whole_database()
    officer = login(world.privacy_officer)

    response = officer.post(f"/api/v1/residents/{world.resident.id}/erasure")

    assert response.status_code == 200
    assert response.json["resident_id"] == str(world.resident.id)
    assert response.json["anonymised"] is True
    everything = whole_database()
    for what, value in PERSONAL.items():
        assert value not in everything, f"{what} survived the erasure"
    assert "Wilhelmina" not in everything
    db.session.expire_all()
    assert world.resident.display_name == "Geanonimiseerd"
    assert world.resident.phone is None
    for model in CHAINED_LOGS:
        assert chain.verify(model).valid
    [entry] = log_entries("erase", world.resident)
    assert (entry.processing_activity, entry.legal_basis, entry.decision) == (
        "data_subject_request", "legal_obligation", "allowed")
    assert entry.data_subject_id == str(world.resident.id)
    assert db.session.execute(select(AuditEvent).where(
        AuditEvent.event_type == "resident_erased")).scalar_one().object_id == str(
        world.resident.id)
    export = officer.get(f"/api/v1/residents/{world.resident.id}/export").get_data(as_text=True)
    professional = login(world.professional).get(
        f"/api/v1/handovers/{history['handover'].id}").get_data(as_text=True)
    for value in PERSONAL.values():
        assert value not in export
        assert value not in professional


def test_erasing_twice_changes_nothing_more(login, world, history):
    officer = login(world.privacy_officer)
    first = officer.post(f"/api/v1/residents/{world.resident.id}/erasure")
    second = officer.post(f"/api/v1/residents/{world.resident.id}/erasure")
    assert second.status_code == 200
    assert second.json == first.json
    assert len(log_entries("erase", world.resident)) == 1


def test_a_legal_hold_refuses_erasure(login, world, history):
    world.resident.legal_hold_reason = "lopende procedure bij de kantonrechter"
    db.session.commit()

    response = login(world.privacy_officer).post(f"/api/v1/residents/{world.resident.id}/erasure")

    hold = "a legal hold applies: lopende procedure bij de kantonrechter"
    assert response.status_code == 422
    assert response.json == {"code": 422, "status": "Unprocessable Entity",
                             "message": f"Not erased: {hold}.",
                             "errors": {"legal_hold": [f"Not erased: {hold}."]}}
    db.session.expire_all()
    assert world.resident.display_name == NAME
    assert world.resident.anonymised_at is None
    assert log_entries("erase", world.resident) == []


def test_a_pending_safety_review_refuses_erasure_until_concluded(login, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    handover = factories.create_handover_in_state(case, world.coach, world.buurtteam,
                                                  ["safety"], state="draft")
    disclosure = make_safety_disclosure(world.coach, handover, {
        "justification": "Acuut gevaar door huiselijk geweld, buurtteam moet vandaag handelen.",
        "legal_basis": "vital_interest"})
    db.session.commit()
    officer = login(world.privacy_officer)

    response = officer.post(f"/api/v1/residents/{world.resident.id}/erasure")

    reason = "a safety disclosure about this resident awaits the privacy officer's review"
    assert response.status_code == 422
    assert response.json["message"] == f"Not erased: {reason}."
    assert response.json["errors"] == {"legal_hold": [f"Not erased: {reason}."]}

    conclude_review(world.privacy_officer, disclosure, "Gerechtvaardigd, acuut gevaar.", True)
    db.session.commit()
    assert officer.post(f"/api/v1/residents/{world.resident.id}/erasure").status_code == 200
    db.session.expire_all()
    assert db.session.get(SafetyDisclosure, disclosure.id).justification == ""


# --- retention ------------------------------------------------------------------------------


def _closed_case(resident: Any, coach: Any, days_ago: int) -> Any:
    case = open_case(coach, resident)
    fire_case(case, "close", coach, {"outcome": "help_started"})
    case.closed_at = utcnow() - timedelta(days=days_ago)
    return case


@pytest.fixture
def aged(world: Any) -> dict[str, Any]:
    """Residents whose cases closed long ago, recently, or who still have an open case."""
    past = world.resident
    open_too = factories.create_resident(world.dwelling, display_name="Open Zaak")
    recent = factories.create_resident(world.dwelling, display_name="Recent Gesloten")
    held = factories.create_resident(world.dwelling, display_name="Onder Bewaring",
                                     legal_hold_reason="bewaarplicht rechtszaak")
    _closed_case(past, world.coach, days_ago=731)
    _closed_case(open_too, world.coach, days_ago=900)
    open_case(world.coach, open_too)
    _closed_case(recent, world.coach, days_ago=100)
    _closed_case(held, world.coach, days_ago=1000)
    db.session.commit()
    return {"past": past, "open_too": open_too, "recent": recent, "held": held}


def test_retention_anonymises_residents_whose_cases_closed_over_two_years_ago(world, aged):
    now = utcnow()
    report = run_retention(now=now)

    assert report.anonymised_residents == [str(aged["past"].id)]
    assert report.held == [str(aged["held"].id)]
    db.session.expire_all()
    assert aged["past"].display_name == "Geanonimiseerd"
    assert aged["past"].anonymised_at == now
    assert aged["open_too"].display_name == "Open Zaak"
    assert aged["recent"].display_name == "Recent Gesloten"
    assert aged["held"].display_name == "Onder Bewaring"
    [entry] = log_entries("anonymise", aged["past"])
    assert log_entries("anonymise", aged["held"]) == []
    assert entry.processing_activity == "case_support"
    assert entry.actor_role == "system"
    assert entry.reasons == ["retention of case_support ended"]
    for model in CHAINED_LOGS:
        assert chain.verify(model).valid
    assert run_retention(now=utcnow()).anonymised_residents == []  # idempotent


def test_retention_command_prints_what_it_did(app: Flask, world, aged):
    result = app.test_cli_runner().invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "anonymised 1 resident(s) past retention\n"
        "kept 1 resident(s) under a legal hold\n"
        "cleared the notes of 0 visit(s) without a case, older than a year\n")
    db.session.expire_all()
    assert aged["past"].display_name == "Geanonimiseerd"


def test_free_text_of_transitions_stays_out_of_the_log_and_is_erased(ctx, world):
    """A reason typed by a coach may name people: the chained log keeps only its digest,
    erasure blanks the text, and the chain still verifies."""
    import hashlib

    from app.audit import chain
    from app.audit.models import AuditEvent, TransitionNote
    from app.cases.operations import fire_case, open_case
    from app.privacy.operations import erase

    reason = "Mevrouw Jansen van 3-hoog is opgenomen"
    case = open_case(world.coach, world.resident)
    fire_case(case, "pause", world.coach, {"reason": reason})
    db.session.flush()
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.object_id == str(case.id),
                                 AuditEvent.trigger == "pause")
    ).scalar_one()
    assert reason not in str(event.details)
    assert event.details["reason_sha256"] == hashlib.sha256(reason.encode()).hexdigest()
    assert event.arguments["reason"] == reason

    before = utcnow()
    erase(world.privacy_officer, world.resident)
    db.session.flush()
    note = db.session.execute(
        select(TransitionNote).where(TransitionNote.event_seq == event.seq)
    ).scalar_one()
    assert note.text == ""
    assert before <= note.erased_at <= utcnow()
    assert chain.verify(AuditEvent).valid
