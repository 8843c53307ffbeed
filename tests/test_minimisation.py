"""Data minimisation: a professional receives exactly the categories a handover was
released for — that category's key and fields, and no value of any other category."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.db import db
from app.visits.operations import record_visit
from policies import CATEGORY_FIELDS, DataCategory
from tests import factories

# A value no other category holds, for every field Buurtpad keeps about the resident.
DISTINCTIVE = {
    DataCategory.IDENTITY: ["Zwanetta Quirijnsdochter"],
    DataCategory.CONTACT: ["06-97531864", "Ypsilonstraat", "3563 QZ", "Flat Omikron",
                           "Tigrinya"],
    DataCategory.HOUSEHOLD: ["HH: woont met kleinzoon Brecht"],
    DataCategory.LIVING_SITUATION: ["LS: schimmel op het balkon", "loneliness", "gardening"],
    DataCategory.HELP_QUESTION: ["HQ: ik snap de brieven van de gemeente niet",
                                 "daily_administration"],
    DataCategory.FINANCES: ["FIN: achterstand bij de energieleverancier"],
    DataCategory.HEALTH: ["HEALTH: suikerziekte en somberheid"],
    DataCategory.SAFETY: ["SAFE: bedreigd door ex-partner"],
    DataCategory.NOTES: ["NOTE: belt liefst na tienen"],
}
# Values that only reach the professional by an explicit release; "Tigrinya" (languages)
# belongs to no category and must never be released.
UNRELEASED = ["Tigrinya"]
VIEW_KEYS = {"help_question": {"text": "help_question_text", "themes": "help_question_themes",
                               "urgency": "help_question_urgency"}}


@pytest.fixture
def seeded(world: Any) -> Any:
    """The world's resident with a distinctive value in every field of every category."""
    resident = world.resident
    resident.display_name = DISTINCTIVE[DataCategory.IDENTITY][0]
    resident.phone = DISTINCTIVE[DataCategory.CONTACT][0]
    resident.languages = ["Tigrinya"]
    world.dwelling.street = "Ypsilonstraat"
    world.dwelling.postcode = "3563 QZ"
    world.building.name = "Flat Omikron"
    case = factories.create_formulated_case(
        resident, world.coach, text=DISTINCTIVE[DataCategory.HELP_QUESTION][0],
        themes=("daily_administration",))
    case.household_size = 3
    case.household_notes = DISTINCTIVE[DataCategory.HOUSEHOLD][0]
    case.living_situation_notes = DISTINCTIVE[DataCategory.LIVING_SITUATION][0]
    case.finances_notes = DISTINCTIVE[DataCategory.FINANCES][0]
    case.health_notes = DISTINCTIVE[DataCategory.HEALTH][0]
    case.safety_notes = DISTINCTIVE[DataCategory.SAFETY][0]
    case.coach_notes = DISTINCTIVE[DataCategory.NOTES][0]
    record_visit(world.coach, world.dwelling, {
        "resident_id": resident.id, "outcome": "talked", "themes": ["loneliness"],
        "offers": ["gardening"], "willingness": 2, "notes": "VISIT: koffie gedronken"})
    db.session.commit()
    return case


def release(world: Any, case: Any, categories: list[str]) -> Any:
    consent = factories.create_consent_in_state(world.resident, world.coach, world.buurtteam,
                                                categories)
    handover = factories.create_handover_in_state(case, world.coach, world.buurtteam,
                                                  categories, consent=consent)
    db.session.commit()
    return handover


@pytest.mark.parametrize("category", list(DataCategory), ids=str)
def test_a_handover_releases_exactly_its_one_category(as_user, world, seeded, category):
    handover = release(world, seeded, [str(category)])

    response = as_user(world.professional).get(f"/api/v1/handovers/{handover.id}")

    assert response.status_code == 200
    body = response.json
    assert body["access"]["allowed"] is True
    assert body["released_categories"] == [str(category)]
    assert list(body["resident"]) == [str(category)]
    released = body["resident"][str(category)]
    names = {VIEW_KEYS.get(str(category), {}).get(key, key) for key in released}
    assert names == set(CATEGORY_FIELDS[category])
    text = json.dumps(body, ensure_ascii=False)
    for value in DISTINCTIVE[category]:
        if value not in UNRELEASED:
            assert value in text
    for other, values in DISTINCTIVE.items():
        for value in values:
            if other is not category or value in UNRELEASED:
                assert value not in text, f"{other} value {value!r} leaked"
    assert "VISIT: koffie gedronken" not in text  # a visit's own notes are never released


def test_a_partial_consent_releases_only_the_covered_categories(as_user, world, seeded):
    handover = release(world, seeded, ["identity", "health"])
    body = as_user(world.professional).get(f"/api/v1/handovers/{handover.id}").json
    assert sorted(body["resident"]) == ["health", "identity"]
    assert body["resident"]["health"] == {"health_notes": DISTINCTIVE[DataCategory.HEALTH][0]}
    assert "health is shared under explicit consent (GDPR Art. 9(2)(a))" in (
        body["access"]["reasons"])
    text = json.dumps(body, ensure_ascii=False)
    assert DISTINCTIVE[DataCategory.FINANCES][0] not in text


def test_health_must_be_named_explicitly(as_user, world, seeded):
    everything_but_health = [str(c) for c in DataCategory if c is not DataCategory.HEALTH]
    consent = factories.create_consent_in_state(world.resident, world.coach, world.buurtteam,
                                                everything_but_health)
    handover = factories.create_handover_in_state(
        seeded, world.coach, world.buurtteam, ["identity", "health"], state="draft")
    db.session.commit()

    api = as_user(world.coach)
    api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = api.post(f"/api/v1/handovers/{handover.id}/transitions",
                        json={"trigger": "offer", "version": handover.version})

    assert response.status_code == 422
    ref = f"(consent {consent.id})"
    assert response.json["message"] == (
        "No valid consent or approved safety disclosure covers this handover: denied; "
        f"consent does not cover categories: health {ref}; health is a special category "
        f"(GDPR Art. 9) and is shared only when the consent names it explicitly {ref}; "
        "no safety disclosure was made")
