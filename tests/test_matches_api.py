"""Connections between residents through the API: a coach proposes one, both residents'
consents are asked, the match is agreed only once the consent gateway allows both
directions, the contact card is shown only while both consents stay valid, and a consent
that stops being valid declines the connection at once."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent, ProcessingLogEntry, TransitionNote
from app.buildings.models import CoachAssignment
from app.consent.models import Consent
from app.consent.operations import fire_consent
from app.db import db, utcnow
from app.matches.models import Match
from tests import factories
from tests.matches_helpers import GIVE, create_match, neighbours, share_contact_entries
from tests.writes import nothing_written

NOT_FOUND = {"code": 404, "status": "Not Found", "message": "Not found.", "errors": {}}
CARD = {
    "offering_resident": {"display_name": "Fatima El Amrani", "phone": "06-12345678"},
    "seeking_resident": {"display_name": "Henk de Boer", "phone": "06-87654321"},
}
NOBODY_CONSENTED = (
    "Both residents must consent before they are put in touch. Missing: the resident who "
    "offers has not consented (asked, not given yet); the resident who is looking for it has "
    "not consented (asked, not given yet).")


@pytest.fixture
def login(as_user: Any) -> Any:
    """A logged-in API client whose answers come in English."""

    def make(user: Any) -> Any:
        api = as_user(user)
        api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return api

    return make


@pytest.fixture
def pair(world: Any) -> tuple[Any, Any]:
    """Two residents of the coach's building: Fatima cooks, Henk would like a meal."""
    offering, seeking = neighbours(world)
    db.session.commit()
    return offering, seeking


def propose(api: Any, offering: Any, seeking: Any, offer: str = "cooking") -> Any:
    return api.post("/api/v1/matches", json={"offering_resident_id": str(offering.id),
                                             "seeking_resident_id": str(seeking.id),
                                             "offer": offer})


def fire(api: Any, match_id: Any, trigger: str, version: int, **arguments: Any) -> Any:
    return api.post(f"/api/v1/matches/{match_id}/transitions",
                    json={"trigger": trigger, "version": version, **arguments})


def give(api: Any, consent: dict[str, Any]) -> Any:
    response = api.post(f"/api/v1/consents/{consent['id']}/transitions",
                        json={"trigger": "give", "version": consent["version"], **GIVE})
    assert response.status_code == 200, response.json
    return response


# --- proposing ------------------------------------------------------------------------------

def test_proposing_asks_each_resident_to_consent_to_the_other(login, world, pair):
    offering, seeking = pair
    before = utcnow()

    response = propose(login(world.coach), offering, seeking)

    assert response.status_code == 201, response.json
    body = response.json
    assert (body["state"], body["version"], body["offer"]) == ("proposed", 1, "cooking")
    assert body["allowed_triggers"] == ["agree", "decline"]
    assert body["offering_resident"]["display_name"] == "Fatima El Amrani"
    assert body["seeking_resident"]["id"] == str(seeking.id)
    assert body["contact_card"] is None
    mine = db.session.get(Consent, uuid.UUID(body["offering_consent_id"]))
    theirs = db.session.get(Consent, uuid.UUID(body["seeking_consent_id"]))
    assert (mine.resident_id, mine.recipient_resident_id) == (offering.id, seeking.id)
    assert (theirs.resident_id, theirs.recipient_resident_id) == (seeking.id, offering.id)
    for consent in (mine, theirs):
        assert consent.state == "requested"
        assert consent.purpose == "resident_connection"
        assert consent.recipient_organization_id is None
        assert consent.data_categories == ["identity", "contact"]
        assert timedelta(days=364) < consent.valid_until - before < timedelta(days=367)
    assert body["offering_consent"]["state"] == body["seeking_consent"]["state"] == "requested"
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.event_type == "match_proposed")).scalar_one()
    assert (event.object_type, event.object_id, event.actor_id) == (
        "match", body["id"], world.coach.id)


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"seeking": "offering"}, "seeking_resident_id",
     "A resident cannot be matched with themselves."),
    ({"offer": "juggling"}, "offer", None),
])
def test_invalid_proposals_are_422(login, world, pair, change, field, message):
    offering, seeking = pair
    body = {"offering_resident_id": str(offering.id), "seeking_resident_id": str(seeking.id),
            "offer": change.get("offer", "cooking")}
    if change.get("seeking") == "offering":
        body["seeking_resident_id"] = str(offering.id)
    coach = login(world.coach)

    with nothing_written():
        response = coach.post("/api/v1/matches", json=body)

    assert response.status_code == 422
    assert field in response.json["errors"]
    if message:
        assert response.json["errors"][field] == [message]
    assert db.session.execute(select(Match)).first() is None


