"""Each household's latest answers at the door: what its latest conversation (the latest
visit where someone talked) named, kept as rows when a visit is recorded, so that
neighbourhood insight counts them without unpacking every conversation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.buildings.models import Dwelling
from app.db import db, utcnow
from app.visits.models import LatestAnswer, Visit, VisitOutcome
from app.visits.operations import record_visit, refresh_latest_answers
from tests import factories


@pytest.fixture
def door(ctx) -> tuple[Any, Dwelling]:
    coach = factories.create_user("flatcoach")
    building = factories.create_building(coach)
    return coach, factories.create_dwelling(building)


def latest(dwelling: Dwelling | None = None) -> set[tuple[Any, ...]]:
    query = select(LatestAnswer.dwelling_id, LatestAnswer.question, LatestAnswer.answer)
    if dwelling is not None:
        query = query.where(LatestAnswer.dwelling_id == dwelling.id)
    rows = db.session.execute(query).all()
    if dwelling is not None:
        return {(question, answer) for _dwelling, question, answer in rows}
    return {tuple(row) for row in rows}


def talk(coach: Any, dwelling: Dwelling, **answers: Any) -> Visit:
    return record_visit(coach, dwelling, {"outcome": "talked", **answers})


def test_a_conversation_becomes_the_households_latest_answers(door):
    coach, dwelling = door
    talk(coach, dwelling, themes=["finances", "loneliness"], offers=["cooking"],
         wishes=["company"], willingness=2)
    assert latest(dwelling) == {("themes", "finances"), ("themes", "loneliness"),
                                ("offers", "cooking"), ("wishes", "company"),
                                ("willingness", "2")}
    assert set(db.session.execute(select(LatestAnswer.building_id)).scalars()) == {
        dwelling.building_id}


def test_a_later_conversation_replaces_them_and_a_knock_without_one_leaves_them(door):
    coach, dwelling = door
    talk(coach, dwelling, themes=["finances"], willingness=3)
    for outcome in ("not_home", "declined", "revisit"):
        record_visit(coach, dwelling, {"outcome": outcome})
    assert latest(dwelling) == {("themes", "finances"), ("willingness", "3")}
    talk(coach, dwelling, offers=["gardening"])
    assert latest(dwelling) == {("offers", "gardening")}
    talk(coach, dwelling)  # a conversation that named nothing: nothing named now
    assert latest(dwelling) == set()


def test_a_conversation_recorded_after_a_later_one_leaves_the_later_answers(door):
    """Two coaches at one door at once: whichever commits last, the later conversation's
    answers stay."""
    coach, dwelling = door
    db.session.add(Visit(dwelling_id=dwelling.id, coach_id=coach.id,
                         outcome=VisitOutcome.TALKED, themes=["housing"],
                         visited_at=utcnow() + timedelta(minutes=5)))
    db.session.flush()
    refresh_latest_answers([dwelling.id])
    talk(coach, dwelling, themes=["health"])
    assert latest(dwelling) == {("themes", "housing")}


def test_worked_out_again_from_the_visits_they_are_what_recording_kept(door):
    coach, dwelling = door
    neighbour = factories.create_dwelling(dwelling.building)
    quiet = factories.create_dwelling(dwelling.building)
    talk(coach, dwelling, themes=["finances"], offers=["cooking", "odd_jobs"], willingness=0)
    talk(coach, dwelling, themes=["safety"], wishes=["company"], willingness=1)
    talk(coach, neighbour, themes=["health"])
    talk(coach, neighbour)
    record_visit(coach, quiet, {"outcome": "not_home"})
    kept = latest()
    assert kept
    refresh_latest_answers()
    assert latest() == kept
    refresh_latest_answers([dwelling.id])
    assert latest() == kept
