"""Erasure ends the path (rule 9): in one transaction every valid or requested consent ends,
every non-final handover is withdrawn, the open case is closed with the outcome `erased` and
open matches are declined — each a logged system transition — notifications about the
resident go, and every free-text value their records hold is cleared. Afterwards nothing
offers a transition any more. The end of retention anonymises the same way."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import JSON, String, func, select

from app.audit import chain
from app.audit.logs import CHAINED_LOGS
from app.audit.models import AuditEvent, ProcessingLogEntry, TransitionNote
from app.cases.models import Case, CheckIn
from app.cases.operations import fire_case, record_checkin, update_notes
from app.consent.models import Consent
from app.consent.operations import fire_consent
from app.consent.recording import request_consent
from app.db import db, utcnow
from app.handovers.models import Alert, AlertKind, Handover
from app.handovers.operations import (
    conclude_review,
    fire_handover,
    make_safety_disclosure,
)
from app.handovers.operations import create_handover as prepare_handover
from app.insight import counts as insight_counts
from app.matches.models import Match
from app.matches.operations import fire_match
from app.portal.models import MessageKind, ResidentAccess, ResidentMessage
from app.portal.operations import issue_letter
from app.privacy.operations import run_retention
from app.residents.models import Resident
from app.visits.operations import record_visit
from policies import default_valid_until
from tests import factories
from tests.matches_helpers import create_match
from tests.web import login as web_login
from tests.web import text

MARKER = "Zwaluwhof"
"""In every free text typed about the resident; no fixture, vocabulary or log uses it."""
ENDED = "resident anonymised"
CATEGORIES = ["identity", "contact", "help_question"]
NOTES = ("household_notes", "living_situation_notes", "finances_notes", "health_notes",
         "safety_notes", "coach_notes")
ANONYMISED = "This resident has been anonymised: nothing here can change any more."

# Every string column, sorted by what erasure does with it. A new column must be placed
# here: either it holds text typed about a resident (erasure clears it, and the `path`
# fixture below fills it) or it never does.
CLEARED = {
    "residents.display_name", "residents.phone", "residents.languages",
    "visits.notes",
    *(f"cases.{name}" for name in NOTES),
    "help_questions.text",
    "checkins.note",
    "handovers.note", "handovers.intro_place", "handovers.ended_reason",
    "safety_disclosures.justification", "safety_disclosures.finding",
    "consents.notice_version", "consents.end_reason",
    "transition_notes.text",
    "alerts.resolution_note",  # with the alert itself
    "resident_messages.text",  # with the message itself
    # the lists of languages counted per building: gone once nobody is counted under them
    "insight_counts.category",
}
# Typed about the resident, but erasure waits while it is set.
BLOCKS_ERASURE = {"residents.legal_hold_reason"}
NEVER_ABOUT_A_RESIDENT = {
    # vocabularies and states
    "cases.state", "cases.paused_from", "cases.outcome", "consents.state", "consents.purpose",
    "consents.data_categories", "consents.method", "handovers.state", "handovers.purpose",
    "handovers.data_categories", "help_questions.themes", "help_questions.urgency",
    "matches.state", "matches.offer", "visits.outcome", "visits.themes", "visits.offers",
    "visits.wishes", "latest_answers.question", "latest_answers.answer", "alerts.kind",
    "notifications.kind", "timer_runs.name",
    # the samenwerkingsconvenants: agreements between organisations
    "convenants.title", "convenants.version", "convenants.text", "convenants.text_sha256",
    "convenants.activities", "convenant_parties.role", "convenant_parties.contact",
    "convenant_parties.legal_bases", "processing_log.convenant_id",
    "processing_log.convenant_version", "handovers.decline_reason", "checkins.outcome",
    "safety_disclosures.legal_basis", "safety_disclosures.review_status",
    "transition_notes.name", "transition_notes.object_type", "transition_notes.object_id",
    "possible_duplicates.state", "sync_receipts.kind",
    # neighbourhood insight's counts: a measure, a period and a vocabulary's value per
    # building (the category, a list of languages, is cleared with the residents' lists)
    "insight_counts.measure", "insight_counts.period", "insight_counts.detail",
    # the logs: pseudonymous ids, vocabularies and digests only
    "audit_events.event_type", "audit_events.actor_role", "audit_events.object_type",
    "audit_events.object_id", "audit_events.trigger", "audit_events.from_state",
    "audit_events.to_state", "audit_events.details", "audit_events.request_id",
    "audit_events.prev_hash", "audit_events.hash", "log_chain_heads.log_name",
    "log_chain_heads.last_hash", "processing_log.action", "processing_log.processing_activity",
    "processing_log.legal_basis", "processing_log.decision", "processing_log.data_subject_id",
    "processing_log.categories", "processing_log.consent_id",
    "processing_log.safety_disclosure_id", "processing_log.actor_role",
    "processing_log.object_type", "processing_log.object_id", "processing_log.confidentiality",
    "processing_log.reasons", "processing_log.request_id", "processing_log.prev_hash",
    "processing_log.hash", "processing_log.trace_id",
    # staff, organisations, places and the Buurtkamer's own activities
    "users.email", "users.name", "users.role", "users.password_hash", "users.session_nonce",
    "users.phone", "users.locale",
    "api_tokens.token_hash", "login_throttles.key", "organizations.name", "organizations.kind",
    "neighbourhoods.name", "neighbourhoods.city", "buildings.name", "dwellings.street",
    "dwellings.addition", "dwellings.postcode", "activities.title", "activities.theme",
    "activities.place",
    # the sociale kaart: partner organisations, their services and where (HSDS)
    "organization_identifiers.scheme", "organization_identifiers.identifier",
    "partner_organizations.name", "partner_organizations.description",
    "partner_organizations.email", "partner_organizations.website",
    "partner_organizations.identifiers", "partner_services.name",
    "partner_services.description", "partner_services.url", "partner_services.email",
    "partner_services.status", "partner_locations.location_type", "partner_locations.name",
    "partner_locations.description", "partner_locations.addresses",
    "partner_service_at_locations.description",
    # the resident's own page: the account's number and the code's digest, the message kind
    "resident_access.account_number", "resident_access.code_hash", "resident_messages.kind",
    # funding streams: the funder, the stream's name and the help themes it pays for
    "funding_streams.name", "funding_streams.funder_name", "funding_streams.themes",
}


def typed(what: str) -> str:
    return f"{what} {MARKER}"


def string_columns() -> set[str]:
    from app.models import import_all

    import_all()  # every table, also when no test before this one made an app
    return {f"{table.name}.{column.name}" for table in db.metadata.sorted_tables
            for column in table.columns if isinstance(column.type, String | JSON)}


def columns_holding(marker: str) -> set[str]:
    """Every column of every table with a value that contains `marker`."""
    found = set()
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            found.update(f"{table.name}.{name}" for name, value in row._mapping.items()
                         if value is not None and marker in str(value))
    return found


def transitions(subject: Any) -> list[AuditEvent]:
    return list(db.session.execute(
        select(AuditEvent).where(AuditEvent.event_type == "transition",
                                 AuditEvent.object_id == str(subject.id))
        .order_by(AuditEvent.seq)).scalars())


def last_transition(subject: Any) -> tuple[str | None, str | None, str | None, dict[str, Any]]:
    event = transitions(subject)[-1]
    return event.trigger, event.to_state, event.actor_role, event.arguments


def count(model: Any) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def consent(world: Any, organization: Any, state: str, *,
            purpose: str = "warm_handover", categories: list[str] = CATEGORIES) -> Consent:
    """A consent of the world's resident, given with a notice version typed by the coach."""
    given = request_consent(world.coach, world.resident.id, {
        "purpose": purpose, "recipient_organization_id": organization.id,
        "data_categories": categories, "valid_until": default_valid_until(utcnow())})
    if state in ("given", "withdrawn"):
        fire_consent(given, "give", world.coach,
                     {"method": "written", "notice_version": typed("notice")})
    if state == "withdrawn":
        fire_consent(given, "withdraw", world.coach, {"reason": typed("withdrawn because")})
    return given


