"""Buurtkamer activities over the API: planning with validation, the agenda in order,
participation as a number once an activity has started, cancelling, and residents named as
organisers only under their consent — every name shown decided and logged by the gateway."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent, ProcessingLogEntry
from app.buildings.models import CoachAssignment
from app.buurtkamer.models import Activity, ActivityOrganiser
from app.consent.models import Consent
from app.consent.operations import fire_consent
from app.db import db, utcnow
from tests import factories
from tests.writes import nothing_written

BSN = "111222333"  # passes the eleven-test
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def login(as_user: Any) -> Any:
    def make(user: Any, language: str = "en") -> Any:
        api = as_user(user)
        api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        return api

    return make


def when(days: float) -> str:
    return (utcnow() + timedelta(days=days)).isoformat()


def plan_body(world: Any, **overrides: Any) -> dict[str, Any]:
    body = {"building_id": world.building.id, "title": "Koffieochtend", "theme": "meeting",
            "starts_at": when(3), "place": "Buurtkamer, begane grond"}
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}


def last_seq(model: Any = ProcessingLogEntry) -> int:
    return db.session.execute(select(func.max(model.seq))).scalar() or 0


def entries_after(seq: int, model: Any = ProcessingLogEntry) -> list[Any]:
    """Processing-log entries after `seq`; for the audit log, the events about activities."""
    query = select(model).where(model.seq > seq).order_by(model.seq)
    if model is AuditEvent:
        query = query.where(AuditEvent.object_type == "activity")
    return list(db.session.execute(query).scalars())


def naming_consent(world: Any, resident: Any = None, **overrides: Any) -> Any:
    """A consent of the resident to be named by the coach's organisation (Welzijn)."""
    arguments: dict[str, Any] = {"purpose": "resident_connection",
                                 "data_categories": ("identity",)}
    organization = overrides.pop("organization", world.welzijn)
    arguments.update(overrides)
    return factories.create_consent(resident or world.resident, world.coach, organization,
                                    **arguments)


# --- planning ------------------------------------------------------------------------------

def test_coach_plans_an_activity_they_organise(login, world):
    since = last_seq(AuditEvent)
    response = login(world.coach).post("/api/v1/activities", json=plan_body(world))

    assert response.status_code == 201, response.json
    body = response.json
    assert body["title"] == "Koffieochtend"
    assert body["building"] == world.building.name
    assert body["status"] == "upcoming"
    assert body["organising_coach_id"] == world.coach.id
    assert body["organization"] == world.welzijn.name
    assert body["participant_count"] is None and body["cancelled_at"] is None
    assert body["organisers"] == []
    [event] = entries_after(since, AuditEvent)
    assert (event.event_type, event.object_type, event.object_id) == (
        "activity_planned", "activity", str(body["id"]))
    assert event.details["organised_by"] == "coach"
    assert "Koffieochtend" not in json.dumps(event.details)  # no free text in the audit log


def test_residents_organise_on_their_own_when_the_organising_coach_is_null(login, world):
    response = login(world.coach).post("/api/v1/activities",
                                       json=plan_body(world, organising_coach_id=None))

    assert response.status_code == 201
    assert response.json["organising_coach_id"] is None
    # The organisation of the coach who planned it runs it: organisers consent to that one.
    assert response.json["organization"] == world.welzijn.name


def test_a_colleague_of_the_building_may_organise_it(login, world):
    colleague = factories.create_user("flatcoach", world.welzijn, name="Sanne de Vries")
    db.session.add(CoachAssignment(user_id=colleague.id, building_id=world.building.id))
    db.session.commit()
    response = login(world.coach).post("/api/v1/activities",
                                       json=plan_body(world, organising_coach_id=colleague.id))

    assert response.status_code == 201
    assert response.json["organising_coach"] == "Sanne de Vries"


