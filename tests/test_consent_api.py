"""The consent API: purpose-, recipient-, category- and time-bound consent, recorded by the
coach, changed only through its workflow, readable by the privacy officer."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from app.db import db, utcnow
from policies import REGISTER, LegalBasis, default_valid_until
from tests import factories
from tests.writes import nothing_written

INVALID = "The input is not valid. See errors for the fields concerned."
NOT_FOUND = {"code": 404, "status": "Not Found", "message": "Not found.", "errors": {}}
ROLE_FORBIDDEN = {"code": 403, "status": "Forbidden",
                  "message": "Your role does not allow this action.", "errors": {}}
CONSENT_PURPOSES = "case_support, outreach_contact, resident_connection, warm_handover"
GIVE = {"method": "verbal", "notice_version": "privacyverklaring-2026-01"}


@pytest.fixture
def login(as_user: Any) -> Any:
    """A logged-in API client whose answers come in English."""

    def make(user: Any) -> Any:
        api = as_user(user)
        api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return api

    return make


def consents_url(resident: Any) -> str:
    return f"/api/v1/residents/{resident.id}/consents"


def scope(world: Any, **overrides: Any) -> dict[str, Any]:
    return {"purpose": "warm_handover", "recipient_organization_id": world.buurtteam.id,
            "data_categories": ["identity", "contact", "help_question"], **overrides}


def fire(api: Any, consent_id: Any, trigger: str, version: int, **arguments: Any) -> Any:
    return api.post(f"/api/v1/consents/{consent_id}/transitions",
                    json={"trigger": trigger, "version": version, **arguments})


def requested(world: Any, **kwargs: Any) -> Any:
    consent = factories.create_consent_in_state(
        world.resident, world.coach, world.buurtteam, ["identity", "contact"],
        state="requested", **kwargs)
    db.session.commit()
    return consent


def given(world: Any) -> Any:
    consent = factories.create_consent_in_state(
        world.resident, world.coach, world.buurtteam, ["identity", "contact"])
    db.session.commit()
    return consent


# --- creating a consent ---------------------------------------------------------------------


def test_coach_requests_consent_with_default_validity_of_twelve_months(login, world):
    before = utcnow()
    response = login(world.coach).post(consents_url(world.resident), json=scope(world))

    assert response.status_code == 201
    body = response.json
    assert body["state"] == "requested"
    assert body["version"] == 1
    assert body["valid"] is False
    assert body["resident_id"] == str(world.resident.id)
    assert body["purpose"] == "warm_handover"
    assert body["recipient_organization_id"] == world.buurtteam.id
    assert body["data_categories"] == ["identity", "contact", "help_question"]
    assert body["allowed_triggers"] == ["give", "refuse"]
    assert [e["to_state"] for e in body["events"]] == ["requested"]
    valid_until = datetime.fromisoformat(body["valid_until"])
    assert default_valid_until(before) <= valid_until <= default_valid_until(utcnow())
    assert timedelta(days=365) <= valid_until - before <= timedelta(days=366, seconds=5)


def test_coach_may_choose_a_shorter_validity(login, world):
    until = (utcnow() + timedelta(days=30)).replace(microsecond=0)
    response = login(world.coach).post(consents_url(world.resident),
                                       json=scope(world, valid_until=until.isoformat()))
    assert response.status_code == 201
    assert datetime.fromisoformat(response.json["valid_until"]) == until


@pytest.mark.parametrize("purpose", sorted(REGISTER))
def test_only_consent_based_activities_of_the_register_take_consent(login, world, purpose):
    categories = sorted(REGISTER[purpose].categories)[:1]
    coach = login(world.coach)
    body = scope(world, purpose=purpose, data_categories=categories)
    if REGISTER[purpose].legal_basis is LegalBasis.CONSENT:
        response = coach.post(consents_url(world.resident), json=body)
        assert response.status_code == 201
    else:
        with nothing_written():
            response = coach.post(consents_url(world.resident), json=body)
        assert response.status_code == 422
        assert response.json == {
            "code": 422, "status": "Unprocessable Entity", "message": INVALID,
            "errors": {"purpose": [f"Must be one of: {CONSENT_PURPOSES}."]}}


def _far_future() -> str:
    return (utcnow() + timedelta(days=732)).isoformat()


def _past() -> str:
    return (utcnow() - timedelta(minutes=1)).isoformat()


@pytest.mark.parametrize(("overrides", "errors"), [
    ({"purpose": "marketing"}, {"purpose": [f"Must be one of: {CONSENT_PURPOSES}."]}),
    ({"data_categories": ["identity", "religion"]},
     {"data_categories": {"1": ["Must be one of: identity, contact, household, "
                                "living_situation, help_question, finances, health, safety, "
                                "notes."]}}),
    ({"data_categories": ["bsn"]},
     {"data_categories": {"0": ["Must be one of: identity, contact, household, "
                                "living_situation, help_question, finances, health, safety, "
                                "notes."]}}),
    ({"data_categories": []}, {"data_categories": ["Length must be between 1 and 9."]}),
    ({"data_categories": ["identity", "health", "identity"]},
     {"data_categories": ["Name each category once."]}),
    ({"purpose": "resident_connection", "data_categories": ["identity", "health", "finances"]},
     {"data_categories": ["Purpose resident_connection does not process: finances, health."]}),
    ({"valid_until": "past"}, {"valid_until": ["valid_until must lie in the future."]}),
    ({"valid_until": "too late"},
     {"valid_until": ["Consent can be given for at most 24 months."]}),
    ({"valid_until": "2030-01-01T00:00:00"}, {"valid_until": ["Not a valid aware datetime."]}),
    ({"state": "given"}, {"state": ["Unknown field."]}),
    ({"resident_id": "00000000-0000-0000-0000-000000000000"},
     {"resident_id": ["Unknown field."]}),
])
def test_invalid_consent_scope_is_422(login, world, overrides, errors):
    if overrides.get("valid_until") == "past":
        overrides = {"valid_until": _past()}
    elif overrides.get("valid_until") == "too late":
        overrides = {"valid_until": _far_future()}
    coach = login(world.coach)
    with nothing_written():
        response = coach.post(consents_url(world.resident), json=scope(world, **overrides))
    assert response.status_code == 422
    assert response.json == {"code": 422, "status": "Unprocessable Entity",
                             "message": INVALID, "errors": errors}


def test_unknown_recipient_organisation_is_422(login, world):
    coach = login(world.coach)
    with nothing_written():
        response = coach.post(consents_url(world.resident),
                              json=scope(world, recipient_organization_id=987654))
    assert response.status_code == 422
    assert response.json == {
        "code": 422, "status": "Unprocessable Entity", "message": "Unknown recipient organisation.",
        "errors": {"recipient_organization_id": ["Unknown recipient organisation."]}}


def test_nothing_is_stored_for_a_refused_request(login, world):
    coach = login(world.coach)
    with nothing_written():
        refused = coach.post(consents_url(world.resident), json=scope(world, data_categories=[]))
    assert refused.status_code == 422
    listed = coach.get(consents_url(world.resident))
    assert listed.status_code == 200
    assert listed.json == []


def test_coach_outside_the_building_gets_404(login, world):
    coach = login(world.coach)
    with nothing_written():
        response = coach.post(consents_url(world.other_resident), json=scope(world))
        unknown = coach.post("/api/v1/residents/00000000-0000-0000-0000-000000000000/consents",
                             json=scope(world))
        listed = coach.get(consents_url(world.other_resident))
    assert response.status_code == 404
    assert response.json == NOT_FOUND
    assert unknown.json == NOT_FOUND
    assert listed.json == NOT_FOUND


@pytest.mark.parametrize("role", ["professional", "coordinator", "privacy_officer"])
def test_only_coaches_request_consent(login, world, role):
    api = login(world.user(role))
    with nothing_written():
        response = api.post(consents_url(world.resident), json=scope(world))
    assert response.status_code == 403
    assert response.json == ROLE_FORBIDDEN


@pytest.mark.parametrize("path", ["/api/v1/consents/{id}", "/api/v1/consents/{id}/record",
                                  "/api/v1/residents/{resident}/consents"])
@pytest.mark.parametrize("role", ["professional", "coordinator"])
def test_professionals_and_coordinators_cannot_read_consents(login, world, role, path):
    consent = given(world)
    api = login(world.user(role))
    with nothing_written():
        response = api.get(path.format(id=consent.id, resident=world.resident.id))
    assert response.status_code == 403
    assert response.json == ROLE_FORBIDDEN


def test_professional_cannot_fire_consent_triggers(login, world):
    consent = given(world)
    professional = login(world.professional)
    with nothing_written():
        response = fire(professional, consent.id, "withdraw", consent.version,
                        reason="wil niet meer")
    assert response.status_code == 403
    assert response.json == ROLE_FORBIDDEN


def test_other_coach_gets_404_for_a_consent(login, world):
    consent = given(world)
    other = login(world.other_coach)
    with nothing_written():
        assert other.get(f"/api/v1/consents/{consent.id}").json == NOT_FOUND
        assert other.get(f"/api/v1/consents/{consent.id}/record").json == NOT_FOUND
        response = fire(other, consent.id, "withdraw", consent.version, reason="zomaar")
    assert response.status_code == 404
    assert response.json == NOT_FOUND


def test_privacy_officer_reads_every_consent_and_lists_a_residents_consents(login, world):
    first = given(world)
    second = factories.create_consent_in_state(
        world.resident, world.coach, world.schuldhulp, ["finances"], state="refused")
    factories.create_consent_in_state(world.other_resident, world.other_coach, world.buurtteam,
                                      ["identity"])
    db.session.commit()
    officer = login(world.privacy_officer)

    listed = officer.get(consents_url(world.resident) + "?page_size=1")
    assert listed.status_code == 200
    assert len(listed.json) == 1
    assert '"total": 2' in listed.headers["X-Pagination"]
    everything = officer.get(consents_url(world.resident))
    assert {c["id"] for c in everything.json} == {str(first.id), str(second.id)}
    one = officer.get(f"/api/v1/consents/{first.id}")
    assert one.status_code == 200
    assert one.json["state"] == "given"
    assert one.json["allowed_triggers"] == ["withdraw", "revoke"]
    assert officer.get(f"/api/v1/consents/{first.id}/record").status_code == 200


# --- its workflow ---------------------------------------------------------------------------


def test_give_records_method_and_notice_version(login, world):
    consent = requested(world)
    coach = login(world.coach)
    before = utcnow()
    response = fire(coach, consent.id, "give", consent.version,
                    method="written", notice_version="privacyverklaring-2026-01")
    after = utcnow()
    assert response.status_code == 200
    body = response.json
    assert body["state"] == "given"
    assert body["valid"] is True
    assert body["method"] == "written"
    assert body["notice_version"] == "privacyverklaring-2026-01"
    assert before <= datetime.fromisoformat(body["given_at"]) <= after
    assert body["version"] > consent.version
    assert [(e["trigger"], e["to_state"]) for e in body["events"]] == [
        ("request", "requested"), ("give", "given")]
    assert body["events"][1]["details"] == {"method": "written",
                                            "notice_version": "privacyverklaring-2026-01"}
    assert body["events"][1]["actor_role"] == "flatcoach"


@pytest.mark.parametrize(("arguments", "argument", "problem"), [
    ({"notice_version": "v1"}, "method", "'method' is required for 'give'."),
    ({"method": "verbal"}, "notice_version", "'notice_version' is required for 'give'."),
    ({"method": "email", "notice_version": "v1"}, "method",
     "'method' must be one of: verbal, written, digital."),
    ({"method": "  ", "notice_version": "v1"}, "method", "'method' is required for 'give'."),
])
def test_give_needs_a_method_and_the_notice_shown(login, world, arguments, argument, problem):
    consent = requested(world)
    coach = login(world.coach)
    with nothing_written():
        response = fire(coach, consent.id, "give", consent.version, **arguments)
    message = f"'{argument}' is missing or invalid for 'give': {problem}"
    assert response.status_code == 422
    assert response.json == {"code": 422, "status": "Unprocessable Entity", "message": message,
                             "errors": {argument: [message],
                                        "allowed_triggers": ["give", "refuse"]}}
    db.session.refresh(consent)
    assert consent.state == "requested"


def test_give_after_validity_ended_is_refused(login, world):
    consent = requested(world)
    consent.valid_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    coach = login(world.coach)
    with nothing_written():
        response = fire(coach, consent.id, "give", consent.version, **GIVE)
    assert response.status_code == 422
    assert response.json["message"] == (
        "This consent's validity has already ended; ask for a new one.")
    db.session.refresh(consent)
    assert consent.state == "requested"


def test_refuse_is_final(login, world):
    consent = requested(world)
    coach = login(world.coach)
    refused = fire(coach, consent.id, "refuse", consent.version)
    assert refused.status_code == 200
    assert refused.json["state"] == "refused"
    assert refused.json["allowed_triggers"] == []
    with nothing_written():
        again = fire(coach, consent.id, "give", refused.json["version"], **GIVE)
    assert again.status_code == 422
    assert again.json["message"] == (
        "'give' is not possible in state 'refused'. Possible now: none.")


@pytest.mark.parametrize("who", ["coach", "privacy_officer"])
def test_withdraw_by_coach_or_privacy_officer_needs_a_reason(login, world, who):
    consent = given(world)
    api = login(getattr(world, who))
    with nothing_written():
        missing = fire(api, consent.id, "withdraw", consent.version)
    assert missing.status_code == 422
    assert missing.json["errors"]["reason"] == [
        "'reason' is missing or invalid for 'withdraw': 'reason' is required for 'withdraw'."]
    before = utcnow()
    response = fire(api, consent.id, "withdraw", consent.version,
                    reason="bewoner belde: wil niet meer delen")
    after = utcnow()
    assert response.status_code == 200
    body = response.json
    assert body["state"] == "withdrawn"
    assert body["valid"] is False
    assert before <= datetime.fromisoformat(body["ended_at"]) <= after
    assert body["end_reason"] == "bewoner belde: wil niet meer delen"
    assert body["events"][-1]["actor_role"] == str(getattr(world, who).role)


def test_revoke_is_for_the_privacy_officer_only(login, world):
    consent = given(world)
    coach_api, officer = login(world.coach), login(world.privacy_officer)
    with nothing_written():
        coach = fire(coach_api, consent.id, "revoke", consent.version, reason="vergissing")
        no_reason = fire(officer, consent.id, "revoke", consent.version)
    assert no_reason.status_code == 422
    assert coach.status_code == 403
    assert coach.json == {"code": 403, "status": "Forbidden",
                          "message": "Your role cannot fire 'revoke'.",
                          "errors": {"trigger": ["Your role cannot fire 'revoke'."],
                                     "allowed_triggers": ["withdraw"]}}
    revoked = fire(officer, consent.id, "revoke", consent.version,
                   reason="vastgelegd bij de verkeerde bewoner")
    assert revoked.status_code == 200
    assert revoked.json["state"] == "revoked"


@pytest.mark.parametrize("who", ["coach", "privacy_officer"])
def test_only_the_system_expires_a_consent(login, world, who):
    consent = given(world)
    api = login(getattr(world, who))
    with nothing_written():
        response = fire(api, consent.id, "expire", consent.version)
    assert response.status_code == 403
    assert response.json["message"] == "Your role cannot fire 'expire'."
    db.session.refresh(consent)
    assert consent.state == "given"


def test_stale_version_is_409(login, world):
    consent = given(world)
    coach = login(world.coach)
    with nothing_written():
        response = fire(coach, consent.id, "withdraw", consent.version - 1, reason="te laat")
    assert response.status_code == 409
    assert response.json["errors"] == {"version": ["Stale version: reload and try again."]}


# --- the scope never changes ----------------------------------------------------------------


def test_no_endpoint_edits_a_consent(app: Flask):
    methods = {method for rule in app.url_map.iter_rules()
               if rule.rule.startswith("/api/v1/consents") for method in rule.methods}
    assert methods <= {"GET", "HEAD", "OPTIONS", "POST"}
    posts = [rule.rule for rule in app.url_map.iter_rules()
             if rule.rule.startswith("/api/v1/consents") and "POST" in rule.methods]
    assert posts == ["/api/v1/consents/<uuid:consent_id>/transitions"]


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_editing_a_consent_is_405(login, world, method):
    consent = given(world)
    coach = login(world.coach)
    with nothing_written():
        response = coach.request(method, f"/api/v1/consents/{consent.id}",
                                 json={"data_categories": ["health"]})
    assert response.status_code == 405


@pytest.mark.parametrize("field", ["data_categories", "purpose", "recipient_organization_id",
                                   "valid_until", "resident_id"])
def test_a_transition_cannot_change_the_scope(login, world, field):
    consent = requested(world)
    value = {"data_categories": ["health"], "purpose": "case_support",
             "recipient_organization_id": world.schuldhulp.id,
             "valid_until": _far_future(), "resident_id": str(world.other_resident.id)}[field]
    coach = login(world.coach)
    with nothing_written():
        response = fire(coach, consent.id, "give", consent.version, **GIVE, **{field: value})
    assert response.status_code == 422
    assert response.json["errors"] == {field: ["Unknown field."]}
    db.session.refresh(consent)
    assert consent.state == "requested"
    assert consent.data_categories == ["identity", "contact"]


# --- history and the consent record ---------------------------------------------------------


def test_consent_has_its_event_history(login, world):
    consent = given(world)
    officer = login(world.privacy_officer)
    fire(officer, consent.id, "withdraw", consent.version, reason="telefonisch ingetrokken")
    body = officer.get(f"/api/v1/consents/{consent.id}").json
    assert [(e["trigger"], e["from_state"], e["to_state"], e["actor_role"])
            for e in body["events"]] == [
        ("request", "", "requested", "flatcoach"),
        ("give", "requested", "given", "flatcoach"),
        ("withdraw", "given", "withdrawn", "privacy_officer"),
    ]
    assert body["events"][2]["details"] == {"reason": "telefonisch ingetrokken"}
    times = [e["at"] for e in body["events"]]
    assert times == sorted(times)


def test_consent_record_follows_iso_27560(login, world):
    consent = factories.create_consent_in_state(
        world.resident, world.coach, world.buurtteam, ["identity", "health"])
    db.session.commit()
    officer = login(world.privacy_officer)
    fire(officer, consent.id, "withdraw", consent.version, reason="wil het zelf regelen")
    response = officer.get(f"/api/v1/consents/{consent.id}/record")

    assert response.status_code == 200
    record = response.json
    assert record["schema_version"] == "ISO/IEC TS 27560:2023"
    assert record["record_id"] == str(consent.id)
    assert record["pii_principal_id"] == str(world.resident.id)
    assert record["pii_principal_id_type"] == "pseudonymous"
    assert record["controller"] == {"id": str(world.welzijn.id), "name": world.welzijn.name,
                                    "role": "PII controller"}
    assert record["state"] == "withdrawn"
    assert record["consent_status"] == "dpv:ConsentWithdrawn"
    assert record["consent_type"] == "dpv:ExplicitlyExpressedConsent"
    assert record["notice"]["version"] == "2026-01"
    assert record["validity"]["valid_until"] == consent.valid_until.isoformat()
    give = officer.get(f"/api/v1/consents/{consent.id}").json["events"][1]
    assert give["trigger"] == "give"
    assert (datetime.fromisoformat(record["validity"]["valid_from"])
            == datetime.fromisoformat(give["at"]))
    [purpose] = record["purposes"]
    assert purpose["purpose_id"] == "warm_handover"
    assert purpose["lawful_basis"] == "consent"
    assert purpose["lawful_basis_iri"] == "eu-gdpr:A6-1-a"
    assert purpose["special_category_condition"] == "eu-gdpr:A9-2-a"
    assert [c["category"] for c in purpose["pii_categories"]] == ["identity", "health"]
    assert purpose["recipients"] == [{"id": str(world.buurtteam.id),
                                      "name": world.buurtteam.name, "kind": "buurtteam",
                                      "role": "recipient"}]
    assert [(e["state"], e["consent_status"], e["actor_role"]) for e in record["events"]] == [
        ("requested", "dpv:ConsentRequested", "flatcoach"),
        ("given", "dpv:ConsentGiven", "flatcoach"),
        ("withdrawn", "dpv:ConsentWithdrawn", "privacy_officer"),
    ]
    assert record["events"][1]["method"] == "verbal"
    text = response.get_data(as_text=True)
    assert world.resident.display_name not in text
    assert "wil het zelf regelen" not in text  # free-text reasons stay out of the record