def test_an_anonymised_resident_cannot_be_matched(login, world, pair):
    offering, seeking = pair
    seeking.anonymised_at = utcnow()
    db.session.commit()
    coach = login(world.coach)

    with nothing_written():
        response = propose(coach, offering, seeking)

    assert response.status_code == 422
    assert response.json["message"] == "This resident has been anonymised."


def test_the_same_connection_is_not_proposed_twice_while_open(login, world, pair):
    offering, seeking = pair
    coach = login(world.coach)
    assert propose(coach, offering, seeking).status_code == 201

    with nothing_written():
        again = propose(coach, offering, seeking)

    assert again.status_code == 422
    assert again.json["message"] == "These residents already have an open connection for this."
    assert propose(coach, offering, seeking, "company").status_code == 201


def test_residents_outside_the_coachs_buildings_are_404(login, world, pair):
    offering, _seeking = pair
    stranger = factories.create_resident(world.other_dwelling, display_name="Anouk Visser")
    db.session.commit()
    coach = login(world.coach)

    with nothing_written():
        for first, second in ((offering, stranger), (stranger, offering)):
            response = propose(coach, first, second)
            assert response.status_code == 404
            assert response.json == NOT_FOUND


# --- the workflow and its guard -------------------------------------------------------------

def test_agreeing_waits_for_both_consents_and_names_what_is_missing(login, world, pair):
    coach = login(world.coach)
    body = propose(coach, *pair).json

    # Each direction the guard asked stays logged as a denial; nothing else is written.
    with nothing_written(denied=world.coach, denials=2):
        refused = fire(coach, body["id"], "agree", body["version"])
    assert refused.status_code == 422
    assert refused.json["message"] == NOBODY_CONSENTED
    assert refused.json["errors"]["allowed_triggers"] == ["agree", "decline"]

    give(coach, body["offering_consent"])
    with nothing_written(denied=world.coach):
        refused = fire(coach, body["id"], "agree", body["version"])
    assert refused.status_code == 422
    assert refused.json["message"] == (
        "Both residents must consent before they are put in touch. Missing: the resident who "
        "is looking for it has not consented (asked, not given yet).")
    assert db.session.get(Match, uuid.UUID(body["id"])).state == "proposed"

    give(coach, body["seeking_consent"])
    before = utcnow()
    agreed = fire(coach, body["id"], "agree", body["version"])
    assert agreed.status_code == 200, agreed.json
    assert agreed.json["state"] == "agreed"
    assert agreed.json["version"] == body["version"] + 1
    assert before <= datetime.fromisoformat(agreed.json["agreed_at"]) <= utcnow()
    assert agreed.json["allowed_triggers"] == ["record_meeting", "decline"]
    assert agreed.json["offering_consent"]["valid"] is True


def test_a_refused_consent_is_named_and_declines_the_proposal(login, world, pair):
    coach = login(world.coach)
    body = propose(coach, *pair).json
    give(coach, body["offering_consent"])
    before = utcnow()

    response = coach.post(f"/api/v1/consents/{body['seeking_consent']['id']}/transitions",
                          json={"trigger": "refuse", "version": 1})

    after = utcnow()
    assert response.status_code == 200
    match = coach.get(f"/api/v1/matches/{body['id']}").json
    assert match["state"] == "declined"
    assert before <= datetime.fromisoformat(match["ended_at"]) <= after


