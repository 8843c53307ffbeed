"""Conversations at one door at the same moment, on a real PostgreSQL: requests from threads
that commit for real. Whatever order they commit in, the household's latest answers are
those of its latest conversation. Everything the test creates is deleted afterwards (the
append-only logs keep their entries)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import delete, select

from app.auth.models import ApiToken, LoginThrottle, User
from app.auth.throttle import account_key, address_key
from app.buildings.models import Building, CoachAssignment, Dwelling, Neighbourhood
from app.db import db
from app.insight.counts import reconcile
from app.insight.models import InsightCount
from app.organizations.models import Organization
from app.visits.models import LatestAnswer, Visit
from app.visits.operations import answers_of
from tests import factories
from tests.test_races_postgres import Coach, login

pytestmark = [pytest.mark.postgres, pytest.mark.real_commits]

THREADS = 8
THEMES = ("finances", "work_income", "housing", "health", "mental_wellbeing", "loneliness",
          "safety", "youth_parenting")


@dataclass(frozen=True)
class Door:
    coach: Coach
    dwelling_id: int


@pytest.fixture
def door(app) -> Iterator[Door]:
    with app.app_context():
        organization = factories.create_organization(kind="welzijn", party=False)
        coach = factories.create_user("flatcoach", organization)
        building = factories.create_building(coach)
        dwelling = factories.create_dwelling(building)
        db.session.commit()
        ids = (organization.id, coach.id, building.id, building.neighbourhood_id, dwelling.id)
        made = Door(Coach(coach.id, coach.email), dwelling.id)
    try:
        yield made
    finally:
        with app.app_context():
            organization_id, coach_id, building_id, neighbourhood_id, dwelling_id = ids
            keys = [account_key(made.coach.email), address_key("127.0.0.1")]
            db.session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))
            db.session.execute(delete(LatestAnswer).where(LatestAnswer.dwelling_id == dwelling_id))
            db.session.execute(delete(Visit).where(Visit.dwelling_id == dwelling_id))
            db.session.execute(delete(ApiToken).where(ApiToken.user_id == coach_id))
            db.session.execute(delete(CoachAssignment).where(CoachAssignment.user_id == coach_id))
            db.session.execute(delete(Dwelling).where(Dwelling.id == dwelling_id))
            db.session.execute(delete(InsightCount).where(InsightCount.building_id == building_id))
            db.session.execute(delete(Building).where(Building.id == building_id))
            db.session.execute(delete(Neighbourhood).where(Neighbourhood.id == neighbourhood_id))
            db.session.execute(delete(User).where(User.id == coach_id))
            db.session.execute(delete(Organization).where(Organization.id == organization_id))
            db.session.commit()


def test_conversations_at_one_door_at_once_leave_the_latest_ones_answers(app, http_app, door):
    clients = [login(http_app, door.coach) for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    errors: list[Any] = []

    def talk(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            response = clients[i].post("/api/v1/visits", json={
                "dwelling_id": door.dwelling_id, "outcome": "talked",
                "themes": [THEMES[i]], "willingness": i % 4})
            if response.status_code != 201:
                errors.append(response.json)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=talk, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors

    with app.app_context():
        visits = db.session.execute(select(Visit).where(
            Visit.dwelling_id == door.dwelling_id)).scalars().all()
        assert len(visits) == THREADS
        last = max(visits, key=lambda visit: (visit.visited_at, visit.id))
        kept = db.session.execute(select(LatestAnswer.question, LatestAnswer.answer).where(
            LatestAnswer.dwelling_id == door.dwelling_id)).all()
        assert sorted(map(tuple, kept)) == answers_of(last.themes, last.offers, last.wishes,
                                                      last.willingness)
        # Neighbourhood insight counted each door once, as the rows say.
        assert reconcile().differences == {}
