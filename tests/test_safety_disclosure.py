"""Safety disclosures: a share without consent, justified in writing, with basis
vital_interest or legal_obligation, reviewed by the privacy officer."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.audit.models import ProcessingLogEntry
from app.db import db
from tests import factories

INVALID = "The input is not valid. See errors for the fields concerned."
ROLE_FORBIDDEN = {"code": 403, "status": "Forbidden",
                  "message": "Your role does not allow this action.", "errors": {}}
JUSTIFICATION = ("Mevrouw werd vanochtend door haar ex-partner bedreigd en durft niet naar huis; "
                 "het buurtteam moet vandaag nog met haar een veilige plek zoeken.")
FINDING = "Acuut gevaar was aannemelijk; delen zonder toestemming was gerechtvaardigd."


@pytest.fixture
def login(as_user: Any) -> Any:
    def make(user: Any) -> Any:
        api = as_user(user)
        api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return api

    return make


@pytest.fixture
def draft(world: Any) -> Any:
    """A draft handover to the buurtteam; the resident has given no consent at all."""
    case = factories.create_formulated_case(world.resident, world.coach)
    handover = factories.create_handover_in_state(
        case, world.coach, world.buurtteam, ["identity", "contact", "safety"], state="draft")
    db.session.commit()
    return handover


def disclose(api: Any, handover: Any, **body: Any) -> Any:
    payload = {"justification": JUSTIFICATION, "legal_basis": "vital_interest", **body}
    return api.post(f"/api/v1/handovers/{handover.id}/safety-disclosure", json=payload)


def offer(api: Any, handover: Any) -> Any:
    db.session.refresh(handover)
    return api.post(f"/api/v1/handovers/{handover.id}/transitions",
                    json={"trigger": "offer", "version": handover.version})


def queued(api: Any, handover: Any, status: str = "pending") -> list[dict[str, Any]]:
    """The review queue's entries for this handover."""
    response = api.get(f"/api/v1/audit/reviews?status={status}&page_size=100")
    assert response.status_code == 200
    return [r for r in response.json if r["handover_id"] == str(handover.id)]


def conclude(api: Any, disclosure_id: str, justified: bool, finding: str = FINDING) -> Any:
    return api.post(f"/api/v1/audit/reviews/{disclosure_id}",
                    json={"justified": justified, "finding": finding})


@pytest.mark.parametrize(("body", "errors"), [
    ({"justification": None}, {"justification": ["Field may not be null."]}),
    ({"justification": ""}, {"justification": ["Length must be between 40 and 4000."]}),
    ({"justification": "Gevaar, zie dossier."},
     {"justification": ["Length must be between 40 and 4000."]}),
    ({"justification": "gevaar " * 12},
     {"justification": ["Explain in your own words why sharing without consent is needed "
                        "(at least a few sentences)."]}),
    ({"legal_basis": "consent"},
     {"legal_basis": ["Must be one of: vital_interest, legal_obligation."]}),
    ({"legal_basis": "legitimate_interest"},
     {"legal_basis": ["Must be one of: vital_interest, legal_obligation."]}),
    ({"legal_basis": "public_task"},
     {"legal_basis": ["Must be one of: vital_interest, legal_obligation."]}),
])
def test_a_safety_disclosure_needs_a_real_justification_and_a_safety_basis(
        login, world, draft, body, errors):
    response = disclose(login(world.coach), draft, **body)
    assert response.status_code == 422
    assert response.json == {"code": 422, "status": "Unprocessable Entity", "message": INVALID,
                             "errors": errors}


def test_justification_and_basis_are_required(login, world, draft):
    response = login(world.coach).post(f"/api/v1/handovers/{draft.id}/safety-disclosure",
                                       json={})
    assert response.status_code == 422
    assert response.json["errors"] == {"justification": ["Missing data for required field."],
                                       "legal_basis": ["Missing data for required field."]}


@pytest.mark.parametrize("role", ["professional", "privacy_officer", "coordinator"])
def test_only_coaches_make_safety_disclosures(login, world, draft, role):
    response = disclose(login(world.user(role)), draft)
    assert response.status_code == 403
    assert response.json == ROLE_FORBIDDEN


def test_another_coach_gets_404(login, world, draft):
    assert disclose(login(world.other_coach), draft).status_code == 404


@pytest.mark.parametrize("basis", ["vital_interest", "legal_obligation"])
def test_a_safety_disclosure_lets_the_handover_be_offered_without_consent(
        login, world, draft, basis):
    coach = login(world.coach)
    made = disclose(coach, draft, legal_basis=basis)
    assert made.status_code == 201
    assert made.json["review_status"] == "pending"
    assert made.json["legal_basis"] == basis

    response = offer(coach, draft)

    assert response.status_code == 200
    assert response.json["state"] == "offered"
    assert response.json["consent_id"] is None
    entry = db.session.execute(
        select(ProcessingLogEntry).where(ProcessingLogEntry.action == "offer_handover",
                                         ProcessingLogEntry.object_id == str(draft.id))
    ).scalar_one()
    assert entry.decision == "allowed"
    assert entry.legal_basis == basis
    assert entry.safety_disclosure_id == made.json["id"]
    assert entry.consent_id is None
    body = login(world.professional).get(f"/api/v1/handovers/{draft.id}").json
    assert body["access"]["allowed"] is True
    assert sorted(body["resident"]) == ["contact", "identity", "safety"]