def test_the_residents_meet_and_their_contact_card_is_shown(login, world, pair):
    offering, seeking = pair
    coach = login(world.coach)
    match = create_match(world.coach, offering, seeking, state="agreed")
    db.session.commit()
    before = utcnow()

    met = fire(coach, match.id, "record_meeting", match.version)

    assert met.status_code == 200, met.json
    assert met.json["state"] == "met"
    assert before <= datetime.fromisoformat(met.json["met_at"]) <= utcnow()
    assert met.json["allowed_triggers"] == []
    assert met.json["contact_card"] == CARD


def test_a_transition_and_its_contact_card_commit_together(login, world, pair):
    """One commit per request: the answer's log entries go with the transition."""
    from tests.statements import commits

    coach = login(world.coach)
    match = create_match(world.coach, *pair, state="agreed")
    db.session.commit()

    with commits() as seen:
        met = fire(coach, match.id, "record_meeting", match.version)

    assert met.status_code == 200, met.json
    assert met.json["contact_card"] == CARD
    assert len(seen) == 1


def test_declining_needs_a_reason_and_ends_the_connection(login, world, pair):
    coach = login(world.coach)
    match = create_match(world.coach, *pair)
    db.session.commit()

    with nothing_written():
        missing = fire(coach, match.id, "decline", match.version)
    assert missing.status_code == 422
    assert "reason" in missing.json["errors"]

    before = utcnow()
    declined = fire(coach, match.id, "decline", match.version,
                    reason="Meneer wil liever niet.")
    assert declined.status_code == 200
    assert declined.json["state"] == "declined"
    assert before <= datetime.fromisoformat(declined.json["ended_at"]) <= utcnow()
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.object_type == "match", AuditEvent.trigger == "decline")).scalar_one()
    note = db.session.execute(select(TransitionNote).where(
        TransitionNote.event_seq == event.seq)).scalar_one()
    assert note.text == "Meneer wil liever niet."

    with nothing_written():
        again = fire(coach, match.id, "agree", declined.json["version"])
    assert again.status_code == 422
    assert again.json["errors"]["allowed_triggers"] == []


@pytest.mark.parametrize(("trigger", "status"), [("record_meeting", 422), ("expire", 422),
                                                 ("", 422)])
def test_triggers_not_possible_now_are_422(login, world, pair, trigger, status):
    match = create_match(world.coach, *pair)
    db.session.commit()
    coach = login(world.coach)

    with nothing_written():
        response = fire(coach, match.id, trigger, match.version)

    assert response.status_code == status


def test_only_the_three_documented_fields_are_accepted(login, world, pair):
    match = create_match(world.coach, *pair)
    db.session.commit()
    coach = login(world.coach)

    with nothing_written():
        response = fire(coach, match.id, "decline", match.version, reason="Nee.",
                        outcome="connected")

    assert response.status_code == 422
    assert response.json["errors"] == {"outcome": ["Unknown field."]}


def test_a_stale_version_is_409_and_changes_nothing(login, world, pair):
    coach = login(world.coach)
    match = create_match(world.coach, *pair)
    db.session.commit()
    assert fire(coach, match.id, "decline", match.version, reason="Nee.").status_code == 200

    with nothing_written():
        stale = fire(coach, match.id, "decline", match.version, reason="Nog eens nee.")

    assert stale.status_code == 409
    assert "version" in stale.json["errors"]


# --- the processing log ---------------------------------------------------------------------

def test_each_direction_of_the_guard_is_logged_allowed_or_denied(login, world, pair):
    offering, seeking = pair
    coach = login(world.coach)
    body = propose(coach, offering, seeking).json
    give(coach, body["offering_consent"])

    fire(coach, body["id"], "agree", body["version"])

    # The refused request is rolled back; its denial stays logged (the allowance it did not
    # act on does not).
    (denied,) = share_contact_entries(body["id"])
    assert (denied.data_subject_id, denied.decision) == (str(seeking.id), "denied")
    assert denied.reasons == ["denied", "consent is requested but not given "
                                        f"(consent {body['seeking_consent_id']})"]

    give(coach, body["seeking_consent"])
    fire(coach, body["id"], "agree", body["version"])

    guard = share_contact_entries(body["id"])[1:3]
    assert [(e.data_subject_id, e.decision) for e in guard] == [
        (str(offering.id), "allowed"), (str(seeking.id), "allowed")]
    for entry in guard:
        assert entry.processing_activity == "resident_connection"
        assert entry.legal_basis == "consent"
        assert entry.action == "share_contact"
        assert entry.object_type == "match"
        assert entry.actor_id == world.coach.id
        assert entry.categories == ["contact", "identity"]
        assert entry.recipient_organization_id is None
    assert [e.consent_id for e in guard] == [body["offering_consent_id"],
                                             body["seeking_consent_id"]]