@pytest.fixture
def login(as_user: Any) -> Any:
    def make(user: Any) -> Any:
        api = as_user(user)
        api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return api

    return make


@pytest.fixture
def path(world: Any) -> dict[str, Any]:
    """A resident far along their path, every free text typed about them holding MARKER:
    a paused case (supported before, with a check-in) with notes and a help question;
    handovers in draft, awaiting consent, with the introduction scheduled, completed,
    declined, and offered under a justified safety disclosure; consents requested, given and withdrawn; matches proposed,
    agreed and declined; an organiser of a Buurtkamer activity; an escalation."""
    resident = world.resident
    with insight_counts.kept(residents=[resident.id]):  # as registering them would count
        resident.display_name = typed("Amal")
        resident.phone = typed("06")
        resident.languages = ["Nederlands", typed("Tarifit")]
    record_visit(world.coach, world.dwelling, {
        "resident_id": resident.id, "outcome": "talked", "themes": ["housing"],
        "notes": typed("at the door")})
    case = factories.create_formulated_case(resident, world.coach, text=typed("help question"))
    update_notes(world.coach, case, {**{name: typed(name) for name in NOTES},
                                     "household_size": 4})

    given = consent(world, world.buurtteam, "given")
    intro = factories.create_handover(case, world.coach, world.buurtteam, consent=given,
                                      state="intro_scheduled", professional=world.professional)
    homecare = factories.create_organization(kind="other")
    factories.create_handover(case, world.coach, homecare, state="completed")
    record_checkin(world.coach, case, {"outcome": "going_well", "note": typed("check-in")},
                   now=utcnow() + timedelta(days=40))
    fire_handover(intro, "reschedule_intro", world.coach,
                  {"intro_at": utcnow() + timedelta(days=4), "place": typed("at home")})
    requested = consent(world, world.schuldhulp, "requested")
    awaiting = factories.create_handover(case, world.coach, world.schuldhulp, consent=requested,
                                         state="awaiting_consent")
    withdrawn = consent(world, world.schuldhulp, "withdrawn")
    draft = prepare_handover(world.coach, case, {
        "organization_id": world.welzijn.id, "purpose": "warm_handover",
        "data_categories": CATEGORIES, "note": typed("handover note")})
    ggz = factories.create_organization(kind="ggz")
    declined = factories.create_handover(case, world.coach, ggz, state="offered")
    fire_handover(declined, "decline", factories.create_user("professional", ggz),
                  {"decline_reason": "other", "reason": typed("declined because")})
    safe_house = factories.create_organization(kind="other")
    safety = factories.create_handover(case, world.coach, safe_house, state="draft",
                                       data_categories=["identity", "safety"])
    disclosure = make_safety_disclosure(world.coach, safety, {
        "justification": typed("in danger"), "legal_basis": "vital_interest"})
    conclude_review(world.privacy_officer, disclosure, typed("finding"), True)
    fire_handover(safety, "offer", world.coach, {})
    fire_case(case, "pause", world.coach, {"reason": typed("paused because")})
    with insight_counts.kept(handovers_of=[resident.id]):  # as the clock would count it
        db.session.add(Alert(kind=AlertKind.ESCALATION, handover_id=intro.id,
                             resolution_note=MARKER))

    neighbour = factories.create_resident(world.dwelling, display_name="Henk de Boer")
    agreed = create_match(world.coach, resident, neighbour, state="agreed")
    proposed = create_match(world.coach, neighbour, resident, offer="company")
    turned_down = create_match(world.coach, resident, neighbour, offer="odd_jobs")
    fire_match(turned_down, "decline", world.coach, {"reason": typed("not now")})
    activity = factories.create_activity(world.building, world.coach)
    organiser = factories.create_organiser(activity, resident, world.coach)
    issue_letter(world.coach, resident)
    db.session.add(ResidentMessage(resident_id=resident.id, kind=MessageKind.MESSAGE,
                                   text=typed("call me")))
    db.session.commit()
    return {"resident": resident, "case": case, "given": given, "requested": requested,
            "withdrawn": withdrawn, "organiser_consent": organiser.consent,
            "intro": intro, "awaiting": awaiting, "draft": draft, "declined": declined,
            "safety": safety, "safe_house": safe_house, "agreed": agreed,
            "proposed": proposed, "turned_down": turned_down, "neighbour": neighbour,
            "activity": activity}


