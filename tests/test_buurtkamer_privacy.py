"""Data subject requests and the Buurtkamer: the Art. 15 export lists the activities the
resident organises; erasure removes them as organiser everywhere, and the activities stay."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from app.buurtkamer.models import Activity, ActivityOrganiser
from app.db import db
from tests import factories


@pytest.fixture
def organising(world: Any) -> tuple[Any, Any]:
    """The resident organises a coming activity and one that took place."""
    coming = factories.create_activity(world.building, world.coach, title="Samen koken",
                                       theme="cooking", residents_alone=True)
    past = factories.create_activity(world.building, world.coach, title="Taalcafé",
                                     theme="language", days_from_now=-3, participant_count=7)
    factories.create_organiser(coming, world.resident, world.coach)
    factories.create_organiser(past, world.resident, world.coach)
    db.session.commit()
    return coming, past


def test_the_export_lists_the_activities_the_resident_organises(as_user, world, organising):
    coming, past = organising

    response = as_user(world.privacy_officer).get(f"/api/v1/residents/{world.resident.id}/export")

    assert response.status_code == 200
    exported = response.json["activities_organised"]
    assert [(a["activity_id"], a["title"], a["building"]) for a in exported] == [
        (past.id, "Taalcafé", world.building.name),
        (coming.id, "Samen koken", world.building.name)]
    consents = {c["id"] for c in response.json["consents"]}
    assert {a["named_under_consent_id"] for a in exported} <= consents
    assert "participant_count" not in exported[0]  # who else came is not theirs


def test_a_resident_who_organises_nothing_exports_an_empty_list(as_user, world):
    response = as_user(world.privacy_officer).get(f"/api/v1/residents/{world.resident.id}/export")

    assert response.json["activities_organised"] == []


def test_erasure_removes_the_resident_as_organiser_and_keeps_the_activities(
        as_user, world, organising):
    coming, past = organising
    neighbour = factories.create_resident(world.dwelling, display_name="Henk Smit")
    factories.create_organiser(coming, neighbour, world.coach)
    db.session.commit()

    response = as_user(world.privacy_officer).post(
        f"/api/v1/residents/{world.resident.id}/erasure", json={})

    assert response.status_code == 200
    remaining = db.session.execute(select(ActivityOrganiser.resident_id)).scalars().all()
    assert remaining == [neighbour.id]
    assert db.session.execute(select(func.count(Activity.id))).scalar_one() == 2
    shown = as_user(world.coach).get(f"/api/v1/activities/{coming.id}").json
    assert [o["name"] for o in shown["organisers"]] == ["Henk Smit"]
    db.session.refresh(past)
    assert past.participant_count == 7  # the count stays: it never named anyone
