"""Consent is bound to its reader on every disclosure path, through the API and the pages:
a reader of another organisation than the consent names sees nothing of the resident (and
the denial is logged); a handover is read only under the consent it was offered under; the
coach's note travels only with the category `notes`."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from app.audit.models import ProcessingLogEntry
from app.db import db
from app.handovers.models import Handover
from tests import factories
from tests.web import login as page_login
from tests.web import text

NAME = "Fatima el Amrani"
NOTE = "Mevrouw wil graag dat haar dochter bij het eerste gesprek is"


def last_seq() -> int:
    return db.session.execute(select(func.max(ProcessingLogEntry.seq))).scalar() or 0


def entries_after(seq: int) -> list[ProcessingLogEntry]:
    return list(db.session.execute(
        select(ProcessingLogEntry).where(ProcessingLogEntry.seq > seq)
        .order_by(ProcessingLogEntry.seq)).scalars())


# -- a Buurtkamer organiser's name --------------------------------------------------------------

@pytest.fixture
def organised(world: Any) -> Any:
    world.resident.display_name = NAME
    activity = factories.create_activity(world.building, world.coach, title="Samen koken",
                                         theme="cooking", residents_alone=True)
    factories.create_organiser(activity, world.resident, world.coach)
    db.session.commit()
    return activity


def test_an_organisers_name_is_shown_to_a_reader_of_the_consents_organisation(
        as_user, world, organised):
    shown = as_user(world.coordinator).get(f"/api/v1/activities/{organised.id}").json
    assert [o["name"] for o in shown["organisers"]] == [NAME]


def test_a_reader_of_another_organisation_sees_a_resident_and_the_denial_is_logged(
        as_user, http_app, world, organised):
    outsider = factories.create_user("coordinator", world.buurtteam)
    db.session.commit()
    since = last_seq()

    api = as_user(outsider).get(f"/api/v1/activities/{organised.id}")
    page = page_login(http_app, outsider).get("/buurtkamer")

    assert api.status_code == 200
    assert [o["named"] for o in api.json["organisers"]] == [False]
    assert [o["name"] for o in api.json["organisers"]] == ["een bewoner"]
    assert NAME not in api.get_data(as_text=True)
    assert page.status_code == 200
    assert NAME not in text(page)
    entries = entries_after(since)
    assert {(e.action, e.decision, e.actor_id, e.actor_organization_id) for e in entries} == {
        ("share_contact", "denied", outsider.id, world.buurtteam.id)}
    assert all("is not the recipient" in " ".join(e.reasons) for e in entries)


# -- a handover is read under the consent it was offered under ----------------------------------

def _offered(world: Any, categories: list[str], state: str = "accepted") -> tuple[Any, Any]:
    world.resident.display_name = NAME
    case = factories.create_formulated_case(world.resident, world.coach)
    consent = factories.create_consent_in_state(world.resident, world.coach, world.buurtteam,
                                                categories)
    handover = factories.create_handover_in_state(case, world.coach, world.buurtteam,
                                                  categories, consent=consent, state=state,
                                                  professional=world.professional)
    handover.note = NOTE
    db.session.commit()
    return consent, handover


def _read(as_user: Any, world: Any, handover: Any) -> Any:
    return as_user(world.professional).get(f"/api/v1/handovers/{handover.id}")


def test_a_handover_whose_consent_was_withdrawn_stays_closed_under_a_newer_consent(
        as_user, world):
    consent, handover = _offered(world, ["identity", "contact"])
    assert _read(as_user, world, handover).json["resident"]["identity"]["display_name"] == NAME
    withdrawn = as_user(world.coach).post(
        f"/api/v1/consents/{consent.id}/transitions",
        json={"trigger": "withdraw", "version": consent.version, "reason": "wil stoppen"})
    assert withdrawn.status_code == 200
    newer = factories.create_consent_in_state(world.resident, world.coach, world.buurtteam,
                                              ["identity", "contact"])
    db.session.commit()
    since = last_seq()

    response = _read(as_user, world, handover)

    assert db.session.get(Handover, handover.id).state == "withdrawn"
    assert response.json["access"]["allowed"] is False
    assert response.json["resident"] is None
    assert NAME not in response.get_data(as_text=True)
    [entry] = entries_after(since)
    assert (entry.decision, entry.consent_id) == ("denied", None)
    assert str(newer.id) not in " ".join(entry.reasons)


def test_a_declined_handover_is_not_read_while_its_consent_still_holds(as_user, world):
    _consent, handover = _offered(world, ["identity", "contact"], state="offered")
    declined = as_user(world.professional).post(
        f"/api/v1/handovers/{handover.id}/transitions",
        json={"trigger": "decline", "version": handover.version, "reason": "geen plek"})
    assert declined.status_code == 200

    response = _read(as_user, world, handover)

    assert response.json["access"]["allowed"] is False
    assert response.json["resident"] is None
    assert NAME not in response.get_data(as_text=True)


# -- the coach's note is data of category `notes` -----------------------------------------------

@pytest.mark.parametrize(("categories", "released"), [
    (["identity", "contact"], False),
    (["help_question"], False),
    (["identity", "notes"], True),
])
def test_the_coachs_note_travels_only_with_the_category_notes(
        as_user, http_app, world, categories, released):
    _consent, handover = _offered(world, categories)

    api = _read(as_user, world, handover)
    page = page_login(http_app, world.professional).get(f"/handovers/{handover.id}")

    assert api.json["access"]["allowed"] is True
    assert api.json["note"] == (NOTE if released else "")
    assert (NOTE in api.get_data(as_text=True)) is released
    assert (NOTE in text(page)) is released
    if released:
        assert api.json["resident"]["notes"]["handover_note"] == NOTE