def erase(login: Any, world: Any, resident: Any | None = None) -> Any:
    resident = resident or world.resident
    response = login(world.privacy_officer).post(f"/api/v1/residents/{resident.id}/erasure")
    assert response.status_code == 200, response.json
    db.session.expire_all()
    return response


# --- free text ----------------------------------------------------------------------------------


def test_every_string_column_is_classified():
    unclassified = string_columns() - CLEARED - BLOCKS_ERASURE - NEVER_ABOUT_A_RESIDENT
    assert unclassified == set(), "say whether erasure clears these columns"
    assert (CLEARED | BLOCKS_ERASURE | NEVER_ABOUT_A_RESIDENT) - string_columns() == set()


def test_erasure_clears_every_free_text_the_residents_records_hold(login, world, path):
    assert columns_holding(MARKER) == CLEARED  # the fixture typed into every one of them

    erase(login, world)

    assert columns_holding(MARKER) == set()
    for model in CHAINED_LOGS:
        assert chain.verify(model).valid
    # The resident's own page is closed for good: the account cannot sign in any more.
    access = db.session.execute(select(ResidentAccess)).scalar_one()
    assert access.code_hash is None and not access.user.active


def test_the_notice_version_is_kept_beside_the_log_not_in_it(login, world, path):
    events = transitions(path["given"])
    assert not any(MARKER in str(event.details) for event in events)
    give = next(event for event in events if event.trigger == "give")
    assert give.arguments["notice_version"] == typed("notice")

    erase(login, world)

    assert db.session.get(Consent, path["given"].id).notice_version is None
    assert give.arguments["notice_version"] == ""
    assert "notice_version_sha256" in give.details


