"""A user's optional work phone number: set by the coordinator (a Dutch number, validated by
the API's Phone type), given in the API's user answer, and offered as tap-to-call to the
professional who receives the coach's handover."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.db import db
from tests import factories
from tests.web import login, text


@pytest.fixture
def coordinator(http_app, world):
    return login(http_app, world.coordinator)


NEW_USER = {"name": "Nieuwe Coach", "email": "nieuw@buurtpad.test", "role": "flatcoach",
            "password": "een lang tijdelijk wachtwoord"}


def test_a_new_user_gets_a_work_phone_number_written_compact(coordinator, world):
    response = coordinator.post("/admin/users/new", data={
        **NEW_USER, "organization_id": str(world.welzijn.id), "phone": "06-1234 5678"})
    assert response.status_code == 302
    user = db.session.execute(select(User).where(User.email == NEW_USER["email"])).scalar_one()
    assert user.phone == "0612345678"


def test_a_new_user_without_phone_has_none(coordinator, world):
    response = coordinator.post("/admin/users/new", data={
        **NEW_USER, "organization_id": str(world.welzijn.id), "phone": "  "})
    assert response.status_code == 302
    user = db.session.execute(select(User).where(User.email == NEW_USER["email"])).scalar_one()
    assert user.phone is None


@pytest.mark.parametrize("phone", ["12345", "0612345678901", "bel mij maar"])
def test_a_phone_that_is_not_dutch_is_refused_in_dutch(coordinator, world, phone):
    response = coordinator.post("/admin/users/new", data={
        **NEW_USER, "organization_id": str(world.welzijn.id), "phone": phone})
    assert response.status_code == 422
    assert "Geef een Nederlands telefoonnummer" in text(response)
    assert db.session.execute(
        select(User).where(User.email == NEW_USER["email"])).scalar_one_or_none() is None


def test_the_coordinator_changes_and_clears_a_users_phone(coordinator, world):
    url = f"/admin/users/{world.coach.id}"
    form = {"name": world.coach.name, "role": "flatcoach",
            "organization_id": str(world.welzijn.id)}
    assert coordinator.post(url, data={**form, "phone": "+31 6 12345678"}).status_code == 302
    db.session.refresh(world.coach)
    assert world.coach.phone == "+31612345678"
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.event_type == "user_updated").order_by(AuditEvent.seq.desc())).scalars().first()
    assert event.details["changed"] == ["phone"]
    assert 'value="+31612345678"' in text(coordinator.get(url))
    refused = coordinator.post(url, data={**form, "phone": "123"})
    assert refused.status_code == 422 and "Geef een Nederlands telefoonnummer" in text(refused)
    assert coordinator.post(url, data={**form, "phone": ""}).status_code == 302
    db.session.refresh(world.coach)
    assert world.coach.phone is None


def test_the_api_user_answer_gains_the_phone(client, world):
    world.coach.phone = "0612345678"
    db.session.commit()
    token = client.post("/api/v1/auth/token", json={"email": world.coach.email,
                                                    "password": factories.PASSWORD})
    assert token.status_code == 201
    assert token.json["user"]["phone"] == "0612345678"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json['token']}"})
    assert {"id", "email", "name", "role", "organization", "phone"} <= set(me.json)
    assert me.json["phone"] == "0612345678"
