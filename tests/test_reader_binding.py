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
from tests import factories, writes
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
        json={"trigger": "decline", "version": handover.version,
              "decline_reason": "no_capacity", "reason": "geen plek"})
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


# == every disclosure path, read by someone it was not disclosed to ============================
# Outside the reader's scope the answer is 404, for a role without the permission 403; the body
# holds nothing of the resident and nothing is written. Where the request reaches the policy
# decision, exactly one denial naming the reader is logged.

PHONE = "06-12345678"  # world.resident's phone number
NOT_FOUND = {"code": 404, "status": "Not Found", "message": "Niet gevonden.", "errors": {}}
FORBIDDEN = {"code": 403, "status": "Forbidden", "message": "Je rol staat deze handeling niet toe.",
             "errors": {}}


def shows_nothing_of_the_resident(response: Any) -> None:
    body = response.get_data(as_text=True)
    assert NAME not in body
    assert PHONE not in body
    assert NOTE not in body


def refused(response: Any, status: int) -> None:
    """An API refusal: exactly the error shape, nothing of the resident."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.json == {404: NOT_FOUND, 403: FORBIDDEN}[status]
    shows_nothing_of_the_resident(response)


def page_refused(response: Any, status: int) -> None:
    assert response.status_code == status
    shows_nothing_of_the_resident(response)


def _handed_over(world: Any, state: str) -> Any:
    """A handover of world.resident to the Buurtteam, offered and brought to `state` (a
    withdrawn one was accepted first)."""
    _consent, handover = _offered(world, ["identity", "contact", "notes"],
                                  state="accepted" if state == "withdrawn" else state)
    if state == "withdrawn":
        from app.handovers.operations import fire_handover

        fire_handover(handover, "withdraw", world.coach, {"reason": "Verhuisd."})
        db.session.commit()
    return handover


@pytest.mark.parametrize("state", ["offered", "accepted", "intro_scheduled", "intro_held",
                                   "completed", "declined", "withdrawn"])
def test_a_professional_of_another_organisation_reads_no_handover_in_any_state(
        as_user, http_app, world, state):
    handover = _handed_over(world, state)
    outsider = world.other_professional
    api, page = as_user(outsider), page_login(http_app, outsider)

    with writes.nothing_written():
        refused(api.get(f"/api/v1/handovers/{handover.id}"), 404)
        listed = api.get("/api/v1/handovers")
        page_refused(page.get(f"/handovers/{handover.id}"), 404)
        inbox = page.get("/handovers?group=all")

    assert (listed.status_code, listed.json) == (200, [])
    assert inbox.status_code == 200
    assert str(handover.id) not in text(inbox)
    shows_nothing_of_the_resident(inbox)


@pytest.mark.parametrize("role", ["privacy_officer", "coordinator"])
def test_a_role_without_handovers_is_refused_one(as_user, http_app, world, role):
    _consent, handover = _offered(world, ["identity", "contact", "notes"])
    reader = world.user(role)
    api, page = as_user(reader), page_login(http_app, reader)

    with writes.nothing_written():
        refused(api.get(f"/api/v1/handovers/{handover.id}"), 403)
        page_refused(page.get(f"/handovers/{handover.id}"), 403)


def _read_decision(world: Any, handover: Any, reader: Any) -> Any:
    from app.consent.gateway import disclose
    from policies import Action

    return disclose(actor=reader, action=Action.READ_HANDOVER,
                    resident_id=handover.case.resident_id,
                    recipient_organization_id=handover.organization_id,
                    purpose=handover.purpose, categories=handover.data_categories,
                    handover=handover)


def test_the_decision_denies_a_handover_to_a_reader_of_another_organisation(world, ctx):
    """Scope keeps the reader out before the decision is asked; the decision, asked anyway,
    compares the reader with the recipient and logs its denial."""
    _consent, handover = _offered(world, ["identity", "contact", "notes"])
    outsider = world.other_professional

    with writes.nothing_written(denied=outsider) as written:
        decision = _read_decision(world, handover, outsider)

    assert (decision.allowed, decision.released_categories) == (False, frozenset())
    [denial] = written.denials
    assert (denial.action, denial.object_id, denial.actor_organization_id) == (
        "read_handover", str(handover.id), world.schuldhulp.id)
    assert (denial.consent_id, denial.recipient_organization_id) == (None, world.buurtteam.id)
    assert (f"the reader's organisation ({world.schuldhulp.id}) is not the recipient, "
            f"organisation {world.buurtteam.id}") in denial.reasons
    # The same request by the receiving organisation is allowed: the denial is the reader's.
    assert _read_decision(world, handover, world.professional).allowed is True


# -- a Buurtkamer organiser's name, on every page and answer that shows it ---------------------

def test_the_activity_page_and_the_list_hide_an_organiser_from_another_organisation(
        as_user, http_app, world, organised):
    outsider = factories.create_user("coordinator", world.buurtteam)
    db.session.commit()
    api, page = as_user(outsider), page_login(http_app, outsider)

    with writes.nothing_written(denied=outsider) as shown_page:
        response = page.get(f"/buurtkamer/{organised.id}")
    with writes.nothing_written(denied=outsider) as listed_entries:
        listed = api.get("/api/v1/activities")

    assert response.status_code == 200
    assert NAME not in text(response)
    assert listed.status_code == 200
    assert [[o["named"] for o in a["organisers"]] for a in listed.json] == [[False]]
    assert NAME not in listed.get_data(as_text=True)
    for denial in (*shown_page.denials, *listed_entries.denials):
        assert (denial.action, denial.object_id, denial.data_subject_id) == (
            "share_contact", str(organised.id), str(world.resident.id))


def test_a_coach_of_another_organisation_in_the_same_building_sees_no_organisers_name(
        as_user, http_app, world, organised):
    """The consent names the organisation running the activity (the coach's welfare
    organisation); a housing corporation's coach of the same building is another reader."""
    corporation = factories.create_organization(kind="woningcorporatie")
    colleague = factories.create_user("flatcoach", corporation)
    from app.buildings.models import CoachAssignment

    db.session.add(CoachAssignment(user_id=colleague.id, building_id=world.building.id))
    db.session.commit()
    api, page = as_user(colleague), page_login(http_app, colleague)

    with writes.nothing_written(denied=colleague) as read:
        answer = api.get(f"/api/v1/activities/{organised.id}")
    with writes.nothing_written(denied=colleague):
        shown = page.get(f"/buurtkamer/{organised.id}")

    assert answer.status_code == 200
    assert [(o["named"], o["name"]) for o in answer.json["organisers"]] == [
        (False, "een bewoner")]
    assert NAME not in answer.get_data(as_text=True)
    assert shown.status_code == 200
    assert NAME not in text(shown)
    [denial] = read.denials
    assert (denial.actor_organization_id, denial.recipient_organization_id) == (
        corporation.id, world.welzijn.id)