def test_a_proposed_match_shows_no_contact_card_and_discloses_nothing(login, world, pair):
    coach = login(world.coach)
    body = propose(coach, *pair).json
    give(coach, body["offering_consent"])
    give(coach, body["seeking_consent"])

    shown = coach.get(f"/api/v1/matches/{body['id']}").json

    assert shown["state"] == "proposed"
    assert shown["contact_card"] is None
    assert share_contact_entries(body["id"]) == []


def test_every_showing_of_the_contact_card_is_logged(login, world, pair):
    match = create_match(world.coach, *pair, state="agreed")
    db.session.commit()
    coach = login(world.coach)
    already = len(share_contact_entries(match.id))

    for _ in range(2):
        assert coach.get(f"/api/v1/matches/{match.id}").json["contact_card"] == CARD

    entries = share_contact_entries(match.id)[already:]
    assert len(entries) == 4
    assert {e.decision for e in entries} == {"allowed"}


# --- a consent that stops being valid -------------------------------------------------------

@pytest.mark.parametrize("ending", ["withdraw", "expire", "revoke"])
def test_a_consent_leaving_given_declines_the_open_match(login, world, pair, ending):
    match = create_match(world.coach, *pair, state="agreed")
    consent = match.seeking_consent
    actor = {"withdraw": world.coach, "expire": None, "revoke": world.privacy_officer}[ending]
    fire_consent(consent, ending, actor, {"reason": "De bewoner wil het niet meer."})
    db.session.commit()

    shown = login(world.coach).get(f"/api/v1/matches/{match.id}").json

    assert shown["state"] == "declined"
    assert shown["contact_card"] is None
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.object_type == "match", AuditEvent.object_id == str(match.id),
        AuditEvent.trigger == "decline")).scalar_one()
    assert (event.actor_id, event.actor_role) == (None, None)
    note = db.session.execute(select(TransitionNote).where(
        TransitionNote.event_seq == event.seq)).scalar_one()
    assert note.text == f"consent {consent.state}"


def test_withdrawal_through_the_api_declines_in_the_same_request(login, world, pair):
    match = create_match(world.coach, *pair, state="agreed")
    db.session.commit()
    coach = login(world.coach)
    assert coach.get(f"/api/v1/matches/{match.id}").json["contact_card"] == CARD

    response = coach.post(f"/api/v1/consents/{match.offering_consent_id}/transitions",
                          json={"trigger": "withdraw", "version": match.offering_consent.version,
                                "reason": "Mevrouw wil niet meer gebeld worden."})

    assert response.status_code == 200
    shown = coach.get(f"/api/v1/matches/{match.id}").json
    assert (shown["state"], shown["contact_card"]) == ("declined", None)


def test_after_meeting_a_withdrawn_consent_hides_the_card_and_the_denial_is_logged(
        login, world, pair):
    match = create_match(world.coach, *pair, state="met")
    fire_consent(match.offering_consent, "withdraw", world.coach, {"reason": "Liever niet."})
    db.session.commit()
    already = len(share_contact_entries(match.id))

    shown = login(world.coach).get(f"/api/v1/matches/{match.id}").json

    assert shown["state"] == "met"  # final: it happened
    assert shown["contact_card"] is None
    entries = share_contact_entries(match.id)[already:]
    assert [e.decision for e in entries] == ["denied", "allowed"]
    assert "consent is withdrawn" in " ".join(entries[0].reasons)


def test_a_consent_past_its_end_hides_the_card_even_before_the_timer_runs(login, world, pair):
    match = create_match(world.coach, *pair, state="met")
    match.offering_consent.valid_until = utcnow() - timedelta(minutes=1)
    db.session.commit()

    shown = login(world.coach).get(f"/api/v1/matches/{match.id}").json

    assert shown["contact_card"] is None