def test_without_a_safety_disclosure_the_same_offer_is_refused(login, world, draft):
    response = offer(login(world.coach), draft)
    assert response.status_code == 422
    assert response.json["message"].endswith(
        "no consent is recorded for this resident; no safety disclosure was made")


def test_a_safety_disclosure_after_the_offer_is_422(login, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    consent = factories.create_consent_in_state(world.resident, world.coach, world.buurtteam,
                                                ["identity"])
    handover = factories.create_handover_in_state(case, world.coach, world.buurtteam,
                                                  ["identity"], consent=consent)
    db.session.commit()
    response = disclose(login(world.coach), handover)
    assert response.status_code == 422
    assert response.json == {
        "code": 422, "status": "Unprocessable Entity",
        "message": "A safety disclosure can only be made before the handover is offered.",
        "errors": {}}


def test_the_disclosure_lands_in_the_privacy_officers_review_queue(login, world, draft):
    made = disclose(login(world.coach), draft).json
    officer = login(world.privacy_officer)
    assert [(r["id"], r["review_status"], r["justification"], r["legal_basis"])
            for r in queued(officer, draft)] == [
        (made["id"], "pending", JUSTIFICATION, "vital_interest")]
    assert queued(officer, draft, "justified") == []


@pytest.mark.parametrize("role", ["flatcoach", "professional", "coordinator"])
def test_only_the_privacy_officer_sees_and_concludes_reviews(login, world, draft, role):
    made = disclose(login(world.coach), draft).json
    api = login(world.user(role))
    assert api.get("/api/v1/audit/reviews").json == ROLE_FORBIDDEN
    response = conclude(api, made["id"], justified=False)
    assert response.status_code == 403
    assert response.json == ROLE_FORBIDDEN


def test_a_justified_review_keeps_the_share(login, world, draft):
    coach = login(world.coach)
    made = disclose(coach, draft).json
    offer(coach, draft)
    officer = login(world.privacy_officer)

    response = conclude(officer, made["id"], justified=True)

    assert response.status_code == 200
    assert response.json["review_status"] == "justified"
    assert response.json["reviewed_by_id"] == world.privacy_officer.id
    assert response.json["finding"] == FINDING
    assert queued(officer, draft) == []
    assert [r["id"] for r in queued(officer, draft, "justified")] == [made["id"]]
    body = login(world.professional).get(f"/api/v1/handovers/{draft.id}").json
    assert body["access"]["allowed"] is True


def test_an_unjustified_review_withdraws_the_handover_and_ends_access(login, world, draft):
    coach = login(world.coach)
    made = disclose(coach, draft).json
    offer(coach, draft)
    professional = login(world.professional)
    shared = professional.get(f"/api/v1/handovers/{draft.id}").json
    assert shared["released_categories"] == ["contact", "identity", "safety"]
    assert shared["resident"]["identity"]["display_name"] == world.resident.display_name

    response = conclude(login(world.privacy_officer), made["id"], justified=False,
                        finding="Er was geen acuut gevaar; er had toestemming gevraagd moeten "
                                "worden.")

    assert response.status_code == 200
    assert response.json["review_status"] == "unjustified"
    db.session.expire_all()
    assert draft.state == "withdrawn"
    assert draft.ended_reason == "safety disclosure concluded unjustified"
    assert draft.case.state == "question_formulated"
    body = professional.get(f"/api/v1/handovers/{draft.id}").json
    assert body["resident"] is None
    assert body["access"]["allowed"] is False
    assert (f"safety disclosure was reviewed as unjustified (safety disclosure {made['id']})"
            in body["access"]["reasons"])


def test_a_review_is_concluded_once(login, world, draft):
    made = disclose(login(world.coach), draft).json
    officer = login(world.privacy_officer)
    assert conclude(officer, made["id"], justified=True).status_code == 200
    again = conclude(officer, made["id"], justified=False)
    assert again.status_code == 422
    assert again.json == {"code": 422, "status": "Unprocessable Entity",
                          "message": "This review has already been concluded.", "errors": {}}
    db.session.expire_all()
    assert draft.state == "draft"


def test_concluding_needs_a_verdict_and_a_finding(login, world, draft):
    made = disclose(login(world.coach), draft).json
    officer = login(world.privacy_officer)
    missing = officer.post(f"/api/v1/audit/reviews/{made['id']}", json={})
    assert missing.status_code == 422
    assert missing.json["errors"] == {"justified": ["Missing data for required field."],
                                      "finding": ["Missing data for required field."]}
    short = conclude(officer, made["id"], justified=True, finding="ok")
    assert short.json["errors"] == {"finding": ["Length must be between 10 and 4000."]}
    unknown = conclude(officer, "00000000-0000-0000-0000-000000000000", justified=True)
    assert unknown.status_code == 404
