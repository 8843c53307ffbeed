"""The warm handover over HTTP: prepared once the help question is formulated, offered only
under a valid consent, taken on only by the receiving organisation — and moving the case along
(refer, start_support, referral_failed) by itself."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.audit import chain
from app.audit.models import AuditEvent, ProcessingLogEntry
from app.cases.models import Case
from app.db import db, utcnow
from app.handovers.models import Handover
from tests import factories
from tests.writes import nothing_written

HANDOVERS = "/api/v1/handovers"
INTRO_AT = "2031-03-04T10:30:00+01:00"


def english(api):
    api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return api


@pytest.fixture
def coach(as_user, world):
    return english(as_user(world.coach))


@pytest.fixture
def professional(as_user, world):
    """A professional of the Buurtteam organisation, the receiving one in these tests."""
    return english(as_user(world.professional))


@pytest.fixture
def other_professional(as_user, world):
    """A professional of Schuldhulp: not the receiving organisation."""
    return english(as_user(world.other_professional))


def make_case(world, state="question_formulated"):
    case = factories.create_case(world.resident, world.coach, state,
                                 professional=world.professional)
    db.session.commit()
    return case


def make_handover(world, case, state="draft", organization=None, professional=None, **kwargs):
    handover = factories.create_handover(case, world.coach, organization or world.buurtteam,
                                         state=state,
                                         professional=professional or world.professional,
                                         **kwargs)
    db.session.commit()
    return handover


def prepare(api, case_id, organization, categories=("identity", "contact", "help_question"),
            **extra):
    return api.post(f"/api/v1/cases/{case_id}/handovers", json={
        "organization_id": organization.id, "purpose": "warm_handover",
        "data_categories": list(categories), **extra})


def fire(api, handover_id, trigger, version=None, **arguments):
    if version is None:
        db.session.expire_all()
        version = fresh(Handover, handover_id).version
    return api.post(f"{HANDOVERS}/{handover_id}/transitions",
                    json={"trigger": trigger, "version": version, **arguments})


def fresh(model, object_id):
    db.session.expire_all()
    return db.session.get(model, uuid.UUID(str(object_id)))


def transitions_of(object_id) -> list[tuple[str, str, str]]:
    return [(e.trigger, e.from_state, e.to_state) for e in db.session.execute(
        select(AuditEvent)
        .where(AuditEvent.event_type == "transition", AuditEvent.object_id == str(object_id))
        .order_by(AuditEvent.seq)
    ).scalars()]


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


def snapshot(handover_id) -> tuple[str, int, int]:
    """What a refused request must leave untouched: state, version and the transition log."""
    handover = fresh(Handover, handover_id)
    return handover.state, handover.version, len(transitions_of(handover_id))


# --- preparing --------------------------------------------------------------------------------

@pytest.mark.parametrize("state", ["question_formulated", "referred", "supported"])
def test_a_handover_is_prepared_once_the_question_is_formulated(coach, world, state):
    case = make_case(world, state)
    response = prepare(coach, case.id, world.schuldhulp, note="Zij spreekt Arabisch.")
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["state"], body["version"]) == ("draft", 1)
    assert body["allowed_triggers"] == ["request_consent", "offer", "withdraw"]
    assert (body["organization_id"], body["organization"]) == (world.schuldhulp.id,
                                                               world.schuldhulp.name)
    assert body["data_categories"] == ["identity", "contact", "help_question"]
    assert (body["case_id"], body["note"], body["consent_id"]) == (
        str(case.id), "Zij spreekt Arabisch.", None)
    assert fresh(Case, case.id).state == state  # preparing moves nothing


@pytest.mark.parametrize("state", ["contacted", "exploring", "paused", "closed"])
def test_no_handover_before_the_question_is_formulated(coach, world, state):
    case = make_case(world, state)
    response = prepare(coach, case.id, world.buurtteam)
    assert_error(response, 422, "A handover can be prepared once the help question is "
                 f"formulated (the case is now {state}).")
    assert fresh(Case, case.id).handovers == []


INVALID_HANDOVERS = [
    ({"organization_id": 999_999}, "organization_id"),
    ({"organization_id": "2"}, "organization_id"),
    ({"purpose": "marketing"}, "purpose"),
    ({"purpose": None}, "purpose"),
    ({"data_categories": []}, "data_categories"),
    ({"data_categories": ["bsn"]}, "data_categories"),
    ({"data_categories": ["identity", "identity"]}, "data_categories"),
    ({"consent_id": "nope"}, "consent_id"),
    ({"note": "BSN 111222333"}, "note"),
]


def test_handover_input_is_validated(coach, world):
    case = make_case(world)
    with nothing_written():
        for payload, field in INVALID_HANDOVERS:
            body = {"organization_id": world.buurtteam.id, "purpose": "warm_handover",
                    "data_categories": ["identity"], **payload}
            response = coach.post(f"/api/v1/cases/{case.id}/handovers", json=body)
            assert list(assert_error(response, 422)["errors"]) == [field], payload
    assert fresh(Case, case.id).handovers == []


def test_a_consent_of_another_resident_cannot_be_linked(coach, world):
    case = make_case(world)
    neighbour = factories.create_resident(factories.create_dwelling(world.building),
                                          display_name="Kees Jansen")
    theirs = factories.create_consent(neighbour, world.coach, world.buurtteam)
    db.session.commit()
    message = "This consent belongs to another resident."
    with nothing_written():
        response = prepare(coach, case.id, world.buurtteam, consent_id=str(theirs.id))
    assert_error(response, 422, message, consent_id=[message])


def test_consent_outside_the_coachs_scope_is_not_found(coach, world):
    case = make_case(world)
    elsewhere = factories.create_consent(world.other_resident, world.other_coach, world.buurtteam)
    db.session.commit()
    with nothing_written():
        assert_error(prepare(coach, case.id, world.buurtteam, consent_id=str(elsewhere.id)),
                     404)


def test_only_the_cases_coach_prepares_handovers(as_user, world, professional):
    case = make_case(world)
    other_coach = english(as_user(world.other_coach))
    with nothing_written():
        assert_error(prepare(professional, case.id, world.buurtteam), 403,
                     "Your role does not allow this action.")
        assert_error(prepare(other_coach, case.id, world.buurtteam), 404)


# --- offering needs consent -------------------------------------------------------------------

def test_offer_without_consent_is_refused_and_the_denial_stays_logged(coach, world, as_user):
    case = make_case(world)
    handover = make_handover(world, case)
    before = snapshot(handover.id)
    with nothing_written(denied=world.coach):  # only the denial, kept after the rollback
        response = fire(coach, handover.id, "offer", 1)
    body = assert_error(response, 422)
    assert body["message"].startswith(
        "No valid consent or approved safety disclosure covers this handover: ")
    assert "no consent is recorded for this resident" in body["message"]
    assert "no safety disclosure was made" in body["message"]
    assert body["errors"] == {"trigger": [body["message"]],
                              "allowed_triggers": ["request_consent", "offer", "withdraw"]}
    assert snapshot(handover.id) == before == ("draft", 1, 0)
    assert fresh(Case, case.id).state == "question_formulated"
    assert transitions_of(case.id)[-1][0] == "formulate_question"  # no refer

    [denial] = db.session.execute(
        select(ProcessingLogEntry).where(ProcessingLogEntry.object_id == str(handover.id))
    ).scalars()
    assert (denial.action, denial.decision, denial.processing_activity) == (
        "offer_handover", "denied", "warm_handover")
    assert (denial.data_subject_id, denial.actor_id, denial.recipient_organization_id) == (
        str(world.resident.id), world.coach.id, world.buurtteam.id)
    assert denial.consent_id is None
    assert denial.request_id == response.headers["X-Request-Id"]
    assert "no consent is recorded for this resident" in denial.reasons
    assert chain.verify(ProcessingLogEntry).valid

    officer = as_user(world.privacy_officer)
    listed = officer.get(f"/api/v1/audit/processing-log?resident_id={world.resident.id}"
                         "&decision=denied")
    assert [e["object_id"] for e in listed.json] == [str(handover.id)]


@pytest.mark.parametrize(("consent_state", "gap"), [
    ("requested", "consent is requested but not given"),
    ("refused", "consent was refused"),
    ("withdrawn", "consent is withdrawn"),
    ("revoked", "consent is revoked (recorded in error)"),
])
def test_offer_names_why_the_consent_does_not_count(coach, world, consent_state, gap):
    case = make_case(world)
    consent = factories.create_consent(world.resident, world.coach, world.buurtteam,
                                       state=consent_state)
    handover = make_handover(world, case)
    with nothing_written(denied=world.coach):
        body = assert_error(fire(coach, handover.id, "offer", 1), 422)
    assert f"{gap} (consent {consent.id})" in body["message"]
    assert snapshot(handover.id) == ("draft", 1, 0)


def test_offer_names_the_categories_the_consent_lacks(coach, world):
    case = make_case(world)
    consent = factories.create_consent(world.resident, world.coach, world.buurtteam,
                                       data_categories=["identity"])
    handover = make_handover(world, case)
    with nothing_written(denied=world.coach):
        body = assert_error(fire(coach, handover.id, "offer", 1), 422)
    assert (f"consent does not cover categories: contact, help_question (consent {consent.id})"
            in body["message"])


def test_consent_for_another_organisation_does_not_count(coach, world):
    case = make_case(world)
    factories.create_consent(world.resident, world.coach, world.schuldhulp)
    handover = make_handover(world, case)
    with nothing_written(denied=world.coach):
        body = assert_error(fire(coach, handover.id, "offer", 1), 422)
    assert (f"no consent for purpose warm_handover and organisation {world.buurtteam.id}"
            in body["message"])


def test_offer_under_a_given_consent_refers_the_case(coach, world):
    case = make_case(world)
    consent = factories.create_consent(world.resident, world.coach, world.buurtteam)
    handover = make_handover(world, case)
    before = utcnow()
    response = fire(coach, handover.id, "offer", 1)
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["state"], body["allowed_triggers"]) == ("offered", ["withdraw"])
    assert body["version"] > 1
    assert body["consent_id"] == str(consent.id)  # remembered: its end ends this handover
    offered_at = datetime.fromisoformat(body["offered_at"])
    assert offered_at >= before
    assert datetime.fromisoformat(body["response_due_at"]) >= offered_at + timedelta(days=5)

    assert fresh(Case, case.id).state == "referred"
    refer = db.session.execute(
        select(AuditEvent).where(AuditEvent.object_id == str(case.id),
                                 AuditEvent.trigger == "refer")
    ).scalar_one()
    assert (refer.from_state, refer.to_state) == ("question_formulated", "referred")
    assert (refer.actor_id, refer.actor_role) == (None, None)  # the system fired it
    offer = db.session.execute(
        select(AuditEvent).where(AuditEvent.object_id == str(handover.id),
                                 AuditEvent.trigger == "offer")
    ).scalar_one()
    assert (offer.actor_id, offer.actor_role) == (world.coach.id, "flatcoach")
    assert offer.request_id == refer.request_id == response.headers["X-Request-Id"]
    assert refer.seq == offer.seq + 1

    allowed = db.session.execute(
        select(ProcessingLogEntry).where(ProcessingLogEntry.object_id == str(handover.id))
    ).scalars().all()
    assert [(e.action, e.decision, e.consent_id, e.legal_basis) for e in allowed] == [
        ("offer_handover", "allowed", str(consent.id), "consent")]


@pytest.mark.parametrize(("trigger", "arguments", "state"), [
    ("revise_question", {}, "exploring"),
    ("pause", {"reason": "Even rust."}, "paused"),
])
def test_a_draft_is_not_offered_while_the_case_is_not_ready(coach, world, trigger, arguments,
                                                            state):
    """Offered from there, the case would skip `refer` and never reach `supported`."""
    case = make_case(world)
    factories.create_consent(world.resident, world.coach, world.buurtteam)
    handover = make_handover(world, case)
    version = fresh(Case, case.id).version
    moved = coach.post(f"/api/v1/cases/{case.id}/transitions",
                       json={"trigger": trigger, "version": version, **arguments})
    assert moved.json["state"] == state
    before = snapshot(handover.id)
    message = ("A handover can be offered once the help question is formulated "
               f"(the case is now {state}).")
    version = fresh(Handover, handover.id).version
    with nothing_written():  # nothing was about to be disclosed: no decision, no denial
        response = fire(coach, handover.id, "offer", version)
    assert_error(response, 422, message, trigger=[message])
    assert snapshot(handover.id) == before
    assert fresh(Case, case.id).state == state
    disclosures = db.session.execute(
        select(ProcessingLogEntry).where(ProcessingLogEntry.object_id == str(handover.id))
    ).scalars().all()
    assert disclosures == []  # nothing was about to be disclosed


def test_request_consent_then_offer_once_given(coach, world):
    case = make_case(world)
    draft = make_handover(world, case)
    message = "Link a consent that has been requested (state 'requested') first."
    with nothing_written():
        assert_error(fire(coach, draft.id, "request_consent", 1), 422, message)
    assert snapshot(draft.id) == ("draft", 1, 0)

    consent = coach.post(f"/api/v1/residents/{world.resident.id}/consents", json={
        "purpose": "warm_handover", "recipient_organization_id": world.buurtteam.id,
        "data_categories": ["identity", "contact", "help_question"]}).json
    linked = prepare(coach, case.id, world.buurtteam, consent_id=consent["id"]).json
    waiting = fire(coach, linked["id"], "request_consent", 1)
    assert (waiting.status_code, waiting.json["state"]) == (200, "awaiting_consent")
    assert waiting.json["allowed_triggers"] == ["offer", "withdraw"]
    version = fresh(Handover, linked["id"]).version
    with nothing_written(denied=world.coach):
        assert_error(fire(coach, linked["id"], "offer", version), 422)  # not given yet

    given = coach.post(f"/api/v1/consents/{consent['id']}/transitions", json={
        "trigger": "give", "version": 1, "method": "written", "notice_version": "2025-01"})
    assert given.json["state"] == "given"
    offered = fire(coach, linked["id"], "offer")
    assert (offered.status_code, offered.json["state"]) == (200, "offered")
    assert fresh(Case, case.id).state == "referred"


# --- who sees and answers the offer -----------------------------------------------------------

@pytest.mark.parametrize("state", ["draft", "awaiting_consent"])
def test_professionals_do_not_see_a_handover_before_it_is_offered(professional, world, state):
    case = make_case(world)
    handover = make_handover(world, case, state)
    before = snapshot(handover.id)
    version = fresh(Handover, handover.id).version
    with nothing_written():
        assert_error(professional.get(f"{HANDOVERS}/{handover.id}"), 404, "Not found.")
        assert_error(fire(professional, handover.id, "accept", version), 404)
        assert professional.get(HANDOVERS).json == []
    assert snapshot(handover.id) == before


def test_the_receiving_professional_reads_only_released_categories(professional, world):
    case = make_case(world)
    handover = make_handover(world, case, "offered", data_categories=["identity", "contact"])
    listed = professional.get(f"{HANDOVERS}?state=offered")
    assert [h["id"] for h in listed.json] == [str(handover.id)]
    body = professional.get(f"{HANDOVERS}/{handover.id}").json
    assert body["case_id"] is None
    assert body["released_categories"] == ["contact", "identity"]
    assert set(body["resident"]) == {"identity", "contact"}
    assert body["resident"]["identity"]["display_name"] == "Fatima El Amrani"
    assert body["access"]["allowed"] is True
    assert body["allowed_triggers"] == ["accept", "decline"]
    read = db.session.execute(
        select(ProcessingLogEntry).where(ProcessingLogEntry.action == "read_handover",
                                         ProcessingLogEntry.object_id == str(handover.id))
    ).scalar_one()
    assert (read.decision, read.actor_id) == ("allowed", world.professional.id)


def test_professional_of_another_organisation_cannot_see_or_answer(other_professional, world):
    case = make_case(world)
    handover = make_handover(world, case, "offered")
    before = snapshot(handover.id)
    assert_error(other_professional.get(f"{HANDOVERS}/{handover.id}"), 404, "Not found.")
    assert other_professional.get(HANDOVERS).json == []
    for trigger, arguments in (("accept", {}), ("decline", {"decline_reason": "no_capacity"})):
        assert_error(fire(other_professional, handover.id, trigger, **arguments), 404)
    assert snapshot(handover.id) == before


def test_the_coach_cannot_accept_on_behalf_of_the_professional(coach, world):
    case = make_case(world)
    handover = make_handover(world, case, "offered")
    before = snapshot(handover.id)
    message = "Your role cannot fire 'accept'."
    version = fresh(Handover, handover.id).version
    with nothing_written():
        response = fire(coach, handover.id, "accept", version)
    assert_error(response, 403, message, trigger=[message], allowed_triggers=["withdraw"])
    assert snapshot(handover.id) == before


@pytest.mark.parametrize("role", ["privacy_officer", "coordinator"])
def test_other_roles_have_no_handover_transitions(as_user, world, role):
    case = make_case(world)
    handover = make_handover(world, case, "offered")
    api = english(as_user(world.user(role)))
    version = fresh(Handover, handover.id).version
    with nothing_written():
        assert_error(fire(api, handover.id, "withdraw", version, reason="x"), 403,
                     "Your role does not allow this action.")


# --- the warm handover, step by step ----------------------------------------------------------

def test_the_warm_handover_from_accept_to_complete(coach, professional, as_user, world):
    case = make_case(world)
    handover = make_handover(world, case, "offered")
    colleague = english(as_user(factories.create_user("professional", world.buurtteam)))
    db.session.commit()

    accepted = fire(professional, handover.id, "accept")
    assert accepted.status_code == 200, accepted.json
    assert (accepted.json["state"], accepted.json["accepted_by_id"]) == (
        "accepted", world.professional.id)
    assert accepted.json["response_due_at"] is None
    assert accepted.json["allowed_triggers"] == ["schedule_intro"]  # withdrawing is the coach's
    before = snapshot(handover.id)

    # Date and place are both needed, and the date must carry its timezone.
    for arguments, field in (({"place": "Buurtkamer"}, "intro_at"),
                             ({"intro_at": INTRO_AT}, "place"),
                             ({"intro_at": INTRO_AT, "place": "  "}, "place")):
        body = assert_error(fire(professional, handover.id, "schedule_intro", **arguments), 422)
        assert field in body["errors"]
    naive = fire(professional, handover.id, "schedule_intro", intro_at="2031-03-04T10:30:00",
                 place="Buurtkamer")
    assert "intro_at" in assert_error(naive, 422)["errors"]
    # A colleague who did not accept it stays out of the introduction.
    assert_error(fire(colleague, handover.id, "schedule_intro", intro_at=INTRO_AT,
                      place="Buurtkamer"), 422,
                 "Only the coach or the professional who accepted can do this.")
    assert snapshot(handover.id) == before

    scheduled = fire(professional, handover.id, "schedule_intro", intro_at=INTRO_AT,
                     place="Buurtkamer Zambesidreef")
    assert scheduled.status_code == 200, scheduled.json
    assert scheduled.json["state"] == "intro_scheduled"
    assert datetime.fromisoformat(scheduled.json["intro_at"]) == datetime(
        2031, 3, 4, 9, 30, tzinfo=UTC)
    assert scheduled.json["intro_place"] == "Buurtkamer Zambesidreef"

    moved = fire(coach, handover.id, "reschedule_intro", intro_at="2031-03-05T14:00:00+01:00",
                 place="Bij mevrouw thuis")
    assert (moved.json["state"], moved.json["intro_place"]) == ("intro_scheduled",
                                                                "Bij mevrouw thuis")
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.object_id == str(handover.id),
                                 AuditEvent.trigger == "reschedule_intro")
    ).scalar_one()
    assert event.arguments == {"intro_at": "2031-03-05T14:00:00+01:00",
                             "place": "Bij mevrouw thuis"}

    before_intro = utcnow()
    held = fire(coach, handover.id, "record_intro")
    assert held.json["state"] == "intro_held"
    assert before_intro <= datetime.fromisoformat(held.json["intro_held_at"]) <= utcnow()
    assert held.json["allowed_triggers"] == ["withdraw"]  # the coach cannot complete it

    assert_error(fire(coach, handover.id, "complete"), 403, "Your role cannot fire 'complete'.")
    assert_error(fire(colleague, handover.id, "complete"), 422,
                 "Only the professional who accepted the handover can complete it.")
    assert fresh(Case, case.id).state == "referred"

    completed = fire(professional, handover.id, "complete")
    assert completed.status_code == 200, completed.json
    assert completed.json["state"] == "completed"
    assert completed.json["allowed_triggers"] == []
    assert fresh(Case, case.id).state == "supported"
    assert transitions_of(handover.id) == [
        ("offer", "draft", "offered"),
        ("accept", "offered", "accepted"),
        ("schedule_intro", "accepted", "intro_scheduled"),
        ("reschedule_intro", "intro_scheduled", "intro_scheduled"),
        ("record_intro", "intro_scheduled", "intro_held"),
        ("complete", "intro_held", "completed"),
    ]
    assert transitions_of(case.id)[-2:] == [("refer", "question_formulated", "referred"),
                                            ("start_support", "referred", "supported")]


@pytest.mark.parametrize("arguments", [{}, {"reason": "Geen plek."}, {"decline_reason": ""}])
def test_decline_needs_a_reason_code(professional, world, arguments):
    """Free text alone no longer declines: the reason is one of the decline reasons."""
    case = make_case(world)
    handover = make_handover(world, case, "offered")
    before = snapshot(handover.id)
    message = ("'decline_reason' is missing or invalid for 'decline': 'decline_reason' is "
               "required for 'decline'.")
    assert_error(fire(professional, handover.id, "decline", **arguments), 422, message,
                 decline_reason=[message])
    assert snapshot(handover.id) == before


def test_decline_refuses_a_reason_code_not_on_the_list(professional, world):
    case = make_case(world)
    handover = make_handover(world, case, "offered")
    before = snapshot(handover.id)
    message = ("'decline_reason' is missing or invalid for 'decline': 'decline_reason' must be "
               "one of: no_capacity, not_our_field, resident_unreachable, resident_declines, "
               "already_supported, other.")
    for code in ("busy", "Geen tijd", "No_capacity"):
        assert_error(fire(professional, handover.id, "decline", decline_reason=code), 422,
                     message, decline_reason=[message])
    assert snapshot(handover.id) == before


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_another_reason_needs_an_explanation(professional, world, reason):
    case = make_case(world)
    handover = make_handover(world, case, "offered")
    before = snapshot(handover.id)
    message = ("'reason' is missing or invalid for 'decline': 'reason' is required for "
               "'decline' when 'decline_reason' is 'other'.")
    arguments = {"decline_reason": "other"} | ({"reason": reason} if reason is not None else {})
    assert_error(fire(professional, handover.id, "decline", **arguments), 422, message,
                 reason=[message])
    assert snapshot(handover.id) == before
    explained = fire(professional, handover.id, "decline", decline_reason="other",
                     reason="Wij werken alleen in Zuilen.")
    assert explained.status_code == 200, explained.json
    assert (explained.json["decline_reason"], explained.json["ended_reason"]) == (
        "other", "Wij werken alleen in Zuilen.")


@pytest.mark.parametrize("code", ["no_capacity", "not_our_field", "resident_unreachable",
                                  "resident_declines", "already_supported"])
def test_a_listed_reason_needs_no_explanation(professional, coach, world, code):
    case = make_case(world)
    handover = make_handover(world, case, "offered")
    before = utcnow()
    response = fire(professional, handover.id, "decline", decline_reason=code)
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["state"], body["decline_reason"], body["ended_reason"]) == (
        "declined", code, None)
    assert before <= datetime.fromisoformat(body["declined_at"]) <= utcnow()
    assert coach.get(f"{HANDOVERS}/{handover.id}").json["decline_reason"] == code


def test_declining_the_only_active_handover_fails_the_referral(professional, world):
    case = make_case(world)
    handover = make_handover(world, case, "offered")
    response = fire(professional, handover.id, "decline", decline_reason="no_capacity",
                    reason="Wachtlijst tot na de zomer.")
    assert response.status_code == 200, response.json
    assert (response.json["state"], response.json["ended_reason"]) == (
        "declined", "Wachtlijst tot na de zomer.")
    assert response.json["decline_reason"] == "no_capacity"
    case = fresh(Case, case.id)
    assert case.state == "question_formulated"
    failed = db.session.execute(
        select(AuditEvent).where(AuditEvent.object_id == str(case.id),
                                 AuditEvent.trigger == "referral_failed")
    ).scalar_one()
    assert (failed.from_state, failed.to_state, failed.actor_role) == (
        "referred", "question_formulated", None)
    decline = db.session.execute(
        select(AuditEvent).where(AuditEvent.object_id == str(handover.id),
                                 AuditEvent.trigger == "decline")
    ).scalar_one()
    assert decline.arguments == {"decline_reason": "no_capacity",
                                 "reason": "Wachtlijst tot na de zomer."}
    assert decline.request_id == failed.request_id


def test_declining_one_of_two_active_handovers_keeps_the_case_referred(professional, world):
    case = make_case(world, "referred")  # offered to the Buurtteam
    [first] = case.handovers
    make_handover(world, case, "draft", organization=world.schuldhulp)
    assert fire(professional, first.id, "decline",
                decline_reason="no_capacity").status_code == 200
    assert fresh(Case, case.id).state == "referred"


@pytest.mark.parametrize("state", ["draft", "awaiting_consent", "offered", "accepted",
                                   "intro_scheduled", "intro_held"])
def test_the_coach_withdraws_a_handover_in_any_active_state(coach, world, state):
    case = make_case(world)
    handover = make_handover(world, case, state)
    referred = fresh(Case, case.id).state == "referred"
    version = handover.version
    message = "'reason' is missing or invalid for 'withdraw': 'reason' is required for 'withdraw'."
    with nothing_written():
        assert_error(fire(coach, handover.id, "withdraw", version), 422, message)
    response = fire(coach, handover.id, "withdraw", version, reason="Bewoner verhuist.")
    assert response.status_code == 200, response.json
    assert (response.json["state"], response.json["ended_reason"]) == (
        "withdrawn", "Bewoner verhuist.")
    assert response.json["allowed_triggers"] == []
    assert fresh(Case, case.id).state == "question_formulated"
    assert (transitions_of(case.id)[-1][0] == "referral_failed") is referred


def test_the_professional_cannot_withdraw(professional, world):
    case = make_case(world)
    handover = make_handover(world, case, "accepted")
    version = fresh(Handover, handover.id).version
    with nothing_written():
        assert_error(fire(professional, handover.id, "withdraw", version, reason="x"), 403,
                     "Your role cannot fire 'withdraw'.")


@pytest.mark.parametrize("state", ["completed", "declined", "withdrawn"])
def test_a_finished_handover_takes_no_more_triggers(coach, world, state):
    case = make_case(world)
    handover = make_handover(world, case, state)
    version = fresh(Handover, handover.id).version
    with nothing_written():
        body = assert_error(fire(coach, handover.id, "withdraw", version, reason="x"), 422)
    assert body["message"] == (f"'withdraw' is not possible in state '{state}'. "
                               "Possible now: none.")
    assert body["errors"]["allowed_triggers"] == []


def test_stale_version_is_a_conflict(professional, world):
    case = make_case(world)
    handover = make_handover(world, case, "offered")
    before = snapshot(handover.id)
    with nothing_written():
        response = fire(professional, handover.id, "accept", 1)
    assert_error(response, 409,
                 "Someone else changed this in the meantime. Reload it and try again.")
    assert snapshot(handover.id) == before


def test_unknown_handover_trigger(coach, world):
    case = make_case(world)
    handover = make_handover(world, case)
    with nothing_written():
        response = fire(coach, handover.id, "forward", 1)
    assert_error(response, 422,
                 "Unknown trigger. Possible now: request_consent, offer, withdraw.")


def test_a_second_handover_while_supported(coach, other_professional, world):
    case = make_case(world, "supported")
    factories.create_consent(world.resident, world.coach, world.schuldhulp,
                             data_categories=["identity", "finances"])
    db.session.commit()
    created = prepare(coach, case.id, world.schuldhulp, categories=["identity", "finances"])
    assert created.status_code == 201
    offered = fire(coach, created.json["id"], "offer")
    assert (offered.status_code, offered.json["state"]) == (200, "offered")
    assert fresh(Case, case.id).state == "supported"  # refer fires only from question_formulated
    assert [t for t, *_ in transitions_of(case.id)].count("refer") == 1

    seen = other_professional.get(f"{HANDOVERS}/{created.json['id']}")
    assert seen.status_code == 200
    assert seen.json["released_categories"] == ["finances", "identity"]
    declined = fire(other_professional, created.json["id"], "decline",
                    decline_reason="not_our_field", reason="Geen schulden.")
    assert declined.json["state"] == "declined"
    assert fresh(Case, case.id).state == "supported"  # help already started elsewhere


def test_coach_lists_handovers_of_own_cases_by_state(coach, as_user, world):
    case = make_case(world)
    draft = make_handover(world, case)
    offered = make_handover(world, case, "offered", organization=world.schuldhulp,
                            professional=world.other_professional)
    factories.create_case(world.other_resident, world.other_coach, "referred",
                          organization=world.buurtteam)
    db.session.commit()
    assert {h["id"] for h in coach.get(HANDOVERS).json} == {str(draft.id), str(offered.id)}
    assert [h["id"] for h in coach.get(f"{HANDOVERS}?state=draft").json] == [str(draft.id)]
    other_coach = as_user(world.other_coach)
    with nothing_written():
        assert coach.get(f"{HANDOVERS}?state=gone").status_code == 422
        assert other_coach.get(f"{HANDOVERS}/{draft.id}").status_code == 404


def test_unknown_handover_is_not_found(coach, world):
    with nothing_written():
        assert_error(coach.get(f"{HANDOVERS}/{uuid.uuid4()}"), 404, "Not found.")


def test_a_transition_and_the_log_entry_of_its_answer_commit_together(professional, world):
    """One commit per request: a client is never told 'error' about an applied transition
    because the database went away between two commits."""
    from tests.statements import commits

    handover = make_handover(world, make_case(world), state="offered")
    with commits() as seen:
        response = fire(professional, handover.id, "accept")

    assert response.status_code == 200, response.json
    assert response.json["state"] == "accepted"
    assert len(seen) == 1
    entry = db.session.execute(
        select(ProcessingLogEntry).where(ProcessingLogEntry.object_id == str(handover.id))
        .order_by(ProcessingLogEntry.seq.desc()).limit(1)).scalar_one()
    assert entry.actor_id == world.professional.id
