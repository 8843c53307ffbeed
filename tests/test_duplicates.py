"""Possible duplicate residents: a resident registered at a door where someone with a similar
name (ignoring case, accents and spacing) lives already is flagged — online and from a phone
alike — and never merged silently. The coach merges the two or keeps them apart; each decision
is a logged command."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.db import db
from app.errors import Refused
from app.residents.duplicates import merge, normalised_name
from app.residents.models import DuplicateState, PossibleDuplicate, Resident
from app.residents.operations import register_resident
from app.visits.models import Visit
from app.visits.operations import record_visit
from tests import factories
from tests.test_sync import english, sync, visit_item
from tests.web import hidden, text
from tests.web import login as web_login

DUPLICATES = "/api/v1/residents/duplicates"


@pytest.mark.parametrize("first,second", [
    ("Fatima El Amrani", "fatima el amrani"),
    ("Fatima El Amrani", "  Fátima   El-Amrani "),
    ("Zoë van der Berg", "Zoe Vanderberg"),
    ("Ömer Şahin", "omer sahin"),
])
def test_names_are_compared_without_case_accents_or_spacing(first, second):
    assert normalised_name(first) == normalised_name(second)


@pytest.mark.parametrize("first,second", [("Fatima El Amrani", "Fatima El Amrini"),
                                          ("Jan Smit", "Jan Smits")])
def test_other_names_are_other_people(first, second):
    assert normalised_name(first) != normalised_name(second)


def flags(*where: Any) -> list[PossibleDuplicate]:
    return list(db.session.execute(select(PossibleDuplicate).where(*where)
                                   .order_by(PossibleDuplicate.id)).scalars())


def events(kind: str) -> list[AuditEvent]:
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.event_type == kind)
                                   .order_by(AuditEvent.seq)).scalars())


@pytest.fixture
def coach(as_user: Any, world: Any) -> Any:
    return english(as_user(world.coach))


def test_a_resident_registered_online_under_a_similar_name_is_flagged(coach, world):
    response = coach.post("/api/v1/residents", json={"dwelling_id": world.dwelling.id,
                                                      "display_name": "fatima  el-amrani"})
    assert response.status_code == 201, response.json
    assert response.json["possible_duplicate_of"] == [str(world.resident.id)]
    [flag] = flags()
    assert (flag.resident_id, flag.existing_resident_id, flag.state) == (
        uuid.UUID(response.json["id"]), world.resident.id, DuplicateState.OPEN)
    # Nothing merged: two residents, each as registered.
    assert db.session.execute(select(func.count()).select_from(Resident).where(
        Resident.dwelling_id == world.dwelling.id)).scalar_one() == 2
    [event] = events("possible_duplicate_flagged")
    assert event.object_id == response.json["id"]
    assert "amrani" not in str(event.details).lower()

    listed = coach.get(f"{DUPLICATES}?building_id={world.building.id}")
    assert listed.status_code == 200
    assert [(d["id"], d["resident_name"], d["existing_resident_name"], d["state"])
            for d in listed.json] == [(flag.id, "fatima  el-amrani", "Fatima El Amrani", "open")]
    assert coach.get(f"{DUPLICATES}?building_id={world.other_building.id}").status_code == 404


def test_a_different_name_or_an_anonymised_neighbour_is_no_duplicate(coach, world):
    world.other_resident.anonymised_at = world.other_resident.created_at
    db.session.commit()
    assert coach.post("/api/v1/residents", json={
        "dwelling_id": world.dwelling.id, "display_name": "Fatima El Amrini"}
    ).json["possible_duplicate_of"] == []
    assert flags() == []


def test_a_resident_registered_from_a_phone_is_flagged_alike(coach, world):
    item = {"client_id": str(uuid.uuid4()), "kind": "resident",
            "recorded_at": visit_item(world.coach, world.dwelling)["recorded_at"],
            "recorded_by": world.coach.id,
            "resident": {"dwelling_id": world.dwelling.id, "display_name": "FATIMA EL AMRANI"}}
    answer = sync(coach, item)
    [result] = answer["results"]
    assert result["status"] == "applied"
    assert result["possible_duplicate_of"] == [str(world.resident.id)]
    assert "merge them or keep them apart" in result["message"]
    assert sync(coach, item)["results"][0]["possible_duplicate_of"] == [str(world.resident.id)]
    assert len(flags()) == 1


def flagged(world: Any, name: str = "fatima el amrani") -> PossibleDuplicate:
    newer = register_resident(world.coach, world.dwelling, {"display_name": name,
                                                           "birth_year": 1958,
                                                           "phone": "0612345678",
                                                           "languages": ["Tarifit"]})
    [flag] = flags(PossibleDuplicate.resident_id == newer.id)
    db.session.commit()
    return flag


def decide(coach: Any, flag: PossibleDuplicate, decision: str) -> Any:
    response = coach.post(f"{DUPLICATES}/{flag.id}/resolution", json={"decision": decision})
    db.session.expire_all()
    return response


def test_merging_moves_the_visits_and_the_newer_registration_goes(coach, world):
    world.resident.languages = ["Nederlands"]
    world.resident.phone = world.resident.birth_year = None
    flag = flagged(world)
    newer_id = flag.resident_id
    visit = record_visit(world.coach, world.dwelling, {"outcome": "talked",
                                                        "resident_id": newer_id})
    db.session.commit()

    response = decide(coach, flag, "merge")

    assert response.status_code == 200, response.json
    assert (response.json["state"], response.json["resident_id"]) == ("merged", None)
    assert db.session.get(Resident, newer_id) is None
    assert db.session.get(Visit, visit.id).resident_id == world.resident.id
    kept = db.session.get(Resident, world.resident.id)
    assert (kept.display_name, kept.birth_year, kept.phone, kept.languages) == (
        "Fatima El Amrani", 1958, "0612345678", ["Nederlands", "Tarifit"])
    [event] = events("residents_merged")
    assert (event.actor_id, event.object_id) == (world.coach.id, str(world.resident.id))
    assert event.details["merged_resident_id"] == str(newer_id)
    assert coach.get(DUPLICATES).json == []
    again = decide(coach, db.session.get(PossibleDuplicate, flag.id), "keep")
    assert again.status_code == 422
    assert again.json["message"] == "This possible duplicate has been decided already."


def test_keeping_them_apart_is_logged_and_changes_no_resident(coach, world):
    flag = flagged(world)
    response = decide(coach, flag, "keep")
    assert response.status_code == 200
    assert response.json["state"] == "kept"
    kept = db.session.get(Resident, flag.resident_id)
    assert (kept.display_name, kept.anonymised_at) == ("fatima el amrani", None)
    [event] = events("possible_duplicate_kept")
    assert event.object_id == str(flag.resident_id)
    assert coach.get(DUPLICATES).json == []


def test_a_registration_with_a_case_of_its_own_is_not_merged(coach, world):
    flag = flagged(world)
    factories.create_case(db.session.get(Resident, flag.resident_id), world.coach)
    db.session.commit()
    response = decide(coach, flag, "merge")
    assert response.status_code == 422
    assert response.json["message"].startswith("The newer registration already has a case")
    assert db.session.get(PossibleDuplicate, flag.id).state == DuplicateState.OPEN
    assert events("residents_merged") == []
    with pytest.raises(Refused):
        merge(world.coach, db.session.get(PossibleDuplicate, flag.id))


def test_another_coachs_duplicates_are_not_found(as_user, world):
    flag = flagged(world)
    other = english(as_user(world.other_coach))
    assert decide(other, flag, "merge").status_code == 404
    assert other.get(DUPLICATES).json == []
    assert decide(other, flag, "nonsense").status_code == 422


def test_the_door_page_asks_the_coach_to_decide(http_app, world):
    client = web_login(http_app, world.coach)
    page = text(client.get(f"/dwellings/{world.dwelling.id}"))
    response = client.post(f"/dwellings/{world.dwelling.id}/visits", data={
        "csrf_token": hidden(page, "csrf_token"), "outcome": "talked", "resident": "new",
        "new_resident_name": "Fatima el Amrani", "willingness": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    [flag] = flags()
    page = text(client.get(f"/dwellings/{world.dwelling.id}"))
    assert "Fatima el Amrani" in page and "Fatima El Amrani" in page
    assert f"/dwellings/{world.dwelling.id}/duplicates/{flag.id}" in page

    response = client.post(f"/dwellings/{world.dwelling.id}/duplicates/{flag.id}",
                           data={"csrf_token": hidden(page, "csrf_token"), "decision": "merge"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(PossibleDuplicate, flag.id).state == DuplicateState.MERGED
    assert client.post(f"/dwellings/{world.other_dwelling.id}/duplicates/{flag.id}",
                       data={"decision": "keep"}).status_code == 404
