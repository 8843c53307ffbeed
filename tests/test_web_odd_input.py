"""No input makes a page fail with a 500: odd values in every form and filter are answered
with field errors (422), a stale-version notice (409) or a 404."""

from __future__ import annotations

import pytest

from app.db import db
from tests import factories
from tests.web import login

ODD = ["", " ", "abc", "-1", "0", "99999999999999999999", "None", "0001-01-01", "9999-12-31",
       "0001-01-01T00:00", "9999-12-31T23:59", "<script>alert(1)</script>", "ü" * 5000,
       "00000000-0000-0000-0000-000000000000"]


@pytest.fixture
def objects(world):
    case = factories.create_formulated_case(world.resident, world.coach)
    handover = factories.create_handover(case, world.coach, world.buurtteam, state="accepted",
                                         professional=world.professional)
    consent = factories.create_consent(world.resident, world.coach, world.schuldhulp,
                                       state="requested")
    db.session.commit()
    return {"case": case.id, "handover": handover.id, "consent": consent.id,
            "resident": world.resident.id, "dwelling": world.dwelling.id}


FORMS = {
    "/dwellings/{dwelling}/visits": ["outcome", "resident", "new_resident_name",
                                     "new_resident_birth_year", "new_resident_phone", "themes",
                                     "offers", "willingness", "notes", "open_case"],
    "/cases/{case}/transitions": ["trigger", "version", "seen", "reason", "outcome"],
    "/cases/{case}/help-question": ["text", "themes", "urgency"],
    "/cases/{case}/notes": ["version", "household_size", "finances_notes"],
    "/residents/{resident}/consents/new": ["answer", "purpose", "recipient_organization_id",
                                          "data_categories", "valid_until", "method",
                                          "notice_shown"],
    "/consents/{consent}/transitions": ["trigger", "version", "method", "notice_version"],
    "/cases/{case}/handovers/new": ["organization_id", "purpose", "data_categories",
                                    "consent_id", "note", "answer"],
    "/handovers/{handover}/transitions": ["trigger", "version", "intro_at", "place", "reason"],
}


@pytest.mark.parametrize("url", sorted(FORMS))
def test_coach_forms_never_fail(http_app, world, objects, url):
    coach = login(http_app, world.coach)
    target = url.format(**objects)
    for value in ODD:
        data = {name: value for name in FORMS[url]}
        if "trigger" in data:
            data["trigger"] = {"/cases": "pause", "/consents": "give",
                               "/handovers": "schedule_intro"}["/" + url.split("/")[1]]
        response = coach.post(target, data=data)
        assert response.status_code < 500, (target, value)


@pytest.mark.parametrize("query", [f"{name}={value}" for name in
                                   ("from", "to", "resident_id", "action", "decision", "page",
                                    "event_type", "object_type", "object_id", "actor_id",
                                    "state", "purpose", "organization", "group", "status")
                                   for value in ODD[:10]])
def test_filters_never_fail(http_app, world, query):
    officer = login(http_app, world.privacy_officer)
    for url in ("/privacy/processing-log", "/privacy/audit-events", "/privacy/consents",
                "/privacy/reviews", "/privacy/processing-log.csv", "/privacy/audit-events.csv",
                "/privacy/consents.csv"):
        assert officer.get(f"{url}?{query}").status_code == 200, (url, query)


def test_admin_forms_never_fail(http_app, world):
    coordinator = login(http_app, world.coordinator)
    for value in ODD:
        for url, names in (("/admin/users/new", ["name", "email", "role", "organization_id",
                                                 "password"]),
                           ("/admin/organizations", ["name", "kind"]),
                           (f"/admin/buildings/{world.building.id}/coaches", ["user_id"])):
            response = coordinator.post(url, data={name: value for name in names})
            assert response.status_code < 500, (url, value)


def test_huge_ids_in_paths_are_404(http_app, world):
    coach = login(http_app, world.coach)
    assert coach.get("/buildings/99999999999999999999").status_code == 404
    assert coach.get("/dwellings/99999999999999999999").status_code == 404
    coordinator = login(http_app, world.coordinator)
    assert coordinator.get("/admin/buildings/99999999999999999999").status_code == 404
    assert coordinator.post("/admin/users/99999999999999999999/deactivate").status_code == 404