# --- the path ends, each step a logged system transition ----------------------------------------


def test_erasure_ends_every_consent_still_valid_or_requested(login, world, path):
    expired = factories.create_consent(world.resident, world.coach, world.welzijn,
                                       state="expired")
    revoked = factories.create_consent(world.resident, world.coach, world.welzijn,
                                       state="revoked")
    refused = factories.create_consent(world.resident, world.coach, world.welzijn,
                                       state="refused")
    db.session.commit()
    untouched = {c.id: len(transitions(c)) for c in (expired, revoked, refused,
                                                     path["withdrawn"])}

    erase(login, world)

    for key in ("given", "organiser_consent"):
        assert db.session.get(Consent, path[key].id).state == "withdrawn"
        assert last_transition(path[key]) == ("withdraw", "withdrawn", None, {"reason": ENDED})
    assert db.session.get(Consent, path["requested"].id).state == "refused"
    assert last_transition(path["requested"]) == ("refuse", "refused", None, {"reason": ENDED})
    # Each match's consent of the resident ends too; the neighbour's own stays theirs.
    agreed = db.session.get(Match, path["agreed"].id)
    assert agreed.offering_consent.state == "withdrawn"
    assert agreed.seeking_consent.state == "given"
    proposed = db.session.get(Match, path["proposed"].id)
    assert proposed.seeking_consent.state == "refused"
    assert proposed.offering_consent.state == "requested"
    for ended in (expired, revoked, refused, path["withdrawn"]):
        assert len(transitions(ended)) == untouched[ended.id]
    assert db.session.execute(select(Consent.state).where(
        Consent.resident_id == world.resident.id,
        Consent.state.in_(("requested", "given")))).all() == []


def test_erasure_withdraws_every_handover_not_yet_final(login, world, path):
    erase(login, world)

    for key in ("intro", "awaiting", "draft", "safety"):
        handover = db.session.get(Handover, path[key].id)
        assert handover.state == "withdrawn"
        trigger, state, role, arguments = last_transition(handover)
        assert (trigger, state, role) == ("withdraw", "withdrawn", None)
        assert arguments["reason"] in (ENDED, "consent withdraw")
        assert handover.response_due_at is None and handover.intro_reminder_due_at is None
    assert db.session.get(Handover, path["declined"].id).state == "declined"


def test_the_receiving_professionals_can_no_longer_read_the_handovers(login, world, path):
    reader = factories.create_user("professional", path["safe_house"])
    db.session.commit()
    readers = [(world.professional, path["intro"]), (reader, path["safety"])]
    for professional, handover in readers:
        before = login(professional).get(f"/api/v1/handovers/{handover.id}").json
        assert before["access"]["allowed"] is True
        assert before["resident"] is not None

    erase(login, world)

    for professional, handover in readers:
        body = login(professional).get(f"/api/v1/handovers/{handover.id}").json
        assert body["access"]["allowed"] is False
        assert (body["resident"], body["released_categories"]) == (None, [])
        assert body["allowed_triggers"] == []
    [denial] = db.session.execute(select(ProcessingLogEntry).where(
        ProcessingLogEntry.object_id == str(path["safety"].id),
        ProcessingLogEntry.action == "read_handover",
        ProcessingLogEntry.decision == "denied")).scalars()
    assert "the resident's data has been erased" in " ".join(denial.reasons)


def test_erasure_closes_the_open_case_with_the_outcome_erased(login, world, path):
    erase(login, world)

    case = db.session.get(Case, path["case"].id)
    assert (case.state, case.outcome, case.paused_from) == ("closed", "erased", None)
    assert case.closed_at is not None
    assert last_transition(case) == ("close_erased", "closed", None, {"outcome": "erased"})


@pytest.mark.parametrize("state", ["contacted", "exploring", "question_formulated",
                                   "referred", "supported", "paused"])