def test_the_organising_coach_must_work_in_the_building(login, world):
    api = login(world.coach)
    with nothing_written():
        response = api.post("/api/v1/activities",
                            json=plan_body(world, organising_coach_id=world.other_coach.id))

    assert response.status_code == 422
    assert response.json["errors"] == {
        "organising_coach_id": ["The organising coach must be a flatcoach of this building."]}
    assert db.session.execute(select(func.count(Activity.id))).scalar_one() == 0


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"title": ...}, "title", "Missing data for required field."),
    ({"title": " x "}, "title", "Give a title of at least 2 characters."),
    ({"title": f"Verjaardag {BSN}"}, "title", "citizen service number (BSN)"),
    ({"theme": "party"}, "theme", "Must be one of: meeting, cooking"),
    ({"starts_at": "2026-12-01T10:00:00"}, "starts_at", "Not a valid aware datetime."),
    ({"starts_at": when(400)}, "starts_at", "Plan an activity at most a year ahead."),
    ({"starts_at": when(-40)}, "starts_at",
     "An activity can be noted at most a month after it took place."),
    ({"place": ""}, "place", "Say where it takes place (at least 2 characters)."),
    ({"place": "x" * 201}, "place", "Length must be between 0 and 200."),
    ({"organising_coach_id": "1"}, "organising_coach_id", "Not a valid integer."),
    ({"visitors": ["Fatima"]}, "visitors", "Unknown field."),
])
def test_invalid_plans_are_422_with_the_field_and_why(login, world, overrides, field, message):
    api = login(world.coach)
    with nothing_written():
        response = api.post("/api/v1/activities", json=plan_body(world, **overrides))

    assert response.status_code == 422
    assert message in " ".join(response.json["errors"][field])


def test_validation_messages_are_dutch_first(login, world):
    api = login(world.coach, language="nl")
    with nothing_written():
        response = api.post(
            "/api/v1/activities", json=plan_body(world, title="", starts_at=when(400)))

    assert response.status_code == 422
    assert response.json["errors"]["title"] == ["Geef een titel van minstens 2 tekens."]
    assert response.json["errors"]["starts_at"] == ["Plan een activiteit hoogstens een jaar "
                                                    "vooruit."]


def test_planning_in_another_coachs_building_is_404(login, world):
    api = login(world.coach)
    with nothing_written():
        response = api.post("/api/v1/activities",
                            json=plan_body(world, building_id=world.other_building.id))

    assert response.status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "professional", "privacy_officer"])
def test_only_coaches_plan(login, world, role):
    api = login(world.user(role))
    with nothing_written():
        response = api.post("/api/v1/activities", json=plan_body(world))

    assert response.status_code == 403


# --- the agenda ----------------------------------------------------------------------------

def test_the_agenda_lists_what_is_coming_soonest_first_then_the_past_latest_first(login, world):
    late = factories.create_activity(world.building, world.coach, title="Taalcafé",
                                     days_from_now=10)
    soon = factories.create_activity(world.building, world.coach, title="Samen koken",
                                     days_from_now=1)
    long_ago = factories.create_activity(world.building, world.coach, title="Klusochtend",
                                         days_from_now=-20)
    recent = factories.create_activity(world.building, world.coach, title="Buurtbingo",
                                       days_from_now=-2, participant_count=14)
    factories.create_activity(world.other_building, world.other_coach, title="Elders")
    db.session.commit()
    api = login(world.coach)

    response = api.get("/api/v1/activities")
    assert response.status_code == 200
    assert [a["id"] for a in response.json] == [soon.id, late.id, recent.id, long_ago.id]
    assert [a["status"] for a in response.json] == ["upcoming", "upcoming", "past", "past"]
    assert response.json[2]["participant_count"] == 14
    assert json.loads(response.headers["X-Pagination"])["total"] == 4

    by_date = api.get("/api/v1/activities?order=date").json
    assert [a["id"] for a in by_date] == [long_ago.id, recent.id, soon.id, late.id]


def test_the_agenda_filters_by_building_and_period(login, world):
    factories.create_activity(world.building, world.coach, title="Vandaag", days_from_now=0.01)
    in_a_week = factories.create_activity(world.building, world.coach, days_from_now=7)
    db.session.commit()
    day = in_a_week.starts_at.astimezone(AMSTERDAM).date().isoformat()
    api = login(world.coach)

    response = api.get(f"/api/v1/activities?building_id={world.building.id}&from={day}&to={day}")
    assert [a["id"] for a in response.json] == [in_a_week.id]
    with nothing_written():
        elsewhere = api.get(f"/api/v1/activities?building_id={world.other_building.id}")
        refused = api.get("/api/v1/activities?from=2026-12-02&to=2026-12-01")
    assert elsewhere.status_code == 404
    assert refused.status_code == 422
    assert refused.json["errors"] == {"query": {"from": ["'from' lies after 'to'."]}}


