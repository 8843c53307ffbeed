from __future__ import annotations

import json


def test_coach_sees_only_own_buildings(as_user, world):
    names = [b["name"] for b in as_user(world.coach).get("/api/v1/buildings").json]
    assert names == [world.building.name]


def test_coordinator_sees_all_buildings(as_user, world):
    names = {b["name"] for b in as_user(world.coordinator).get("/api/v1/buildings").json}
    assert {world.building.name, world.other_building.name} <= names


def test_professional_may_not_list_buildings(as_user, world):
    assert as_user(world.professional).get("/api/v1/buildings").status_code == 403


def test_dwellings_of_own_building_paginated(as_user, world):
    from app.db import db
    from tests.factories import create_dwelling

    for floor in range(1, 6):
        create_dwelling(world.building, floor=floor)
    db.session.commit()
    coach = as_user(world.coach)
    response = coach.get(f"/api/v1/buildings/{world.building.id}/dwellings?page_size=2")
    assert response.status_code == 200
    assert len(response.json) == 2
    meta = json.loads(response.headers["X-Pagination"])
    assert meta["total"] == 6
    assert meta["total_pages"] == 3


def test_dwellings_of_other_building_are_404(as_user, world):
    response = as_user(world.coach).get(f"/api/v1/buildings/{world.other_building.id}/dwellings")
    assert response.status_code == 404


def test_organizations_for_everyone(as_user, world):
    for role in ("flatcoach", "professional", "privacy_officer", "coordinator"):
        body = as_user(world.user(role)).get("/api/v1/organizations").json
        assert {"id", "name", "kind"} == set(body[0])


def test_invalid_page_size_is_422(as_user, world):
    response = as_user(world.coach).get("/api/v1/organizations?page_size=100000")
    assert response.status_code == 422