def test_a_case_in_any_open_state_is_closed(login, world, state):
    case = factories.create_case(world.resident, world.coach, state)
    db.session.commit()

    erase(login, world)

    case = db.session.get(Case, case.id)
    assert (case.state, case.outcome) == ("closed", "erased")
    assert all(not handover.active for handover in case.handovers)


def test_a_case_closed_before_keeps_its_outcome(login, world):
    case = factories.create_case(world.resident, world.coach, "closed", outcome="moved")
    db.session.commit()
    before = len(transitions(case))

    erase(login, world)

    assert db.session.get(Case, case.id).outcome == "moved"
    assert len(transitions(case)) == before


def test_erasure_declines_open_matches_and_removes_notifications(login, world, path):
    assert count(Alert) == 1

    erase(login, world)

    for key in ("agreed", "proposed"):
        match = db.session.get(Match, path[key].id)
        assert match.state == "declined" and match.ended_at is not None
        assert last_transition(match)[:3] == ("decline", "declined", None)
    assert count(Alert) == 0
    assert path["activity"].organisers == []


def test_erasure_ends_the_check_ins(login, world, path):
    from app.notifications.models import Notification, NotificationKind
    from app.timers.operations import tick

    planned = [c for c in path["case"].checkins if c.planned]
    assert len(planned) == 3  # the first of four was recorded

    erase(login, world)

    db.session.expire_all()
    checkins = db.session.execute(select(CheckIn).where(
        CheckIn.case_id == path["case"].id)).scalars().all()
    assert [c.note for c in checkins if c.recorded_at] == [""]
    assert all(c.ended_at is not None for c in checkins if c.recorded_at is None)
    tick(now=utcnow() + timedelta(days=800))
    assert db.session.execute(select(func.count()).select_from(Notification).where(
        Notification.kind == NotificationKind.CHECKIN_DUE)).scalar_one() == 0


def test_the_end_is_logged_and_the_logs_name_no_one(login, world, path):
    erase(login, world)

    ended = db.session.execute(
        select(AuditEvent).where(AuditEvent.event_type == "transition",
                                 AuditEvent.actor_role.is_(None))
        .order_by(AuditEvent.seq)).scalars().all()
    assert {(e.object_type, e.trigger) for e in ended} >= {
        ("consent", "withdraw"), ("consent", "refuse"), ("handover", "withdraw"),
        ("case", "close_erased"), ("match", "decline")}
    for model in CHAINED_LOGS:
        assert chain.verify(model).valid
    every_log = " ".join(str(row) for model in (AuditEvent, ProcessingLogEntry)
                         for row in db.session.execute(select(model.__table__)))
    assert MARKER not in every_log
    assert "Amal" not in every_log


def test_a_failure_midway_leaves_nothing_changed(login, world, path, monkeypatch):
    from app.privacy import operations

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    # Consents and handovers have ended by then: the failure comes late.
    monkeypatch.setattr(operations, "fire_case", broken)
    officer = login(world.privacy_officer)
    events, entries = count(AuditEvent), count(ProcessingLogEntry)

    with pytest.raises(RuntimeError):
        officer.post(f"/api/v1/residents/{world.resident.id}/erasure")

    db.session.expire_all()
    resident = db.session.get(Resident, world.resident.id)
    assert (resident.display_name, resident.anonymised_at) == (typed("Amal"), None)
    assert db.session.get(Consent, path["given"].id).state == "given"
    assert db.session.get(Handover, path["intro"].id).state == "intro_scheduled"
    assert db.session.get(Case, path["case"].id).state == "paused"
    assert db.session.get(Match, path["agreed"].id).state == "agreed"
    assert (count(AuditEvent), count(ProcessingLogEntry)) == (events, entries)
    assert columns_holding(MARKER) == CLEARED


# --- nothing offers a transition any more ---------------------------------------------------------


