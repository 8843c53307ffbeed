from __future__ import annotations

import pytest


def test_coach_registers_resident_in_own_building(as_user, world):
    coach = as_user(world.coach)
    response = coach.post("/api/v1/residents", json={
        "dwelling_id": world.dwelling.id, "display_name": "  Ayşe Yılmaz ",
        "birth_year": 1961, "phone": "06-23456789", "languages": ["Turks", "Nederlands"],
    })
    assert response.status_code == 201
    body = response.json
    assert body["display_name"] == "Ayşe Yılmaz"
    assert len(body["id"]) == 36
    again = coach.get(f"/api/v1/residents/{body['id']}")
    assert again.status_code == 200
    assert again.json["languages"] == ["Turks", "Nederlands"]


def test_coach_cannot_register_in_other_building(as_user, world):
    response = as_user(world.coach).post("/api/v1/residents", json={
        "dwelling_id": world.other_dwelling.id, "display_name": "Someone"})
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["professional", "privacy_officer", "coordinator"])
def test_only_coaches_register_residents(as_user, world, role):
    response = as_user(world.user(role)).post("/api/v1/residents", json={
        "dwelling_id": world.dwelling.id, "display_name": "Someone"})
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["other_coach", "professional", "privacy_officer", "coordinator"])
def test_resident_is_404_outside_scope(as_user, world, who):
    response = as_user(getattr(world, who)).get(f"/api/v1/residents/{world.resident.id}")
    assert response.status_code == 404
    assert "Fatima" not in response.get_data(as_text=True)


def test_unknown_resident_is_404(as_user, world):
    coach = as_user(world.coach)
    assert coach.get("/api/v1/residents/00000000-0000-0000-0000-000000000000").status_code == 404
    assert coach.get("/api/v1/residents/not-a-uuid").status_code == 404


def test_resident_response_is_not_cached(as_user, world):
    response = as_user(world.coach).get(f"/api/v1/residents/{world.resident.id}")
    assert response.headers["Cache-Control"] == "no-store"
