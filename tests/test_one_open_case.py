"""One resident, one path at a time: a second case is refused while one is open, a closed
case reopens only when no other is open, and a conversation joins the open case."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.cases.models import Case
from app.db import db
from tests import factories
from tests.web import hidden, login, text

CASES = "/api/v1/cases"


@pytest.fixture
def coach(as_user, world):
    api = as_user(world.coach)
    api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return api


def cases_of(resident) -> int:
    return db.session.scalar(select(func.count()).select_from(Case)
                             .where(Case.resident_id == resident.id))


def test_a_second_case_is_refused_while_one_is_open(coach, world):
    first = coach.post(CASES, json={"resident_id": str(world.resident.id)})
    assert first.status_code == 201

    second = coach.post(CASES, json={"resident_id": str(world.resident.id)})

    assert second.status_code == 422
    assert second.json["message"] == "This resident already has an open case."
    assert second.json["errors"] == {"resident_id": ["This resident already has an open case."]}
    assert cases_of(world.resident) == 1


@pytest.mark.parametrize("state", ["paused", "referred"])
def test_paused_and_referred_cases_are_open_too(coach, world, state):
    factories.create_case(world.resident, world.coach, state, professional=world.professional)
    db.session.commit()
    assert coach.post(CASES, json={"resident_id": str(world.resident.id)}).status_code == 422


def test_after_closing_a_new_case_may_start_and_the_old_one_stays_closed(coach, world):
    closed = factories.create_case(world.resident, world.coach, "closed")
    db.session.commit()
    opened = coach.post(CASES, json={"resident_id": str(world.resident.id)})
    assert opened.status_code == 201

    reopen = coach.post(f"{CASES}/{closed.id}/transitions",
                        json={"trigger": "reopen", "version": closed.version})

    assert reopen.status_code == 422
    assert "already has an open case" in reopen.json["message"]
    db.session.expire_all()
    assert db.session.get(Case, closed.id).state == "closed"


def test_a_closed_case_reopens_when_it_is_the_only_one(coach, world):
    closed = factories.create_case(world.resident, world.coach, "closed")
    db.session.commit()
    response = coach.post(f"{CASES}/{closed.id}/transitions",
                          json={"trigger": "reopen", "version": closed.version})
    assert response.status_code == 200, response.json
    assert response.json["state"] == "exploring"


def test_a_conversation_joins_the_open_case_instead_of_opening_another(coach, world):
    case = factories.create_case(world.resident, world.coach, "exploring")
    db.session.commit()
    response = coach.post("/api/v1/visits", json={
        "dwelling_id": world.dwelling.id, "outcome": "talked",
        "resident_id": str(world.resident.id), "open_case": True})
    assert response.status_code == 201, response.json
    assert response.json["case_id"] == str(case.id)
    assert cases_of(world.resident) == 1


def test_the_resident_page_refuses_a_second_case_in_dutch(http_app, world):
    factories.create_case(world.resident, world.coach, "exploring")
    db.session.commit()
    coach = login(http_app, world.coach)
    page = text(coach.get(f"/residents/{world.resident.id}"))

    response = coach.post(f"/residents/{world.resident.id}/cases",
                          data={"csrf_token": hidden(page, "csrf_token")})

    assert response.status_code == 422
    assert "heeft al een open traject" in text(response)
    assert cases_of(world.resident) == 1


def test_the_resident_page_offers_to_reopen_a_closed_case_only_while_none_is_open(http_app,
                                                                                 world):
    closed = factories.create_case(world.resident, world.coach, "closed")
    db.session.commit()
    coach = login(http_app, world.coach)
    assert 'value="reopen"' in text(coach.get(f"/residents/{world.resident.id}"))

    factories.create_case(world.resident, world.coach, "exploring")
    db.session.commit()
    page = text(coach.get(f"/residents/{world.resident.id}"))

    assert 'value="reopen"' not in page
    assert f'id="case-{closed.id}"' in page  # still listed, with its outcome