def test_the_coordinator_reads_every_building_and_changes_nothing(login, world):
    mine = factories.create_activity(world.building, world.coach)
    theirs = factories.create_activity(world.other_building, world.other_coach)
    db.session.commit()
    api = login(world.coordinator)

    assert {a["id"] for a in api.get("/api/v1/activities").json} == {mine.id, theirs.id}
    assert api.get(f"/api/v1/activities/{theirs.id}").status_code == 200
    with nothing_written():
        assert api.request("PATCH", f"/api/v1/activities/{theirs.id}",
                           json={"cancelled": True}).status_code == 403


def test_another_coachs_activity_is_404(login, world):
    theirs = factories.create_activity(world.other_building, world.other_coach)
    db.session.commit()
    api = login(world.coach)

    with nothing_written():
        assert api.get(f"/api/v1/activities/{theirs.id}").status_code == 404
        assert api.request("PATCH", f"/api/v1/activities/{theirs.id}",
                           json={"title": "Overgenomen"}).status_code == 404
        assert api.get("/api/v1/activities/2147483648").status_code == 404


# --- changing, counting, cancelling --------------------------------------------------------

def patch(api: Any, activity: Any, body: dict[str, Any]) -> Any:
    return api.request("PATCH", f"/api/v1/activities/{activity.id}", json=body)


def test_a_change_is_saved_and_audited_by_field_name(login, world):
    activity = factories.create_activity(world.building, world.coach)
    db.session.commit()
    since = last_seq(AuditEvent)

    response = patch(login(world.coach), activity, {"title": "Koffie en thee",
                                                    "place": "Buurtkamer", "theme": "meeting"})

    assert response.status_code == 200
    assert response.json["title"] == "Koffie en thee"
    [event] = entries_after(since, AuditEvent)
    assert event.event_type == "activity_changed"
    assert event.details == {"fields": ["title"]}  # place and theme were unchanged


def test_handing_an_activity_to_a_colleague_answers_with_the_colleague(login, world):
    colleague = factories.create_user("flatcoach", world.buurtteam, name="Sanne de Vries")
    db.session.add(CoachAssignment(user_id=colleague.id, building_id=world.building.id))
    activity = factories.create_activity(world.building, world.coach)
    db.session.commit()
    api = login(world.coach)
    assert api.get(f"/api/v1/activities/{activity.id}").json["organising_coach"] == (
        world.coach.name)

    response = patch(api, activity, {"organising_coach_id": colleague.id})

    assert response.status_code == 200
    assert (response.json["organising_coach"], response.json["organization"]) == (
        "Sanne de Vries", world.buurtteam.name)


def test_an_activity_noted_long_ago_is_corrected_without_moving_it(login, world):
    activity = factories.create_activity(world.building, world.coach, days_from_now=-45)
    db.session.commit()
    api = login(world.coach)

    corrected = patch(api, activity, {"title": "Taalcafé",
                                      "starts_at": activity.starts_at.isoformat()})
    assert corrected.status_code == 200, corrected.json
    assert corrected.json["title"] == "Taalcafé"

    for days, message in ((-50, "An activity can be noted at most a month after it took "
                                "place."),
                          (400, "Plan an activity at most a year ahead.")):
        with nothing_written():
            moved = patch(api, activity, {"starts_at": when(days)})
        assert moved.status_code == 422
        assert moved.json["errors"] == {"starts_at": [message]}


def test_an_empty_change_is_422(login, world):
    activity = factories.create_activity(world.building, world.coach)
    db.session.commit()

    api = login(world.coach)
    with nothing_written():
        response = patch(api, activity, {})

    assert response.status_code == 422
    assert response.json["errors"] == {"_schema": ["Nothing to change: send at least one field."]}


def test_participation_is_counted_once_the_activity_has_started(login, world):
    upcoming = factories.create_activity(world.building, world.coach, days_from_now=2)
    started = factories.create_activity(world.building, world.coach, days_from_now=-0.05)
    db.session.commit()
    api = login(world.coach)

    with nothing_written():
        refused = patch(api, upcoming, {"participant_count": 12})
    assert refused.status_code == 422
    assert refused.json["errors"] == {"participant_count": [
        "Participation can be recorded once the activity has started."]}

    since = last_seq(AuditEvent)
    response = patch(api, started, {"participant_count": 12})
    assert response.status_code == 200
    assert (response.json["participant_count"], response.json["status"]) == (12, "past")
    corrected = patch(api, started, {"participant_count": 15})
    assert corrected.json["participant_count"] == 15
    events = entries_after(since, AuditEvent)
    assert [(e.event_type, e.details) for e in events] == [
        ("participation_recorded", {"participant_count": 12, "previous": None}),
        ("participation_recorded", {"participant_count": 15, "previous": 12})]


