"""A phone that sends its queue again while the first request still runs (its answer lost on
the way), on a real PostgreSQL: the same batch from several threads at once, committing for
real. Each recording is applied exactly once — the client id's unique key decides, the others
answer "already applied" — and a batch and an online conversation at one of its doors never
wait on each other in a circle. Everything the test creates is deleted afterwards (the
append-only logs keep their entries)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from app.auth.models import ApiToken, LoginThrottle, User
from app.auth.throttle import account_key, address_key
from app.buildings.models import Building, CoachAssignment, Dwelling, Neighbourhood
from app.db import db, utcnow
from app.insight.counts import reconcile
from app.insight.models import InsightCount
from app.organizations.models import Organization
from app.sync.models import SyncReceipt
from app.visits.models import LatestAnswer, Visit
from tests import factories
from tests.test_races_postgres import Coach, login

pytestmark = [pytest.mark.postgres, pytest.mark.real_commits]

THREADS = 6
DOORS = 12


@dataclass(frozen=True)
class Round:
    coach: Coach
    dwelling_ids: list[int]


@pytest.fixture
def round_(app) -> Iterator[Round]:
    with app.app_context():
        organization = factories.create_organization(kind="welzijn", party=False)
        coach = factories.create_user("flatcoach", organization)
        building = factories.create_building(coach)
        dwellings = [factories.create_dwelling(building, floor=1 + i // 4) for i in range(DOORS)]
        db.session.commit()
        ids = (organization.id, coach.id, building.id, building.neighbourhood_id)
        made = Round(Coach(coach.id, coach.email), [dwelling.id for dwelling in dwellings])
    try:
        yield made
    finally:
        with app.app_context():
            organization_id, coach_id, building_id, neighbourhood_id = ids
            doors = made.dwelling_ids
            keys = [account_key(made.coach.email), address_key("127.0.0.1")]
            db.session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))
            db.session.execute(delete(SyncReceipt).where(SyncReceipt.user_id == coach_id))
            db.session.execute(delete(LatestAnswer).where(LatestAnswer.dwelling_id.in_(doors)))
            db.session.execute(delete(Visit).where(Visit.dwelling_id.in_(doors)))
            db.session.execute(delete(ApiToken).where(ApiToken.user_id == coach_id))
            db.session.execute(delete(CoachAssignment).where(CoachAssignment.user_id == coach_id))
            db.session.execute(delete(Dwelling).where(Dwelling.id.in_(doors)))
            db.session.execute(delete(InsightCount).where(InsightCount.building_id == building_id))
            db.session.execute(delete(Building).where(Building.id == building_id))
            db.session.execute(delete(Neighbourhood).where(Neighbourhood.id == neighbourhood_id))
            db.session.execute(delete(User).where(User.id == coach_id))
            db.session.execute(delete(Organization).where(Organization.id == organization_id))
            db.session.commit()


def _batch(round_: Round) -> list[dict[str, Any]]:
    start = utcnow() - timedelta(hours=1)
    return [{"client_id": str(uuid.uuid4()), "kind": "visit",
             "recorded_at": (start + timedelta(minutes=i)).isoformat(),
             "recorded_by": round_.coach.id,
             "visit": {"dwelling_id": door, "outcome": "talked" if i % 3 == 2 else "not_home",
                       "themes": ["finances"] if i % 3 == 2 else []}}
            for i, door in enumerate(round_.dwelling_ids)]


def test_the_same_batch_sent_at_once_is_applied_once(app, http_app, round_):
    items = _batch(round_)
    clients = [login(http_app, round_.coach) for _ in range(THREADS)]
    # An online conversation at one of the batch's doors, at the same moment.
    online = login(http_app, round_.coach)
    barrier = threading.Barrier(THREADS + 1)
    answers: list[Any] = []
    errors: list[Any] = []

    def send(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            response = clients[i].post("/api/v1/sync", json={"items": items})
            if response.status_code != 200:
                errors.append(response.json)
            else:
                answers.append(response.json)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
            barrier.abort()

    def talk() -> None:
        try:
            barrier.wait(timeout=30)
            response = online.post("/api/v1/visits", json={
                "dwelling_id": round_.dwelling_ids[-1], "outcome": "talked",
                "themes": ["housing"]})
            if response.status_code != 201:
                errors.append(response.json)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(THREADS)]
    threads.append(threading.Thread(target=talk))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(answers) == THREADS

    # Each recording applied by exactly one of the requests, the same object named by all.
    for index in range(len(items)):
        statuses = sorted(answer["results"][index]["status"] for answer in answers)
        assert statuses == ["already_applied"] * (THREADS - 1) + ["applied"], (index, statuses)
        assert len({answer["results"][index]["object_id"] for answer in answers}) == 1
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(SyncReceipt).where(
            SyncReceipt.user_id == round_.coach.id)).scalar_one() == DOORS
        per_door = dict(db.session.execute(
            select(Visit.dwelling_id, func.count()).where(
                Visit.dwelling_id.in_(round_.dwelling_ids)).group_by(Visit.dwelling_id)).all())
        assert per_door == {door: 1 for door in round_.dwelling_ids[:-1]} | {
            round_.dwelling_ids[-1]: 2}
        # The online conversation is the later one at its door: its answers are the latest.
        last_door = round_.dwelling_ids[-1]
        assert db.session.execute(select(LatestAnswer.answer).where(
            LatestAnswer.dwelling_id == last_door)).scalars().all() == ["housing"]
        # Neighbourhood insight counted each door once, as the rows say.
        assert reconcile().differences == {}
