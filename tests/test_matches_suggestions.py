"""Suggested connections: computed in SQL from each resident's latest conversation at the
door — what one offers against what another wishes for — within the coach's buildings, same
building first, leaving out who is already connected for it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.db import db, utcnow
from app.matches.operations import count_suggestions, suggest_matches
from app.visits.models import Visit
from tests import factories
from tests.matches_helpers import create_match, neighbours, talked


@pytest.fixture
def login(as_user: Any) -> Any:
    def make(user: Any) -> Any:
        api = as_user(user)
        api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return api

    return make


@pytest.fixture
def cook(world: Any) -> tuple[Any, Any]:
    """Fatima can cook; Henk, on the same floor, would like someone to cook with."""
    fatima, henk = neighbours(world)
    talked(world.coach, fatima, offers=("cooking", "company"))
    talked(world.coach, henk, wishes=("cooking",))
    db.session.commit()
    return fatima, henk


def pairs(coach: Any, building_id: int | None = None) -> list[tuple[str, str, str, bool]]:
    return [(s.offer, s.offering.display_name, s.seeking.display_name, s.same_building)
            for s in suggest_matches(coach, building_id)]


def test_an_offer_meets_a_wish_in_the_same_building(world, cook, ctx):
    assert pairs(world.coach) == [("cooking", "Fatima El Amrani", "Henk de Boer", True)]
    assert count_suggestions(world.coach) == 1


def test_the_same_building_comes_first(world, cook, ctx):
    second = factories.create_building(world.coach, name="Zambesidreef")
    anouk = factories.create_resident(factories.create_dwelling(second), display_name="Anouk")
    talked(world.coach, anouk, wishes=("cooking", "company"))
    teun = factories.create_resident(factories.create_dwelling(second), display_name="Teun")
    talked(world.coach, teun, offers=("cooking",))

    suggestions = pairs(world.coach)

    assert [same for *_rest, same in suggestions] == [True, True, False, False, False]
    assert sorted(suggestions[:2]) == [("cooking", "Fatima El Amrani", "Henk de Boer", True),
                                       ("cooking", "Teun", "Anouk", True)]
    assert suggestions[2] == ("company", "Fatima El Amrani", "Anouk", False)  # by offer
    assert sorted(suggestions[3:]) == [("cooking", "Fatima El Amrani", "Anouk", False),
                                       ("cooking", "Teun", "Henk de Boer", False)]


def test_only_the_latest_conversation_counts(world, cook, ctx):
    _fatima, henk = cook
    # Henk's wish was recorded a month ago; today he wishes for something else.
    for visit in db.session.execute(select(Visit).where(Visit.resident_id == henk.id)).scalars():
        visit.visited_at = utcnow() - timedelta(days=30)
    talked(world.coach, henk, wishes=("language_practice",))

    assert pairs(world.coach) == []


def test_two_conversations_at_the_same_moment_count_once(world, cook, ctx):
    _fatima, henk = cook
    (first,) = db.session.execute(select(Visit).where(Visit.resident_id == henk.id)).scalars()
    talked(world.coach, henk, wishes=("cooking",), at=first.visited_at)

    assert pairs(world.coach) == [("cooking", "Fatima El Amrani", "Henk de Boer", True)]
    assert count_suggestions(world.coach) == 1


def test_a_door_not_opened_later_does_not_erase_the_conversation(world, cook, ctx):
    _fatima, henk = cook
    talked(world.coach, henk, outcome="not_home", at=utcnow() + timedelta(minutes=5))

    assert len(pairs(world.coach)) == 1


@pytest.mark.parametrize("who", ["other_building", "anonymised", "no_resident"])
def test_who_is_never_suggested(world, cook, ctx, who):
    fatima, henk = cook
    if who == "other_building":
        talked(world.other_coach, world.other_resident, wishes=("company",))
    elif who == "anonymised":
        henk.anonymised_at = utcnow()
    else:
        from app.visits.operations import record_visit

        record_visit(world.coach, factories.create_dwelling(world.building),
                     {"outcome": "talked", "wishes": ["company"]})

    assert pairs(world.coach) == ([] if who == "anonymised" else [
        ("cooking", "Fatima El Amrani", "Henk de Boer", True)])


def test_a_resident_does_not_meet_their_own_wish(world, ctx):
    talked(world.coach, world.resident, offers=("gardening",), wishes=("gardening",))

    assert pairs(world.coach) == []


def test_residents_already_connected_for_the_offer_are_left_out(world, cook, ctx):
    fatima, henk = cook
    anouk = factories.create_resident(world.dwelling, display_name="Anouk")
    talked(world.coach, anouk, wishes=("cooking", "company"))
    create_match(world.coach, fatima, henk)

    # Fatima is cooking for Henk already; her company is still free.
    assert pairs(world.coach) == [("company", "Fatima El Amrani", "Anouk", True)]


def test_a_resident_looking_for_it_in_an_open_connection_is_left_out(world, cook, ctx):
    fatima, henk = cook
    teun = factories.create_resident(world.dwelling, display_name="Teun")
    talked(world.coach, teun, offers=("cooking",))
    create_match(world.coach, fatima, henk)

    # Henk has a cook already: Teun is not suggested to him.
    assert pairs(world.coach) == []


def test_a_pair_matched_before_for_the_offer_is_not_suggested_again(world, cook, ctx):
    fatima, henk = cook
    create_match(world.coach, fatima, henk, state="declined")

    assert pairs(world.coach) == []


def test_a_met_connection_frees_the_cook_for_others(world, cook, ctx):
    fatima, henk = cook
    create_match(world.coach, fatima, henk, state="met")
    anouk = factories.create_resident(world.dwelling, display_name="Anouk")
    talked(world.coach, anouk, wishes=("cooking",))

    assert pairs(world.coach) == [("cooking", "Fatima El Amrani", "Anouk", True)]


# --- through the API ------------------------------------------------------------------------

def test_suggestions_api_pages_and_filters_by_building(login, world, cook):
    second = factories.create_building(world.coach, name="Zambesidreef")
    for n in range(3):
        resident = factories.create_resident(factories.create_dwelling(second),
                                             display_name=f"Buur {n}")
        talked(world.coach, resident, wishes=("company",))
    db.session.commit()
    coach = login(world.coach)

    first = coach.get("/api/v1/matches/suggestions?page_size=2")
    assert first.status_code == 200
    assert json.loads(first.headers["X-Pagination"])["total"] == 4
    assert first.json[0] == {
        "offer": "cooking", "same_building": True,
        "offering_resident": {"id": str(cook[0].id), "display_name": "Fatima El Amrani",
                              "building_id": world.building.id,
                              "building": world.building.name},
        "seeking_resident": {"id": str(cook[1].id), "display_name": "Henk de Boer",
                             "building_id": world.building.id,
                             "building": world.building.name},
    }
    assert len(coach.get("/api/v1/matches/suggestions?page=2&page_size=2").json) == 2
    assert coach.get("/api/v1/matches/suggestions?page=9").json == []
    in_second = coach.get(f"/api/v1/matches/suggestions?building_id={second.id}").json
    assert {s["offer"] for s in in_second} == {"company"}
    assert len(in_second) == 3


def test_suggestions_for_another_coachs_building_are_404(login, world, cook):
    coach = login(world.coach)

    assert coach.get(
        f"/api/v1/matches/suggestions?building_id={world.other_building.id}").status_code == 404
    assert coach.get("/api/v1/matches/suggestions?building_id=0").status_code == 422
    assert login(world.other_coach).get("/api/v1/matches/suggestions").json == []


def test_a_suggestion_is_proposed_and_then_no_longer_suggested(login, world, cook):
    coach = login(world.coach)
    (suggestion,) = coach.get("/api/v1/matches/suggestions").json

    created = coach.post("/api/v1/matches", json={
        "offering_resident_id": suggestion["offering_resident"]["id"],
        "seeking_resident_id": suggestion["seeking_resident"]["id"],
        "offer": suggestion["offer"]})

    assert created.status_code == 201
    assert coach.get("/api/v1/matches/suggestions").json == []