@pytest.mark.parametrize(("count", "message"), [
    (-1, "Give a number of people between 0 and 500."),
    (501, "Give a number of people between 0 and 500."),
    ("12", "Not a valid integer."),
    ([{"name": "Fatima"}], "Not a valid integer."),
])
def test_participation_is_a_number_of_people_never_names(login, world, count, message):
    activity = factories.create_activity(world.building, world.coach, days_from_now=-1)
    db.session.commit()

    api = login(world.coach)
    with nothing_written():
        response = patch(api, activity, {"participant_count": count})

    assert response.status_code == 422
    assert response.json["errors"] == {"participant_count": [message]}


def test_cancelling_keeps_the_activity_marked_cancelled(login, world):
    activity = factories.create_activity(world.building, world.coach)
    db.session.commit()
    api = login(world.coach)
    since = last_seq(AuditEvent)
    before = utcnow()

    response = patch(api, activity, {"cancelled": True})
    assert response.status_code == 200
    assert response.json["status"] == "cancelled"
    assert before <= datetime.fromisoformat(response.json["cancelled_at"]) <= utcnow()
    with nothing_written():  # already cancelled: no change
        assert patch(api, activity, {"cancelled": True}).status_code == 200
    assert [e.event_type for e in entries_after(since, AuditEvent)] == ["activity_cancelled"]

    for body in ({"title": "Toch wel"}, {"cancelled": False}):
        with nothing_written():
            refused = patch(api, activity, body)
        assert refused.status_code == 422, body
    assert api.get(f"/api/v1/activities/{activity.id}").json["title"] == "Koffieochtend"


def test_a_cancelled_activity_has_no_participation(login, world):
    activity = factories.create_activity(world.building, world.coach, days_from_now=-1,
                                         cancelled=True)
    db.session.commit()

    api = login(world.coach)
    with nothing_written():
        response = patch(api, activity, {"participant_count": 3})

    assert response.status_code == 422
    assert response.json["message"] == "This activity is cancelled; plan a new one instead."


def test_an_activity_with_participation_cannot_be_cancelled_or_moved_ahead(login, world):
    activity = factories.create_activity(world.building, world.coach, days_from_now=-1,
                                         participant_count=8)
    db.session.commit()
    api = login(world.coach)
    other = factories.create_activity(world.building, world.coach, days_from_now=-1)
    db.session.commit()

    with nothing_written():
        cancelled = patch(api, activity, {"cancelled": True})
        moved = patch(api, activity, {"starts_at": when(5)})
        both = patch(api, other, {"cancelled": True, "participant_count": 4})
    assert cancelled.status_code == 422
    assert "took place and cannot be cancelled" in cancelled.json["message"]
    assert moved.status_code == 422
    assert moved.json["errors"] == {"starts_at": [
        "Participation has been recorded: the activity cannot move into the future."]}
    assert both.status_code == 422


# --- organisers: named only under their consent --------------------------------------------

def add(api: Any, activity: Any, resident: Any, consent: Any) -> Any:
    return api.post(f"/api/v1/activities/{activity.id}/organisers",
                    json={"resident_id": str(resident.id), "consent_id": str(consent.id)})


def test_a_resident_with_consent_is_named_and_every_showing_is_logged(login, world):
    activity = factories.create_activity(world.building, world.coach, residents_alone=True)
    consent = naming_consent(world)
    db.session.commit()
    api = login(world.coach)
    since = last_seq(AuditEvent)

    response = add(api, activity, world.resident, consent)
    assert response.status_code == 201, response.json
    assert response.json == {
        "activity_id": activity.id, "named": True, "name": "Fatima El Amrani",
        "resident_id": str(world.resident.id), "consent_id": str(consent.id),
        "consent_state": "given", "consent_valid": True}
    [event] = entries_after(since, AuditEvent)
    assert event.event_type == "activity_organiser_added"
    assert event.details == {"resident_id": str(world.resident.id),
                             "consent_id": str(consent.id)}

    seq = last_seq()
    shown = api.get(f"/api/v1/activities/{activity.id}").json
    assert [o["name"] for o in shown["organisers"]] == ["Fatima El Amrani"]
    [entry] = entries_after(seq)
    assert (entry.action, entry.processing_activity, entry.decision) == (
        "share_contact", "resident_connection", "allowed")
    assert entry.categories == ["identity"]
    assert entry.consent_id == str(consent.id)
    assert entry.legal_basis == "consent"
    assert entry.data_subject_id == str(world.resident.id)
    assert entry.recipient_organization_id == world.welzijn.id
    assert entry.actor_id == world.coach.id
    assert (entry.object_type, entry.object_id) == ("activity", str(activity.id))