def test_the_api_offers_no_transition_and_refuses_every_one(login, world, path):
    erase(login, world)
    coach, officer = login(world.coach), login(world.privacy_officer)
    case = db.session.get(Case, path["case"].id)
    given = db.session.get(Consent, path["given"].id)
    intro = db.session.get(Handover, path["intro"].id)
    agreed = db.session.get(Match, path["agreed"].id)

    assert coach.get(f"/api/v1/cases/{case.id}").json["allowed_triggers"] == []
    assert coach.get(f"/api/v1/handovers/{intro.id}").json["allowed_triggers"] == []
    assert coach.get(f"/api/v1/matches/{agreed.id}").json["allowed_triggers"] == []
    for api in (coach, officer):
        consents = api.get(f"/api/v1/residents/{world.resident.id}/consents").json
        assert consents and all(c["allowed_triggers"] == [] for c in consents)

    refused = [
        coach.post(f"/api/v1/cases/{case.id}/transitions",
                   json={"trigger": "reopen", "version": case.version}),
        coach.post(f"/api/v1/handovers/{intro.id}/transitions",
                   json={"trigger": "withdraw", "version": intro.version, "reason": "x"}),
        officer.post(f"/api/v1/consents/{given.id}/transitions",
                     json={"trigger": "revoke", "version": given.version, "reason": "x"}),
    ]
    for response in refused:
        assert response.status_code == 422, response.json
        assert response.json["message"] == ANONYMISED
        assert response.json["errors"]["allowed_triggers"] == []
    checkin = coach.post(f"/api/v1/cases/{case.id}/check-ins", json={"outcome": "going_well"})
    assert (checkin.status_code, checkin.json["message"]) == (422, ANONYMISED)
    notes = coach.request("PATCH", f"/api/v1/cases/{case.id}",
                          json={"version": case.version, "coach_notes": typed("after")})
    assert (notes.status_code, notes.json["message"]) == (422, ANONYMISED)
    db.session.expire_all()
    assert db.session.get(Case, case.id).coach_notes == ""


def test_the_pages_show_the_anonymised_resident_without_actions(http_app, login, world, path):
    erase(login, world)
    coach = web_login(http_app, world.coach)
    officer = web_login(http_app, world.privacy_officer)
    professional = web_login(http_app, world.professional)
    pages = [
        (coach, f"/residents/{world.resident.id}"),
        (coach, f"/handovers/{path['intro'].id}"),
        (professional, f"/handovers/{path['intro'].id}"),
        (coach, f"/matches/{path['agreed'].id}"),
        *[(user, f"/consents/{path[key].id}") for user in (coach, officer)
          for key in ("given", "requested", "withdrawn")],
    ]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = text(response)
        assert not re.search(r'action="[^"]*/transitions"', html), url
        assert 'name="trigger"' not in html, url
        assert MARKER not in html, url
    resident_page = text(coach.get(f"/residents/{world.resident.id}"))
    assert "Geanonimiseerd" in resident_page
    assert f"/cases/{path['case'].id}/notes" not in resident_page
    refused = coach.post(f"/cases/{path['case'].id}/notes",
                         data={"version": "99", "coach_notes": typed("after")})
    assert refused.status_code == 422


# --- asked again; retention ---------------------------------------------------------------------


def test_asking_again_ends_what_an_earlier_anonymisation_left_live(login, world):
    given = factories.create_consent(world.resident, world.coach, world.buurtteam)
    case = factories.create_case(world.resident, world.coach, "exploring")
    world.resident.anonymised_at = utcnow()  # as anonymisation used to leave it
    db.session.commit()

    erase(login, world)

    assert db.session.get(Consent, given.id).state == "withdrawn"
    assert db.session.get(Case, case.id).outcome == "erased"
    assert db.session.execute(select(func.count()).select_from(ProcessingLogEntry).where(
        ProcessingLogEntry.action == "erase")).scalar_one() == 0


def test_retention_ends_the_path_the_same_way(world):
    resident = world.resident
    case = factories.create_case(resident, world.coach, "closed", outcome="help_started")
    case.closed_at = utcnow() - timedelta(days=800)
    neighbour = factories.create_resident(world.dwelling, display_name="Henk de Boer")
    match = create_match(world.coach, resident, neighbour, state="agreed")
    requested = factories.create_consent(resident, world.coach, world.welzijn,
                                         state="requested")
    db.session.commit()

    report = run_retention(now=utcnow())

    assert report.anonymised_residents == [str(resident.id)]
    db.session.expire_all()
    assert db.session.get(Match, match.id).state == "declined"
    assert db.session.get(Match, match.id).offering_consent.state == "withdrawn"
    assert db.session.get(Consent, requested.id).state == "refused"
    assert last_transition(requested) == ("refuse", "refused", None, {"reason": ENDED})
    assert db.session.get(Case, case.id).outcome == "help_started"
    assert db.session.get(Resident, resident.id).display_name == "Geanonimiseerd"
    assert db.session.execute(select(TransitionNote.text).where(
        TransitionNote.object_id == str(match.id), TransitionNote.erased_at.is_(None))
    ).scalars().all() == ["consent withdrawn"]