def test_a_coach_of_another_building_does_not_find_the_activity(as_user, http_app, world,
                                                                  organised):
    api, page = as_user(world.other_coach), page_login(http_app, world.other_coach)

    with writes.nothing_written():
        refused(api.get(f"/api/v1/activities/{organised.id}"), 404)
        page_refused(page.get(f"/buurtkamer/{organised.id}"), 404)
        listed = api.get("/api/v1/activities")

    assert (listed.status_code, listed.json) == (200, [])


@pytest.mark.parametrize("role", ["professional", "privacy_officer"])
def test_a_role_without_the_buurtkamer_is_refused_it(as_user, http_app, world, organised, role):
    reader = world.user(role)
    api, page = as_user(reader), page_login(http_app, reader)

    with writes.nothing_written():
        refused(api.get(f"/api/v1/activities/{organised.id}"), 403)
        refused(api.get("/api/v1/activities"), 403)
        page_refused(page.get(f"/buurtkamer/{organised.id}"), 403)


# -- a match's contact card -----------------------------------------------------------------------

@pytest.fixture
def agreed(world: Any) -> Any:
    """Fatima and Henk (both in the coach's building) agreed to meet: the card names both."""
    from tests.matches_helpers import create_match, neighbours

    world.resident.display_name = NAME
    fatima, henk = neighbours(world)
    match = create_match(world.coach, fatima, henk, state="agreed")
    db.session.commit()
    return match


def test_the_coach_of_the_building_is_shown_the_contact_card(as_user, world, agreed):
    card = as_user(world.coach).get(f"/api/v1/matches/{agreed.id}").json["contact_card"]
    assert card["offering_resident"] == {"display_name": NAME, "phone": PHONE}


@pytest.mark.parametrize("kind", ["welzijn", "woningcorporatie"])
def test_a_coach_of_another_building_sees_no_match_and_no_contact_card(
        as_user, http_app, world, agreed, kind):
    coach = world.other_coach
    if kind != "welzijn":
        coach = factories.create_user("flatcoach", factories.create_organization(kind=kind))
        from app.buildings.models import CoachAssignment

        db.session.add(CoachAssignment(user_id=coach.id, building_id=world.other_building.id))
        db.session.commit()
    api, page = as_user(coach), page_login(http_app, coach)

    with writes.nothing_written():
        refused(api.get(f"/api/v1/matches/{agreed.id}"), 404)
        listed = api.get("/api/v1/matches")
        page_refused(page.get(f"/matches/{agreed.id}"), 404)

    assert (listed.status_code, listed.json) == (200, [])


