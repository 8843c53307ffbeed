"""The coordinator manages users: name, role (after the consequences are shown) and
organisation; a one-time link to set a new password; deactivation that first hands the
user's buildings, open cases and handovers to a colleague of the same role and organisation.
Every step is logged, and no resident's name appears on these pages."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.buildings.models import CoachAssignment
from app.db import db
from tests import factories
from tests.web import login, text

NEW_PASSWORD = "een nieuw en lang wachtwoord"  # noqa: S105 - test value


@pytest.fixture
def coordinator(http_app, world):
    return login(http_app, world.coordinator)


def _events(event_type):
    return db.session.execute(select(AuditEvent).where(AuditEvent.event_type == event_type)
                              .order_by(AuditEvent.seq)).scalars().all()


def _buildings_of(user):
    return set(db.session.execute(select(CoachAssignment.building_id)
                                  .where(CoachAssignment.user_id == user.id)).scalars())


def _can_log_in(http_app, email, password):
    response = http_app.test_client().post("/login", data={"email": email, "password": password})
    return response.status_code == 302


def test_the_user_page_shows_what_a_coach_holds_without_names(coordinator, world):
    factories.create_case(world.resident, world.coach, "exploring")
    db.session.commit()
    html = unescape(text(coordinator.get(f"/admin/users/{world.coach.id}")))
    assert "1 flat" in html and world.building.name in html
    assert "1 open traject" in html and "Verkennen" in html
    assert world.resident.display_name not in html
    assert world.other_coach.name in html  # a colleague to hand over to


def test_changing_the_name_is_logged_and_keeps_the_session(coordinator, http_app, world):
    coach = login(http_app, world.coach)
    response = coordinator.post(f"/admin/users/{world.coach.id}", data={
        "name": "Anouk de Wit", "role": "flatcoach", "organization_id": world.welzijn.id})
    assert response.status_code == 302
    db.session.refresh(world.coach)
    assert world.coach.name == "Anouk de Wit"
    assert _events("user_updated")[-1].details["changed"] == ["name"]
    assert coach.get("/today").status_code == 200


def test_a_new_role_shows_its_consequences_before_it_is_made(coordinator, http_app, world):
    officer = login(http_app, world.privacy_officer)
    data = {"name": world.privacy_officer.name, "role": "coordinator",
            "organization_id": world.welzijn.id}
    response = coordinator.post(f"/admin/users/{world.privacy_officer.id}", data=data)
    html = unescape(text(response))
    assert response.status_code == 200
    assert "Bekijk de gevolgen" in html
    assert "Beheert gebruikers, organisaties, flats en flatcoaches" in html
    assert "wordt overal uitgelogd" in html
    db.session.refresh(world.privacy_officer)
    assert world.privacy_officer.role == "privacy_officer"

    response = coordinator.post(f"/admin/users/{world.privacy_officer.id}",
                                data={**data, "confirm": "y"})
    assert response.status_code == 302
    db.session.refresh(world.privacy_officer)
    assert world.privacy_officer.role == "coordinator"
    assert officer.get("/privacy/processing-log").status_code == 302  # logged out
    event = _events("user_updated")[-1]
    assert event.details["changed"] == ["role"] and event.details["role"] == "coordinator"


def test_a_coach_leaving_the_role_hands_over_buildings_and_cases(coordinator, world):
    case = factories.create_case(world.resident, world.coach, "exploring")
    db.session.commit()
    data = {"name": world.coach.name, "role": "coordinator",
            "organization_id": world.welzijn.id, "confirm": "y"}
    response = coordinator.post(f"/admin/users/{world.coach.id}", data=data)
    assert response.status_code == 422
    assert "Kies een collega" in unescape(text(response))
    response = coordinator.post(f"/admin/users/{world.coach.id}",
                                data={**data, "successor_id": world.other_coach.id})
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.coach_id == world.other_coach.id
    assert world.building.id in _buildings_of(world.other_coach)
    assert _buildings_of(world.coach) == set()


def test_a_professional_needs_an_organisation(coordinator, world):
    response = coordinator.post(f"/admin/users/{world.professional.id}", data={
        "name": world.professional.name, "role": "professional", "organization_id": "",
        "confirm": "y"})
    assert response.status_code == 422
    assert "Een professional werkt voor een organisatie" in unescape(text(response))


def test_the_coordinator_cannot_change_their_own_role(coordinator, world):
    response = coordinator.post(f"/admin/users/{world.coordinator.id}", data={
        "name": world.coordinator.name, "role": "flatcoach",
        "organization_id": world.welzijn.id, "confirm": "y"})
    assert response.status_code == 422
    db.session.refresh(world.coordinator)
    assert world.coordinator.role == "coordinator"


def _link(response):
    match = re.search(r'value="(http[^"]*/password/[^"]+)"', text(response))
    assert match, text(response)
    return match.group(1).split("localhost", 1)[-1]


def test_a_one_time_link_sets_a_new_password(coordinator, http_app, world):
    coach = login(http_app, world.coach)
    response = coordinator.post(f"/admin/users/{world.coach.id}/password-link")
    assert response.status_code == 200
    link = _link(response)
    # The old password and the open session end at once.
    assert not _can_log_in(http_app, world.coach.email, factories.PASSWORD)
    assert coach.get("/today").status_code == 302
    assert _events("password_reset_issued")[-1].object_id == str(world.coach.id)

    visitor = http_app.test_client()
    assert "Kies een wachtwoord dat alleen u kent" in unescape(text(visitor.get(link)))
    response = visitor.post(link, data={"password": NEW_PASSWORD, "repeat": "iets anders"})
    assert response.status_code == 422
    assert "De twee wachtwoorden verschillen." in unescape(text(response))
    assert visitor.post(link, data={"password": NEW_PASSWORD, "repeat": NEW_PASSWORD}
                        ).status_code == 302
    assert _can_log_in(http_app, world.coach.email, NEW_PASSWORD)
    assert _events("password_reset_completed")[-1].actor_id == world.coach.id
    # Used once: the link no longer works.
    assert visitor.get(link).status_code == 404
    assert visitor.post(link, data={"password": "nog een ander wachtwoord",
                                    "repeat": "nog een ander wachtwoord"}).status_code == 404


def test_a_link_expires_and_a_newer_link_ends_the_older(coordinator, http_app, world,
                                                         monkeypatch):
    first = _link(coordinator.post(f"/admin/users/{world.coach.id}/password-link"))
    second = _link(coordinator.post(f"/admin/users/{world.coach.id}/password-link"))
    visitor = http_app.test_client()
    assert visitor.get(first).status_code == 404
    assert visitor.get(second).status_code == 200
    monkeypatch.setattr("app.auth.password_links.LINK_LIFETIME", timedelta(seconds=-1))
    assert visitor.get(second).status_code == 404
    assert visitor.get("/password/not-a-token").status_code == 404


def test_deactivation_asks_for_a_colleague_to_take_over(coordinator, world):
    factories.create_case(world.resident, world.coach, "exploring")
    stranger = factories.create_user("flatcoach", world.buurtteam)
    db.session.commit()
    url = f"/admin/users/{world.coach.id}/deactivate"
    response = coordinator.post(url)
    assert response.status_code == 422
    assert "Kies een collega" in unescape(text(response))
    response = coordinator.post(url, data={"successor_id": stranger.id})
    assert response.status_code == 422
    assert "zelfde rol en organisatie" in unescape(text(response))
    db.session.refresh(world.coach)
    assert world.coach.active is True


def test_deactivation_hands_over_and_is_logged(coordinator, world):
    case = factories.create_case(world.resident, world.coach, "exploring")
    db.session.commit()
    response = coordinator.post(f"/admin/users/{world.coach.id}/deactivate",
                                data={"successor_id": world.other_coach.id},
                                follow_redirects=True)
    assert "Flats, trajecten en overdrachten zijn naar" in unescape(text(response))
    db.session.refresh(world.coach)
    db.session.refresh(case)
    assert world.coach.active is False
    assert case.coach_id == world.other_coach.id
    assert _buildings_of(world.other_coach) >= {world.building.id}
    assert _events("case_reassigned")[-1].object_id == str(case.id)
    [event] = _events("user_deactivated")
    assert event.details == {"handed_to": world.other_coach.id, "buildings": 1,
                             "open_cases": 1, "handovers": 0}


def test_a_professional_hands_accepted_handovers_to_a_colleague(coordinator, world):
    colleague = factories.create_user("professional", world.buurtteam)
    case = factories.create_formulated_case(world.resident, world.coach)
    handover = factories.create_handover(case, world.coach, world.buurtteam, state="accepted",
                                         professional=world.professional)
    db.session.commit()
    html = unescape(text(coordinator.get(f"/admin/users/{world.professional.id}")))
    assert "1 lopende overdracht" in html
    response = coordinator.post(f"/admin/users/{world.professional.id}/deactivate",
                                data={"successor_id": colleague.id})
    assert response.status_code == 302
    db.session.refresh(handover)
    assert handover.accepted_by_id == colleague.id
    assert _events("handover_reassigned")[-1].object_id == str(handover.id)


def test_a_user_without_holdings_is_deactivated_from_the_list(coordinator, world):
    spare = factories.create_user("flatcoach", world.welzijn)
    db.session.commit()
    html = unescape(text(coordinator.get("/admin/users")))
    assert f"{spare.name} deactiveren" in html
    assert "Overdragen en deactiveren" in html  # world.coach holds a building
    assert coordinator.post(f"/admin/users/{spare.id}/deactivate").status_code == 302
    db.session.refresh(spare)
    assert spare.active is False