def test_once_the_consent_is_withdrawn_the_organiser_is_a_resident(login, world):
    activity = factories.create_activity(world.building, world.coach)
    organiser = factories.create_organiser(activity, world.resident, world.coach)
    db.session.commit()
    api = login(world.coach, language="nl")
    assert api.get(f"/api/v1/activities/{activity.id}").json["organisers"][0]["named"] is True

    consent = db.session.get(Consent, organiser.consent_id)
    fire_consent(consent, "withdraw", world.coach, {"reason": "Liever anoniem."})
    db.session.commit()
    since = last_seq()
    [shown] = api.get(f"/api/v1/activities/{activity.id}").json["organisers"]

    assert (shown["named"], shown["name"]) == (False, "een bewoner")
    assert (shown["consent_state"], shown["consent_valid"]) == ("withdrawn", False)
    [entry] = entries_after(since)
    assert (entry.action, entry.decision) == ("share_contact", "denied")
    assert any("withdrawn" in reason for reason in entry.reasons)
    listed = api.get("/api/v1/activities").json
    assert "Fatima" not in json.dumps(listed)
    assert listed[0]["organisers"][0]["name"] == "een bewoner"


def test_an_expired_consent_no_longer_names_the_organiser(login, world):
    activity = factories.create_activity(world.building, world.coach)
    organiser = factories.create_organiser(activity, world.resident, world.coach)
    consent = db.session.get(Consent, organiser.consent_id)
    consent.valid_until = utcnow() - timedelta(minutes=1)  # not yet expired by the timer
    db.session.commit()

    [shown] = login(world.coach).get(f"/api/v1/activities/{activity.id}").json["organisers"]

    assert (shown["named"], shown["name"]) == (False, "a resident")


def test_the_coordinator_sees_the_name_but_not_whom_or_which_consent(login, world):
    activity = factories.create_activity(world.building, world.coach)
    factories.create_organiser(activity, world.resident, world.coach)
    db.session.commit()
    since = last_seq()

    [shown] = login(world.coordinator).get(
        f"/api/v1/activities/{activity.id}").json["organisers"]

    assert shown == {"named": True, "name": "Fatima El Amrani", "resident_id": None,
                     "consent_id": None, "consent_state": None, "consent_valid": None}
    [entry] = entries_after(since)
    assert (entry.actor_role, entry.decision) == ("coordinator", "allowed")


@pytest.mark.parametrize(("overrides", "problem"), [
    ({"purpose": "warm_handover", "data_categories": ("identity", "contact")},
     "it is for Warm handover, not for connecting residents"),
    ({"organization": "buurtteam"}, "it is not for the organisation running this activity"),
    ({"data_categories": ("contact",)}, "it does not cover the resident's name (identity)"),
    ({"state": "requested"}, "it is not given (now: Requested)"),
    ({"state": "withdrawn"}, "it is not given (now: Withdrawn)"),
])
def test_without_a_fitting_valid_consent_the_resident_is_not_named(login, world, overrides,
                                                                   problem):
    if overrides.get("organization") == "buurtteam":
        overrides["organization"] = world.buurtteam
    activity = factories.create_activity(world.building, world.coach)
    consent = naming_consent(world, **overrides)
    db.session.commit()

    api = login(world.coach)
    with nothing_written():
        response = add(api, activity, world.resident, consent)

    assert response.status_code == 422
    [message] = response.json["errors"]["consent_id"]
    assert message.startswith("A resident is named as organiser only with their consent")
    assert problem in message
    assert db.session.execute(select(func.count()).select_from(ActivityOrganiser)
                              ).scalar_one() == 0