@pytest.mark.parametrize("role", ["professional", "privacy_officer", "coordinator"])
def test_a_role_without_matches_is_refused_the_contact_card(as_user, http_app, world, agreed,
                                                             role):
    reader = world.user(role)
    api, page = as_user(reader), page_login(http_app, reader)

    with writes.nothing_written():
        refused(api.get(f"/api/v1/matches/{agreed.id}"), 403)
        page_refused(page.get(f"/matches/{agreed.id}"), 403)


def test_the_decision_denies_the_contact_card_to_a_coach_of_another_building(world, ctx,
                                                                             agreed):
    from app.consent.gateway import disclose
    from app.matches.operations import CONTACT_CARD_CATEGORIES, PURPOSE
    from policies import Action

    def share(reader: Any) -> Any:
        return disclose(actor=reader, action=Action.SHARE_CONTACT,
                        resident_id=agreed.offering_resident_id,
                        recipient_organization_id=None,
                        recipient_resident_id=agreed.seeking_resident_id,
                        purpose=PURPOSE, categories=CONTACT_CARD_CATEGORIES, subject=agreed)

    with writes.nothing_written(denied=world.other_coach) as written:
        decision = share(world.other_coach)

    assert decision.allowed is False
    [denial] = written.denials
    assert (denial.object_type, denial.object_id, denial.data_subject_id) == (
        "match", str(agreed.id), str(agreed.offering_resident_id))
    assert (f"the reader is not resident {agreed.seeking_resident_id}, nor the coach who "
            "passes the data on to them") in denial.reasons
    assert share(world.coach).allowed is True


# -- the resident, the consent record and the export ----------------------------------------------

@pytest.fixture
def handed_over(world: Any) -> Any:
    """The resident's consent and a handover accepted by the Buurtteam's professional: even
    the organisation that receives her data reads it only through the handover."""
    consent, _handover = _offered(world, ["identity", "contact", "notes"])
    return consent


@pytest.mark.parametrize("who", ["other_coach", "professional", "privacy_officer",
                                 "coordinator"])
def test_only_the_residents_coach_finds_the_resident(as_user, http_app, world, handed_over,
                                                     who):
    reader = getattr(world, who)
    api, page = as_user(reader), page_login(http_app, reader)

    with writes.nothing_written():
        refused(api.get(f"/api/v1/residents/{world.resident.id}"), 404)
        page_refused(page.get(f"/residents/{world.resident.id}"), 404)


@pytest.mark.parametrize(("who", "status"), [("other_coach", 404), ("professional", 403),
                                             ("other_professional", 403), ("coordinator", 403)])
def test_the_consent_record_is_only_for_the_coach_and_the_privacy_officer(
        as_user, http_app, world, handed_over, who, status):
    reader = getattr(world, who)
    api, page = as_user(reader), page_login(http_app, reader)

    with writes.nothing_written():
        refused(api.get(f"/api/v1/consents/{handed_over.id}/record"), status)
        refused(api.get(f"/api/v1/consents/{handed_over.id}"), status)
        page_refused(page.get(f"/consents/{handed_over.id}"), status)

    officer = as_user(world.privacy_officer).get(f"/api/v1/consents/{handed_over.id}/record")
    assert officer.status_code == 200


@pytest.mark.parametrize("who", ["coach", "professional", "coordinator"])
def test_the_export_is_for_the_privacy_officer_alone(as_user, http_app, world, handed_over,
                                                     who):
    reader = getattr(world, who)
    api, page = as_user(reader), page_login(http_app, reader)

    with writes.nothing_written():
        refused(api.get(f"/api/v1/residents/{world.resident.id}/export"), 403)
        page_refused(page.get(f"/privacy/residents/{world.resident.id}"), 403)
        page_refused(page.post(f"/privacy/residents/{world.resident.id}/export", data={}), 403)


def test_the_privacy_officer_exports_and_the_export_is_logged(as_user, world, handed_over):
    officer = as_user(world.privacy_officer)
    since = last_seq()

    exported = officer.get(f"/api/v1/residents/{world.resident.id}/export")

    assert exported.status_code == 200
    assert NAME in exported.get_data(as_text=True)
    [entry] = [e for e in entries_after(since) if e.action == "export"]
    assert (entry.decision, entry.actor_id, entry.data_subject_id, entry.legal_basis) == (
        "allowed", world.privacy_officer.id, str(world.resident.id), "legal_obligation")


def test_an_unknown_resident_is_not_found_for_the_export(as_user, world):
    import uuid

    officer = as_user(world.privacy_officer)
    with writes.nothing_written():
        refused(officer.get(f"/api/v1/residents/{uuid.uuid4()}/export"), 404)
