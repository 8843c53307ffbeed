"""Door-knock visits: every outcome is worth recording, even 'not home' with nothing else;
a conversation with a known resident may open their case."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.cases.models import Case
from app.db import db
from app.visits.models import Visit
from tests import factories
from tests.writes import nothing_written

VISITS = "/api/v1/visits"


def english(api):
    api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return api


@pytest.fixture
def coach(as_user, world):
    return english(as_user(world.coach))


def visit_count() -> int:
    return db.session.execute(select(func.count(Visit.id))).scalar_one()


def case_count() -> int:
    return db.session.execute(select(func.count(Case.id))).scalar_one()


def assert_invalid(response, field):
    assert response.status_code == 422, response.json
    body = response.json
    assert (body["code"], body["status"]) == (422, "Unprocessable Entity")
    assert field in body["errors"], body
    return body


def test_not_home_with_nothing_else_is_a_complete_visit(coach, world):
    response = coach.post(VISITS, json={"dwelling_id": world.dwelling.id, "outcome": "not_home"})
    assert response.status_code == 201, response.json
    body = response.json
    assert uuid.UUID(body["id"])
    assert body["outcome"] == "not_home"
    assert body["dwelling_id"] == world.dwelling.id
    assert body["building_id"] == world.building.id
    assert body["floor"] == 3
    assert body["coach_id"] == world.coach.id
    assert (body["themes"], body["offers"], body["wishes"]) == ([], [], [])
    assert (body["willingness"], body["notes"]) == (None, "")
    assert (body["resident_id"], body["case_id"]) == (None, None)
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.object_id == body["id"])
    ).scalar_one()
    assert (event.event_type, event.details) == ("visit_recorded", {"outcome": "not_home"})


@pytest.mark.parametrize("outcome", ["not_home", "talked", "declined", "revisit", "vacant"])
def test_every_outcome_can_be_recorded(coach, world, outcome):
    response = coach.post(VISITS, json={"dwelling_id": world.dwelling.id, "outcome": outcome})
    assert response.status_code == 201
    assert response.json["outcome"] == outcome


def test_a_conversation_records_themes_offers_wishes_and_willingness(coach, world):
    response = coach.post(VISITS, json={
        "dwelling_id": world.dwelling.id, "outcome": "talked",
        "resident_id": str(world.resident.id),
        "themes": ["loneliness", "finances", "loneliness"],
        "offers": ["cooking", "language_practice"], "wishes": ["company"],
        "willingness": 3, "notes": "  Wil graag koken voor de Buurtkamer.  ",
    })
    assert response.status_code == 201, response.json
    body = response.json
    assert body["themes"] == ["loneliness", "finances"]  # named twice, kept once
    assert body["offers"] == ["cooking", "language_practice"]
    assert body["wishes"] == ["company"]
    assert body["willingness"] == 3
    assert body["notes"] == "Wil graag koken voor de Buurtkamer."
    assert body["resident_id"] == str(world.resident.id)
    assert body["case_id"] is None


@pytest.mark.parametrize("willingness", [0, 1, 2, 3, None])
def test_willingness_runs_from_0_to_3(coach, world, willingness):
    response = coach.post(VISITS, json={"dwelling_id": world.dwelling.id, "outcome": "talked",
                                        "willingness": willingness})
    assert response.status_code == 201
    assert response.json["willingness"] == willingness


INVALID_VISITS = [
    ({"willingness": -1}, "willingness"),
    ({"willingness": 4}, "willingness"),
    ({"willingness": "2"}, "willingness"),
    ({"willingness": 1.5}, "willingness"),
    ({"willingness": True}, "willingness"),
    ({"outcome": "sleeping"}, "outcome"),
    ({"outcome": None}, "outcome"),
    ({"themes": ["astrology"]}, "themes"),
    ({"themes": "finances"}, "themes"),
    ({"offers": ["babysitting-for-money"]}, "offers"),
    ({"wishes": ["finances"]}, "wishes"),  # wishes are things to receive, like offers
    ({"notes": "x" * 4001}, "notes"),
    ({"notes": "Mijn BSN is 111222333, schrijf het op."}, "notes"),
    ({"resident_id": "not-a-uuid"}, "resident_id"),
    ({"dwelling_id": "1"}, "dwelling_id"),
    ({"colour": "blue"}, "colour"),
]


def test_invalid_visits_are_refused_field_by_field(coach, world):
    before = visit_count()
    with nothing_written():
        for payload, field in INVALID_VISITS:
            body = {"dwelling_id": world.dwelling.id, "outcome": "talked", **payload}
            response = coach.post(VISITS, json=body)
            assert response.status_code == 422, payload
            assert list(response.json["errors"]) == [field], payload
    assert visit_count() == before


def test_unknown_theme_names_the_allowed_ones(coach, world):
    with nothing_written():
        response = coach.post(VISITS, json={"dwelling_id": world.dwelling.id,
                                            "outcome": "talked",
                                            "themes": ["finances", "astrology"]})
    body = assert_invalid(response, "themes")
    assert list(body["errors"]["themes"]) == ["1"]  # the second item is the wrong one
    assert "loneliness" in body["errors"]["themes"]["1"][0]


def test_dwelling_is_required(coach, world):
    with nothing_written():
        assert_invalid(coach.post(VISITS, json={"outcome": "not_home"}), "dwelling_id")


def test_dwelling_outside_the_coachs_buildings_is_not_found(coach, world):
    before = visit_count()
    with nothing_written():
        for dwelling_id in (world.other_dwelling.id, 999_999):
            response = coach.post(VISITS, json={"dwelling_id": dwelling_id,
                                                "outcome": "not_home"})
            assert response.status_code == 404
            assert response.json == {"code": 404, "status": "Not Found",
                                     "message": "Not found.", "errors": {}}
    assert visit_count() == before


def test_resident_must_live_at_the_dwelling(coach, world):
    neighbour_dwelling = factories.create_dwelling(world.building, floor=3)
    neighbour = factories.create_resident(neighbour_dwelling, display_name="Kees Jansen")
    db.session.commit()
    before = visit_count()
    with nothing_written():
        for resident_id in (neighbour.id, world.other_resident.id, uuid.uuid4()):
            response = coach.post(VISITS, json={"dwelling_id": world.dwelling.id,
                                                "outcome": "talked",
                                                "resident_id": str(resident_id)})
            body = assert_invalid(response, "resident_id")
            assert body["message"] == "This resident does not live at this dwelling."
            assert body["errors"] == {
                "resident_id": ["This resident does not live at this dwelling."]}
    assert visit_count() == before


def test_talking_with_a_known_resident_opens_their_case(coach, world):
    response = coach.post(VISITS, json={"dwelling_id": world.dwelling.id, "outcome": "talked",
                                        "resident_id": str(world.resident.id), "open_case": True,
                                        "themes": ["finances"]})
    assert response.status_code == 201, response.json
    case_id = response.json["case_id"]
    case = coach.get(f"/api/v1/cases/{case_id}")
    assert case.status_code == 200
    assert (case.json["state"], case.json["version"]) == ("contacted", 1)
    assert case.json["resident_id"] == str(world.resident.id)
    opened = db.session.execute(
        select(AuditEvent).where(AuditEvent.object_id == case_id)
    ).scalar_one()
    assert (opened.event_type, opened.actor_id) == ("case_opened", world.coach.id)


@pytest.mark.parametrize(("outcome", "with_resident"), [
    ("talked", False),
    ("not_home", True),
    ("declined", True),
    ("revisit", True),
    ("vacant", False),
])
def test_a_case_opens_only_from_a_conversation_with_a_known_resident(coach, world, outcome,
                                                                      with_resident):
    visits, cases = visit_count(), case_count()
    payload = {"dwelling_id": world.dwelling.id, "outcome": outcome, "open_case": True}
    if with_resident:
        payload["resident_id"] = str(world.resident.id)
    with nothing_written():
        body = assert_invalid(coach.post(VISITS, json=payload), "open_case")
    assert body["message"] == "A case opens from a conversation with a known resident."
    assert (visit_count(), case_count()) == (visits, cases)  # nothing half-saved


def test_list_visits_of_one_own_building(coach, as_user, world):
    second_building = factories.create_building(world.coach)
    second_dwelling = factories.create_dwelling(second_building)
    db.session.commit()
    ours = coach.post(VISITS, json={"dwelling_id": world.dwelling.id, "outcome": "not_home"})
    coach.post(VISITS, json={"dwelling_id": second_dwelling.id, "outcome": "vacant"})
    as_user(world.other_coach).post(VISITS, json={"dwelling_id": world.other_dwelling.id,
                                                  "outcome": "talked"})

    response = coach.get(f"{VISITS}?building_id={world.building.id}")
    assert response.status_code == 200
    assert [v["id"] for v in response.json] == [ours.json["id"]]
    assert '"total": 1' in response.headers["X-Pagination"]

    everything = coach.get(VISITS)
    assert sorted(v["outcome"] for v in everything.json) == ["not_home", "vacant"]


@pytest.mark.parametrize("building", ["other_building", "unknown"])
def test_listing_another_building_is_not_found(coach, world, building):
    building_id = world.other_building.id if building == "other_building" else 999_999
    with nothing_written():
        response = coach.get(f"{VISITS}?building_id={building_id}")
    assert response.status_code == 404
    assert response.json["message"] == "Not found."


def test_building_filter_must_be_a_number(coach, world):
    with nothing_written():
        body = assert_invalid(coach.get(f"{VISITS}?building_id=abc"), "query")
    assert body["errors"] == {"query": {"building_id": ["Not a valid integer."]}}


@pytest.mark.parametrize("role", ["professional", "coordinator", "privacy_officer"])
def test_only_coaches_record_and_list_visits(as_user, world, role):
    api = english(as_user(world.user(role)))
    before = visit_count()
    with nothing_written():
        created = api.post(VISITS, json={"dwelling_id": world.dwelling.id,
                                         "outcome": "not_home"})
        listed = api.get(f"{VISITS}?building_id={world.building.id}")
    for response in (created, listed):
        assert response.status_code == 403
        assert response.json == {"code": 403, "status": "Forbidden",
                                 "message": "Your role does not allow this action.",
                                 "errors": {}}
    assert visit_count() == before


def test_visits_need_authentication(api, world):
    with nothing_written():
        response = api.post(VISITS, json={"dwelling_id": world.dwelling.id,
                                          "outcome": "not_home"})
        listed = api.get(VISITS)
    assert response.status_code == 401
    assert response.json["code"] == 401
    assert listed.status_code == 401
