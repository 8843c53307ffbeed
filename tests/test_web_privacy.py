"""The privacy officer's pages: consent register, processing log and audit log (filters,
pages, CSV), verifying the logs, the safety-disclosure review queue, and data subject
requests (export, erasure with confirmation)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent, ProcessingLogEntry
from app.db import db, utcnow
from app.handovers.models import SafetyDisclosure
from app.handovers.operations import make_safety_disclosure
from tests import factories
from tests.web import login, text

JUSTIFICATION = ("De bewoner vertelde dat haar ex-partner haar bedreigt en vanavond terugkomt; "
                 "er is direct gevaar voor haar en de kinderen.")


@pytest.fixture
def officer(http_app, world):
    return login(http_app, world.privacy_officer)


@pytest.fixture
def shared(world):
    case = factories.create_formulated_case(world.resident, world.coach)
    handover = factories.create_handover(case, world.coach, world.buurtteam, state="offered")
    db.session.commit()
    return handover


@pytest.mark.parametrize("url", ["/", "/privacy/consents", "/privacy/processing-log",
                                 "/privacy/audit-events", "/privacy/verify", "/privacy/reviews",
                                 "/privacy/residents", "/workflows/consent"])
def test_privacy_pages_answer_200(officer, shared, url):
    assert officer.get(url).status_code == 200


def test_consent_register_and_csv(officer, shared, world):
    html = text(officer.get("/privacy/consents?state=given"))
    assert "Warme overdracht" in html and world.buurtteam.name in html
    assert world.resident.display_name not in html  # pseudonymous ids only
    response = officer.get("/privacy/consents.csv?state=given")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    lines = text(response).strip().splitlines()
    assert lines[0].startswith("id,resident_id,purpose")
    assert len(lines) == 2 and str(world.resident.id) in lines[1]


def test_processing_log_filters_pages_and_csv(officer, shared, world):
    html = text(officer.get("/privacy/processing-log?action=offer_handover"))
    assert "Overdracht aangeboden" in html and world.buurtteam.name in html
    assert "Geen regels bij deze filters." in text(
        officer.get("/privacy/processing-log?decision=denied"))
    # Odd filters never cause a 500.
    for query in ("resident_id=nonsense", "from=yesterday", "page=-3", "page=abc",
                  "decision=maybe"):
        assert officer.get(f"/privacy/processing-log?{query}").status_code == 200
    response = officer.get(f"/privacy/processing-log.csv?resident_id={world.resident.id}")
    rows = text(response).strip().splitlines()
    assert rows[0].split(",")[:3] == ["seq", "occurred_at", "action"]
    assert any("offer_handover" in row for row in rows[1:])
    exported = db.session.execute(select(AuditEvent).where(
        AuditEvent.event_type == "log_exported")).scalars().all()
    assert exported and exported[-1].details["log"] == "processing_log"


def test_audit_events_filter_and_csv(officer, shared):
    html = text(officer.get("/privacy/audit-events?event_type=transition&object_type=handover"))
    assert "Statuswijziging" in html and "Aanbieden" in html
    response = officer.get("/privacy/audit-events.csv?event_type=transition")
    assert response.status_code == 200 and "transition" in text(response)


def test_csv_cells_cannot_start_a_formula(officer, world):
    from app.web.pages import _cell

    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _cell(["a", "b"]) == "a b"


def test_verify_button_shows_the_result(officer, shared):
    response = officer.post("/privacy/verify")
    html = text(response)
    assert response.status_code == 200
    assert "Alle logboeken zijn intact." in html


def test_review_queue_conclude_with_finding(officer, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    handover = factories.create_handover(case, world.coach, world.schuldhulp)
    disclosure = make_safety_disclosure(world.coach, handover, {
        "justification": JUSTIFICATION, "legal_basis": "vital_interest"})
    db.session.commit()
    html = text(officer.get("/privacy/reviews"))
    assert JUSTIFICATION in html and "Vitaal belang" in html
    response = officer.post(f"/privacy/reviews/{disclosure.id}",
                            data={"justified": "no", "finding": "kort"})
    assert response.status_code == 422
    assert "Gebruik tussen 10 en 4000 tekens." in text(response)
    assert 'kort' in text(response)
    response = officer.post(f"/privacy/reviews/{disclosure.id}", data={
        "justified": "yes", "finding": "Acuut gevaar, delen was nodig en proportioneel."})
    assert response.status_code == 302
    db.session.refresh(disclosure)
    assert disclosure.review_status == "justified"
    again = officer.post(f"/privacy/reviews/{disclosure.id}", data={
        "justified": "no", "finding": "Toch niet terecht, achteraf bezien."})
    assert again.status_code == 422
    assert officer.post("/privacy/reviews/00000000-0000-0000-0000-000000000000",
                        data={}).status_code == 404


def test_export_downloads_json_and_is_logged(officer, shared, world):
    page = text(officer.get(f"/privacy/residents/{world.resident.id}"))
    assert world.resident.display_name in page
    response = officer.post(f"/privacy/residents/{world.resident.id}/export")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(text(response))
    assert data["resident"]["display_name"] == world.resident.display_name
    logged = db.session.execute(select(ProcessingLogEntry).where(
        ProcessingLogEntry.action == "export",
        ProcessingLogEntry.data_subject_id == str(world.resident.id))).scalars().all()
    assert len(logged) == 1


def test_search_is_by_post_and_finds_by_name(officer, world):
    response = officer.post("/privacy/residents", data={"query": "fatima"})
    assert response.status_code == 200
    assert f"/privacy/residents/{world.resident.id}" in text(response)
    assert officer.post("/privacy/residents", data={"query": ""}).status_code == 422


def test_erasure_needs_confirmation(officer, world):
    url = f"/privacy/residents/{world.resident.id}/erasure"
    assert "Nu verwijderen" in text(officer.get(url))
    response = officer.post(url, data={})
    assert response.status_code == 422
    assert "Vink aan om de verwijdering te bevestigen." in text(response)
    db.session.refresh(world.resident)
    assert world.resident.anonymised_at is None
    before = utcnow()
    response = officer.post(url, data={"confirm": "y"})
    assert response.status_code == 302
    db.session.refresh(world.resident)
    assert before <= world.resident.anonymised_at <= utcnow()
    assert world.resident.display_name == "Geanonimiseerd"


def test_erasure_waits_for_a_pending_review(officer, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    handover = factories.create_handover(case, world.coach, world.schuldhulp)
    make_safety_disclosure(world.coach, handover, {"justification": JUSTIFICATION,
                                                   "legal_basis": "vital_interest"})
    db.session.commit()
    response = officer.post(f"/privacy/residents/{world.resident.id}/erasure",
                            data={"confirm": "y"})
    assert response.status_code == 422
    assert "Niet gewist" in text(response)
    kept = db.session.execute(select(SafetyDisclosure)).scalar_one()
    assert (kept.handover_id, kept.review_status) == (handover.id, "pending")


@pytest.mark.parametrize("url", ["/today", "/buildings", "/admin/users", "/admin/escalations"])
def test_privacy_officer_is_forbidden_elsewhere(officer, url):
    assert officer.get(url).status_code == 403


def test_unknown_resident_is_404(officer):
    assert officer.get("/privacy/residents/00000000-0000-0000-0000-000000000000"
                       ).status_code == 404


def test_officer_revokes_consent_and_relying_handover_is_withdrawn(officer, shared, world):
    consent_id = shared.consent_id
    page = text(officer.get(f"/consents/{consent_id}"))
    assert "Ongeldig verklaren" in page
    assert world.resident.display_name not in page
    from app.consent.models import Consent

    consent = db.session.get(Consent, consent_id)
    response = officer.post(f"/consents/{consent_id}/transitions", data={
        "trigger": "revoke", "version": consent.version, "reason": "Per abuis vastgelegd."})
    assert response.status_code == 302
    db.session.refresh(shared)
    assert shared.state == "withdrawn"


def test_finding_a_resident_is_logged_as_processing(client, world):
    """The privacy officer sees name and address: that is a logged processing too."""
    from sqlalchemy import select

    from app.audit.models import ProcessingLogEntry
    from app.db import db
    from tests import factories

    client.post("/login", data={"email": world.privacy_officer.email,
                                "password": factories.PASSWORD})
    assert client.get(f"/privacy/residents/{world.resident.id}").status_code == 200
    entries = db.session.execute(
        select(ProcessingLogEntry).where(ProcessingLogEntry.action == "identify_requester",
                                         ProcessingLogEntry.data_subject_id
                                         == str(world.resident.id))
    ).scalars().all()
    assert [(e.decision, e.processing_activity, e.legal_basis) for e in entries] == [
        ("allowed", "data_subject_request", "legal_obligation")]
    assert sorted(entries[0].categories) == ["contact", "identity"]