def test_the_guard_relies_on_the_consent_that_covers_it(world, pair, ctx):
    """A consent given earlier for the same two residents covers the exchange; the match
    then relies on it, and its withdrawal declines the match."""
    offering, seeking = pair
    earlier = create_match(world.coach, offering, seeking, state="met")
    later = create_match(world.coach, offering, seeking, offer="company")
    fire_consent(later.seeking_consent, "give", world.coach, GIVE)
    from app.matches.operations import fire_match

    fire_match(later, "agree", world.coach, {})

    assert later.offering_consent_id == earlier.offering_consent_id
    fire_consent(earlier.offering_consent, "withdraw", world.coach, {"reason": "Nee."})
    assert later.state == "declined"


def test_the_answer_to_agree_names_the_consent_relied_on(world, pair, ctx):
    """The consent the match now relies on is the one it shows, at once (the app keeps
    objects loaded after a commit)."""
    offering, seeking = pair
    earlier = create_match(world.coach, offering, seeking, state="met")
    later = create_match(world.coach, offering, seeking, offer="company")
    asked = later.offering_consent  # loaded with the match, as the scope loader does
    fire_consent(later.seeking_consent, "give", world.coach, GIVE)
    from app.matches.operations import fire_match

    fire_match(later, "agree", world.coach, {})

    assert asked.state == "requested"
    assert later.offering_consent is earlier.offering_consent
    assert later.offering_consent.id == later.offering_consent_id


# --- reading and scope ----------------------------------------------------------------------

def test_the_list_filters_by_state_and_resident(login, world, pair):
    offering, seeking = pair
    third = factories.create_resident(world.dwelling, display_name="Anouk Visser")
    proposed = create_match(world.coach, offering, seeking)
    agreed = create_match(world.coach, third, seeking, offer="company", state="agreed")
    db.session.commit()
    coach = login(world.coach)

    everything = coach.get("/api/v1/matches")
    assert everything.status_code == 200
    assert [m["id"] for m in everything.json] == [str(agreed.id), str(proposed.id)]
    assert "contact_card" not in everything.json[0]
    assert "X-Pagination" in everything.headers
    assert [m["id"] for m in coach.get("/api/v1/matches?state=agreed").json] == [str(agreed.id)]
    assert [m["id"] for m in coach.get(f"/api/v1/matches?resident_id={offering.id}").json] == [
        str(proposed.id)]
    assert coach.get("/api/v1/matches?state=married").status_code == 422


def test_another_coachs_match_is_404_and_not_listed(login, world, pair):
    match = create_match(world.coach, *pair)
    db.session.commit()
    other = login(world.other_coach)

    with nothing_written():
        assert other.get(f"/api/v1/matches/{match.id}").json == NOT_FOUND
        assert fire(other, match.id, "decline", 1, reason="Nee.").status_code == 404
        assert other.get("/api/v1/matches").json == []


def test_a_coach_sees_a_match_only_when_both_residents_are_in_their_buildings(login, world,
                                                                             pair):
    offering, _seeking = pair
    second_building = factories.create_building(world.coach)
    elsewhere = factories.create_resident(factories.create_dwelling(second_building),
                                          display_name="Anouk Visser")
    match = create_match(world.coach, offering, elsewhere)
    colleague = factories.create_user("flatcoach", world.welzijn)
    db.session.add(CoachAssignment(user_id=colleague.id, building_id=world.building.id))
    db.session.commit()

    assert login(world.coach).get(f"/api/v1/matches/{match.id}").status_code == 200
    them = login(colleague)
    with nothing_written():
        assert them.get(f"/api/v1/matches/{match.id}").status_code == 404
        assert them.get("/api/v1/matches").json == []


@pytest.mark.parametrize("role", ["professional", "privacy_officer", "coordinator"])
def test_other_roles_may_not_use_matches(login, world, pair, role):
    match = create_match(world.coach, *pair)
    db.session.commit()
    api = login(world.user(role))

    with nothing_written():
        responses = (api.get("/api/v1/matches"), api.get(f"/api/v1/matches/{match.id}"),
                     api.get("/api/v1/matches/suggestions"), propose(api, *pair),
                     fire(api, match.id, "decline", 1, reason="Nee."))
    for response in responses:
        assert response.status_code == 403