def test_a_consent_of_another_resident_does_not_name_this_one(login, world):
    neighbour = factories.create_resident(world.dwelling, display_name="Henk Smit")
    activity = factories.create_activity(world.building, world.coach)
    consent = naming_consent(world, resident=neighbour)
    db.session.commit()

    api = login(world.coach)
    with nothing_written():
        response = add(api, activity, world.resident, consent)

    assert response.status_code == 422
    assert "the consent belongs to another resident" in response.json["message"]


def test_a_resident_organises_an_activity_once(login, world):
    activity = factories.create_activity(world.building, world.coach)
    factories.create_organiser(activity, world.resident, world.coach)
    consent = naming_consent(world)
    db.session.commit()

    api = login(world.coach)
    with nothing_written():
        response = add(api, activity, world.resident, consent)

    assert response.status_code == 422
    assert response.json["errors"] == {
        "resident_id": ["This resident already organises this activity."]}


def test_residents_and_consents_outside_the_coachs_buildings_are_404(login, world):
    activity = factories.create_activity(world.building, world.coach)
    theirs = factories.create_consent(world.other_resident, world.other_coach, world.welzijn,
                                      purpose="resident_connection", data_categories=("identity",))
    mine = naming_consent(world)
    db.session.commit()
    other = factories.create_activity(world.other_building, world.other_coach)
    db.session.commit()
    api = login(world.coach)

    with nothing_written():
        assert add(api, activity, world.other_resident, theirs).status_code == 404
        assert add(api, activity, world.resident, theirs).status_code == 404
        assert add(api, other, world.resident, mine).status_code == 404


def test_organisers_live_in_the_activitys_building(login, world):
    """So every coach who manages the activity works with them: a colleague of this building
    only is never shown whom, or which consent, from a building they do not work in."""
    second = factories.create_building(world.coach, name="Zambesidreef")
    neighbour = factories.create_resident(factories.create_dwelling(second),
                                          display_name="Henk Smit")
    activity = factories.create_activity(world.building, world.coach)
    consent = naming_consent(world, resident=neighbour)
    db.session.commit()

    api = login(world.coach)
    with nothing_written():
        response = add(api, activity, neighbour, consent)

    assert response.status_code == 422
    assert response.json["errors"] == {
        "resident_id": ["Only residents of this building organise its activities."]}
    assert db.session.execute(select(func.count()).select_from(ActivityOrganiser)
                              ).scalar_one() == 0


def test_no_consent_is_asked_to_organise_a_cancelled_activity(ctx, world):
    from app.buurtkamer.operations import request_naming_consent
    from app.errors import Refused

    activity = factories.create_activity(world.building, world.coach, cancelled=True)

    with pytest.raises(Refused, match="afgelast"):  # Dutch first
        request_naming_consent(world.coach, activity, world.resident)
    assert db.session.execute(select(Consent)).first() is None


def test_removing_an_organiser_keeps_the_activity_and_the_consent(login, world):
    activity = factories.create_activity(world.building, world.coach)
    organiser = factories.create_organiser(activity, world.resident, world.coach)
    consent_id = organiser.consent_id
    db.session.commit()
    api = login(world.coach)
    url = f"/api/v1/activities/{activity.id}/organisers/{world.resident.id}"

    response = api.delete(url)
    assert response.status_code == 204
    with nothing_written():
        assert api.delete(url).status_code == 404
    assert api.get(f"/api/v1/activities/{activity.id}").json["organisers"] == []
    assert db.session.get(Consent, consent_id).state == "given"
    assert db.session.execute(select(AuditEvent.event_type).order_by(AuditEvent.seq.desc())
                              .limit(1)).scalar_one() == "activity_organiser_removed"


def test_organisers_keep_the_organisation_they_consented_to(login, world):
    """Another organising organisation would leave the organisers unnamed: refused."""
    activity = factories.create_activity(world.building, world.coach)
    factories.create_organiser(activity, world.resident, world.coach)
    outsider = factories.create_user("flatcoach", world.buurtteam)
    db.session.add(CoachAssignment(user_id=outsider.id, building_id=world.building.id))
    db.session.commit()

    api = login(world.coach)
    with nothing_written():
        response = patch(api, activity, {"organising_coach_id": outsider.id})

    assert response.status_code == 422
    assert "Remove them as organisers first" in response.json["errors"]["organising_coach_id"][0]
