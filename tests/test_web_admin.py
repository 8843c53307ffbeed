"""The coordinator's pages: users (create, deactivate — which ends sessions at once),
organisations, buildings and coach assignments, escalations. Every change is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.buildings.models import CoachAssignment
from app.db import db, utcnow
from app.organizations.models import Organization
from app.timers.operations import tick
from tests import factories
from tests.web import login, text


@pytest.fixture
def coordinator(http_app, world):
    return login(http_app, world.coordinator)


def _events(event_type):
    return db.session.execute(select(AuditEvent).where(AuditEvent.event_type == event_type)
                              ).scalars().all()


@pytest.mark.parametrize("url", ["/", "/admin/users", "/admin/users/new", "/admin/organizations",
                                 "/admin/buildings", "/admin/escalations", "/buildings"])
def test_coordinator_pages_answer_200(coordinator, url):
    assert coordinator.get(url).status_code == 200


def test_create_user_with_errors_then_success(coordinator, world):
    response = coordinator.post("/admin/users/new", data={
        "name": "Nieuwe Coach", "email": "geen-adres", "role": "flatcoach",
        "organization_id": "", "password": "kort"})
    html = text(response)
    assert response.status_code == 422
    assert "Geen geldig e-mailadres." in html and "Gebruik tussen 12 en 1024 tekens." in html
    assert 'value="Nieuwe Coach"' in html
    response = coordinator.post("/admin/users/new", data={
        "name": "Nieuwe Coach", "email": world.coach.email, "role": "flatcoach",
        "organization_id": str(world.welzijn.id), "password": "een lang tijdelijk wachtwoord"})
    assert response.status_code == 422
    assert "Er bestaat al een gebruiker met dit e-mailadres." in text(response)
    response = coordinator.post("/admin/users/new", data={
        "name": "Nieuwe Coach", "email": "nieuw@buurtpad.test", "role": "flatcoach",
        "organization_id": str(world.welzijn.id), "password": "een lang tijdelijk wachtwoord"})
    assert response.status_code == 302
    user = db.session.execute(select(User).where(User.email == "nieuw@buurtpad.test")
                              ).scalar_one()
    assert user.role == "flatcoach" and user.organization_id == world.welzijn.id
    assert _events("user_created")[-1].object_id == str(user.id)


def test_deactivation_ends_the_users_session_at_once(coordinator, http_app, world):
    coach = login(http_app, world.coach)
    assert coach.get("/today").status_code == 200
    response = coordinator.post(f"/admin/users/{world.coach.id}/deactivate",
                                data={"successor_id": world.other_coach.id})
    assert response.status_code == 302
    db.session.refresh(world.coach)
    assert world.coach.active is False
    assert coach.get("/today").status_code == 302  # back to the login page
    assert _events("user_deactivated")


def test_coordinator_cannot_deactivate_self(coordinator, world):
    coordinator.post(f"/admin/users/{world.coordinator.id}/deactivate")
    db.session.refresh(world.coordinator)
    assert world.coordinator.active is True


def test_create_organisation(coordinator):
    response = coordinator.post("/admin/organizations", data={"name": "", "kind": "ggz"})
    assert response.status_code == 422
    assert "Dit veld is verplicht." in text(response)
    response = coordinator.post("/admin/organizations", data={"name": "GGZ Centraal",
                                                              "kind": "ggz"})
    assert response.status_code == 302
    assert db.session.execute(select(Organization).where(Organization.name == "GGZ Centraal")
                              ).scalar_one().kind == "ggz"
    again = coordinator.post("/admin/organizations", data={"name": "GGZ Centraal",
                                                           "kind": "ggz"})
    assert again.status_code == 422
    assert _events("organization_created")


def test_assign_and_unassign_coach(coordinator, http_app, world):
    url = f"/admin/buildings/{world.other_building.id}"
    assert world.coach.name in text(coordinator.get(url))
    response = coordinator.post(f"{url}/coaches", data={"user_id": str(world.coach.id)})
    assert response.status_code == 302
    assert db.session.get(CoachAssignment, (world.coach.id, world.other_building.id))
    coach = login(http_app, world.coach)
    assert coach.get(f"/buildings/{world.other_building.id}").status_code == 200
    response = coordinator.post(f"{url}/coaches/{world.coach.id}/remove")
    assert response.status_code == 302
    assert db.session.get(CoachAssignment, (world.coach.id, world.other_building.id)) is None
    assert coach.get(f"/buildings/{world.other_building.id}").status_code == 404
    assert _events("coach_assigned") and _events("coach_unassigned")
    bad = coordinator.post(f"{url}/coaches", data={"user_id": str(world.professional.id)})
    assert bad.status_code == 422


def test_escalations_list_open_alerts_without_case_content(coordinator, world):
    case = factories.create_formulated_case(world.resident, world.coach)
    handover = factories.create_handover(case, world.coach, world.buurtteam, state="offered")
    handover.response_due_at = utcnow() - timedelta(days=2)
    db.session.commit()
    tick()
    html = text(coordinator.get("/admin/escalations"))
    assert world.buurtteam.name in html and "te laat" in html
    assert world.resident.display_name not in html
    assert case.help_question.text not in html


def test_unknown_objects_are_404(coordinator):
    assert coordinator.get("/admin/buildings/999999").status_code == 404
    assert coordinator.post("/admin/users/999999/deactivate").status_code == 404


@pytest.mark.parametrize("url", ["/today", "/handovers", "/privacy/consents",
                                 "/privacy/residents"])
def test_coordinator_is_forbidden_elsewhere(coordinator, url):
    assert coordinator.get(url).status_code == 403


def test_coordinator_cannot_open_doors(coordinator, world):
    assert coordinator.get(f"/buildings/{world.building.id}").status_code == 403


def test_a_deactivated_user_can_be_reactivated_and_logs_in_again(coordinator, http_app, world):
    coordinator.post(f"/admin/users/{world.coach.id}/deactivate",
                     data={"successor_id": world.other_coach.id})
    assert f"{world.coach.name} weer activeren" in text(coordinator.get("/admin/users"))

    response = coordinator.post(f"/admin/users/{world.coach.id}/reactivate")

    assert response.status_code == 302
    db.session.refresh(world.coach)
    assert world.coach.active is True
    assert login(http_app, world.coach).get("/today").status_code == 200
    assert _events("user_reactivated")[-1].object_id == str(world.coach.id)
    again = coordinator.post(f"/admin/users/{world.coach.id}/reactivate", follow_redirects=True)
    assert "Deze gebruiker is al actief." in text(again)


BUILDING = {"name": "Gangesdreef", "neighbourhood": "Overvecht-Noord", "city": "Utrecht",
            "street": "Gangesdreef", "postcode": "3564 gd", "floors": "3",
            "dwellings_per_floor": "4", "first_number": "1", "number_step": "2"}


def test_a_new_building_comes_with_its_dwellings_floor_by_floor(coordinator, http_app, world):
    from app.buildings.models import Building, Dwelling

    response = coordinator.post("/admin/buildings/new", data=BUILDING)

    assert response.status_code == 302
    building = db.session.execute(select(Building).where(Building.name == "Gangesdreef")
                                  ).scalar_one()
    dwellings = db.session.execute(select(Dwelling).where(Dwelling.building_id == building.id)
                                   .order_by(Dwelling.number)).scalars().all()
    assert len(dwellings) == 12 and building.floors == 3
    assert [d.number for d in dwellings[:5]] == [1, 3, 5, 7, 9]
    assert [d.floor for d in dwellings] == [1] * 4 + [2] * 4 + [3] * 4
    assert {d.postcode for d in dwellings} == {"3564 GD"}
    assert building.neighbourhood.name == "Overvecht-Noord"
    assert _events("building_created")[-1].details == {"floors": 3, "dwellings": 12}
    assert "12 woningen" in text(coordinator.get(response.headers["Location"]))
    coordinator.post(f"/admin/buildings/{building.id}/coaches",
                     data={"user_id": str(world.coach.id)})
    coach = login(http_app, world.coach)
    assert f"/dwellings/{dwellings[0].id}" in text(coach.get(f"/buildings/{building.id}"))


@pytest.mark.parametrize(("field", "value", "message"), [
    ("postcode", "35641GD", "Een Nederlandse postcode"),
    ("floors", "0", "Geef een heel getal van 1 tot en met 40."),
    ("dwellings_per_floor", "500", "Geef een heel getal van 1 tot en met 60."),
    ("name", "", "Dit veld is verplicht."),
    ("street", "Straat 111222333", "burgerservicenummer"),
])
def test_a_new_building_is_refused_field_by_field_and_keeps_the_input(coordinator, field, value,
                                                                      message):
    response = coordinator.post("/admin/buildings/new", data={**BUILDING, field: value})
    html = text(response)
    assert response.status_code == 422
    assert message in html
    assert 'value="Overvecht-Noord"' in html


@pytest.mark.parametrize("field", ["name", "neighbourhood", "city", "street"])
def test_a_new_building_needs_more_than_spaces(coordinator, field):
    from app.buildings.models import Building

    response = coordinator.post("/admin/buildings/new", data={**BUILDING, field: "   "})

    assert response.status_code == 422
    assert "Dit veld is verplicht." in text(response)
    assert db.session.execute(select(Building).where(Building.name.in_(("", "Gangesdreef")))
                              ).first() is None


def test_a_postcode_is_stored_as_the_post_writes_it(coordinator):
    from app.buildings.models import Building, Dwelling

    coordinator.post("/admin/buildings/new", data={**BUILDING, "postcode": "3564gd"})

    building = db.session.execute(select(Building).where(Building.name == "Gangesdreef")
                                  ).scalar_one()
    assert set(db.session.execute(select(Dwelling.postcode)
                                  .where(Dwelling.building_id == building.id)).scalars()) == {
        "3564 GD"}


def test_a_building_name_is_unique(coordinator, world):
    response = coordinator.post("/admin/buildings/new",
                                data={**BUILDING, "name": world.building.name})
    assert response.status_code == 422
    assert "Er bestaat al een flat met deze naam." in text(response)


def test_only_coordinators_create_buildings(http_app, world):
    coach = login(http_app, world.coach)
    assert coach.get("/admin/buildings/new").status_code == 403
    assert coach.post("/admin/buildings/new", data=BUILDING).status_code == 403


def test_a_building_name_taken_at_the_same_moment_is_refused_not_an_error(coordinator, world,
                                                                         monkeypatch):
    """Two coordinators creating the same name at once: the check before the insert passes
    for both; the unique index decides and the second gets the same refusal."""
    from app.admin import operations

    real_execute = operations.db.session.execute
    calls = {"n": 0}

    def name_looks_free(statement, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:  # the name check: as if the other insert had not committed yet
            return real_execute(statement.where(False), *args, **kwargs)
        return real_execute(statement, *args, **kwargs)

    monkeypatch.setattr(operations.db.session, "execute", name_looks_free)
    response = coordinator.post("/admin/buildings/new",
                                data={**BUILDING, "name": world.building.name})
    monkeypatch.undo()

    assert response.status_code == 422
    assert "Er bestaat al een flat met deze naam." in text(response)