def test_unknown_match_is_404(login, world):
    coach = login(world.coach)
    with nothing_written():
        response = coach.get("/api/v1/matches/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.json == NOT_FOUND


# --- consent to another resident through the consent API ------------------------------------

def consent_body(**overrides: Any) -> dict[str, Any]:
    return {"purpose": "resident_connection", "data_categories": ["identity", "contact"],
            **overrides}


def test_a_consent_can_name_another_resident_as_recipient(login, world, pair):
    offering, seeking = pair

    response = login(world.coach).post(
        f"/api/v1/residents/{offering.id}/consents",
        json=consent_body(recipient_resident_id=str(seeking.id)))

    assert response.status_code == 201, response.json
    assert response.json["recipient_resident_id"] == str(seeking.id)
    assert response.json["recipient_organization_id"] is None
    assert response.json["recipient_organization"] is None
    assert response.json["state"] == "requested"


def test_an_organisation_consent_answers_as_before(login, world):
    response = login(world.coach).post(
        f"/api/v1/residents/{world.resident.id}/consents",
        json={"purpose": "warm_handover", "recipient_organization_id": world.buurtteam.id,
              "data_categories": ["identity"]})

    assert response.status_code == 201
    assert response.json["recipient_organization_id"] == world.buurtteam.id
    assert response.json["recipient_organization"] == world.buurtteam.name
    assert response.json["recipient_resident_id"] is None


@pytest.mark.parametrize(("body", "errors"), [
    ({}, {"recipient_organization_id": ["Name the recipient: an organisation or a resident."]}),
    ({"recipient_resident_id": "seeking", "recipient_organization_id": "buurtteam"},
     {"recipient_resident_id": [
         "Name one recipient: an organisation or a resident, not both."]}),
    ({"recipient_resident_id": "seeking", "purpose": "warm_handover"},
     {"purpose": ["Another resident can only receive data for the purpose "
                  "resident_connection."]}),
    ({"recipient_resident_id": "not-a-uuid"}, {"recipient_resident_id": ["Not a valid UUID."]}),
])
def test_a_consent_names_exactly_one_valid_recipient(login, world, pair, body, errors):
    offering, seeking = pair
    values = {"seeking": str(seeking.id), "buurtteam": world.buurtteam.id}
    body = {key: values.get(value, value) for key, value in body.items()}
    coach = login(world.coach)

    with nothing_written():
        response = coach.post(f"/api/v1/residents/{offering.id}/consents",
                              json=consent_body(**body))

    assert response.status_code == 422
    assert response.json["errors"] == errors


def test_the_recipient_resident_must_be_one_of_the_coachs(login, world, pair):
    offering, _seeking = pair
    coach = login(world.coach)

    with nothing_written():
        outside = coach.post(
            f"/api/v1/residents/{offering.id}/consents",
            json=consent_body(recipient_resident_id=str(world.other_resident.id)))
        themselves = coach.post(
            f"/api/v1/residents/{offering.id}/consents",
            json=consent_body(recipient_resident_id=str(offering.id)))

    assert outside.status_code == 404
    assert themselves.status_code == 422
    assert themselves.json["errors"] == {"recipient_resident_id": [
        "A resident cannot be the recipient of their own consent."]}


def test_a_handover_cannot_rely_on_a_consent_to_another_resident(login, world, pair):
    """The handover page offers only consents to organisations; the API agrees."""
    match = create_match(world.coach, *pair)
    case = factories.create_case(world.resident, world.coach, state="question_formulated")
    db.session.commit()
    coach = login(world.coach)

    with nothing_written():
        response = coach.post(f"/api/v1/cases/{case.id}/handovers", json={
            "organization_id": world.buurtteam.id, "purpose": "warm_handover",
            "data_categories": ["identity"], "consent_id": str(match.offering_consent_id)})

    assert response.status_code == 422
    assert response.json["errors"] == {"consent_id": [
        "This consent is for sharing with another resident."]}


def test_the_consent_record_names_the_recipient_resident_by_id_only(login, world, pair):
    match = create_match(world.coach, *pair)
    db.session.commit()

    record = login(world.privacy_officer).get(
        f"/api/v1/consents/{match.offering_consent_id}/record").json

    (purpose,) = record["purposes"]
    assert purpose["purpose_id"] == "resident_connection"
    assert purpose["recipients"] == [{"id": str(match.seeking_resident_id),
                                      "id_type": "pseudonymous", "name": None,
                                      "kind": "resident", "role": "recipient"}]
    assert "Henk" not in str(record)


# --- data subject requests ------------------------------------------------------------------

def test_the_export_lists_the_residents_connections_without_the_other_name(login, world,
                                                                          pair):
    offering, seeking = pair
    match = create_match(world.coach, offering, seeking, state="agreed")
    db.session.commit()

    export = login(world.privacy_officer).get(f"/api/v1/residents/{seeking.id}/export").json

    assert export["matches"] == [{
        "id": str(match.id), "state": "agreed", "offer": "cooking", "role": "seeking",
        "other_resident_id": str(offering.id), "own_consent_id": str(match.seeking_consent_id),
        "proposed_at": match.created_at.isoformat(), "agreed_at": match.agreed_at.isoformat(),
        "met_at": None, "ended_at": None}]
    (consent,) = export["consents"]
    assert consent["recipient_resident_id"] == str(offering.id)
    assert consent["recipient_organization"] is None
    assert "Fatima" not in str(export)


def test_erasure_declines_the_open_connections_first(login, world, pair):
    offering, seeking = pair
    open_match = create_match(world.coach, offering, seeking, state="agreed")
    met = create_match(world.coach, offering, seeking, offer="company", state="met")
    db.session.commit()

    response = login(world.privacy_officer).post(f"/api/v1/residents/{seeking.id}/erasure",
                                                 json={})

    assert response.status_code == 200, response.json
    db.session.expire_all()
    assert db.session.get(Match, open_match.id).state == "declined"
    assert db.session.get(Match, met.id).state == "met"
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.object_id == str(open_match.id), AuditEvent.trigger == "decline")
    ).scalar_one()
    assert event.actor_role is None
    note = db.session.execute(select(TransitionNote).where(
        TransitionNote.event_seq == event.seq)).scalar_one()
    # The system's own words: erasure withdrew the resident's consent, which ended the match.
    assert (note.text, note.erased_at) == ("consent withdrawn", None)
    card = login(world.coach).get(f"/api/v1/matches/{met.id}").json["contact_card"]
    assert card is None


def test_processing_log_entries_name_the_match(world, pair, ctx):
    match = create_match(world.coach, *pair, state="agreed")
    entries = db.session.execute(select(ProcessingLogEntry).where(
        ProcessingLogEntry.object_id == str(match.id))).scalars().all()
    assert len(entries) == 2
    assert all(e.object_type == "match" for e in entries)



def test_a_consent_withdrawn_while_agreeing_is_seen_and_agreement_refused(world, pair, ctx,
                                                                          monkeypatch):
    """The guard locks the consents it relies on and reads them afresh: a withdrawal that
    committed between the decision and the agreement is not overlooked."""
    from sqlalchemy import update

    from app.matches import operations
    from app.matches.operations import fire_match
    from workflows import WorkflowError

    offering, seeking = pair
    earlier = create_match(world.coach, offering, seeking, state="met")
    later = create_match(world.coach, offering, seeking, offer="company")
    fire_consent(later.seeking_consent, "give", world.coach, GIVE)
    decide_both = operations._both_directions

    def withdrawn_meanwhile(actor, match):
        decisions = decide_both(actor, match)
        db.session.execute(update(Consent.__table__)
                           .where(Consent.__table__.c.id == earlier.offering_consent_id)
                           .values(state="withdrawn"))
        return decisions

    monkeypatch.setattr(operations, "_both_directions", withdrawn_meanwhile)

    with pytest.raises(WorkflowError, match="intussen veranderd"):
        fire_match(later, "agree", world.coach, {})
    assert later.state == "proposed"
