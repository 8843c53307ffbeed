"""Decline reasons with consequences: the coach hears why, and a declined or withdrawn handover
is offered to another organisation without retyping — relying on a consent only when one of
the resident's consents covers that organisation, never on the first organisation's."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.db import db
from app.handovers.models import Handover
from app.handovers.operations import fire_handover
from app.notifications.models import Notification, NotificationKind
from tests import factories
from tests.web import login, text

CATEGORIES = ["identity", "contact", "help_question"]


def english(api):
    api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return api


@pytest.fixture
def coach(as_user, world):
    return english(as_user(world.coach))


def declined(world, reason="not_our_field", note="Zij spreekt Arabisch.", explanation=None):
    """A handover of the world's resident to the Buurtteam, with a note, declined."""
    case = factories.create_case(world.resident, world.coach, "question_formulated")
    handover = factories.create_handover(case, world.coach, world.buurtteam, state="offered",
                                         data_categories=CATEGORIES)
    handover.note = note
    arguments = {"decline_reason": reason}
    if explanation:
        arguments["reason"] = explanation
    fire_handover(handover, "decline", world.professional, arguments)
    db.session.commit()
    return handover


def reoffer(api, handover, organization):
    return api.post(f"/api/v1/handovers/{handover.id}/reoffer",
                    json={"organization_id": organization.id})


def fresh(handover_id):
    db.session.expire_all()
    return db.session.get(Handover, uuid.UUID(str(handover_id)))


# --- the reason, where the coach sees it ------------------------------------------------------

def test_the_coach_hears_the_reason_in_plain_dutch(http_app, world):
    handover = declined(world, explanation="Wij doen alleen jeugd.")
    coach = login(http_app, world.coach)
    [notice] = db.session.execute(select(Notification).where(
        Notification.kind == NotificationKind.HANDOVER_DECLINED)).scalars().all()
    assert notice.user_id == world.coach.id
    inbox = text(coach.get("/notifications"))
    assert (f"{world.buurtteam.name} heeft de overdracht afgewezen: Niet ons werkterrein"
            in inbox)
    assert "Wij doen alleen jeugd." not in inbox  # the professional's own words stay on the page
    page = text(coach.get(f"/handovers/{handover.id}"))
    assert "Afgewezen omdat" in page and "Niet ons werkterrein" in page
    assert "Toelichting" in page and "Wij doen alleen jeugd." in page


def test_an_inbox_in_english_names_the_reason_in_english(as_user, world):
    declined(world, reason="no_capacity")
    inbox = english(as_user(world.coach)).get("/api/v1/notifications").json
    assert [n["subject"] for n in inbox] == [
        f"{world.buurtteam.name} declined the handover: No capacity at the moment"]


# --- offering it again, over the API ----------------------------------------------------------

def test_reoffer_copies_the_draft_and_picks_the_covering_consent(coach, world):
    handover = declined(world)
    # The Buurtteam's consent is still given, but covers only the Buurtteam.
    other = factories.create_consent(world.resident, world.coach, world.schuldhulp,
                                     data_categories=CATEGORIES)
    factories.create_consent(world.resident, world.coach, world.schuldhulp,
                             purpose="case_support", data_categories=CATEGORIES)
    db.session.commit()

    response = reoffer(coach, handover, world.schuldhulp)

    assert response.status_code == 201, response.json
    body = response.json
    assert (body["state"], body["version"], body["organization_id"]) == (
        "draft", 1, world.schuldhulp.id)
    assert (body["case_id"], body["purpose"], body["data_categories"], body["note"]) == (
        str(handover.case_id), "warm_handover", CATEGORIES, "Zij spreekt Arabisch.")
    assert body["consent_id"] == str(other.id)
    assert body["reoffered_from_id"] == str(handover.id)
    assert body["allowed_triggers"] == ["request_consent", "offer", "withdraw"]
    assert fresh(handover.id).state == "declined"  # the first stays as it ended
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.event_type == "handover_created",
        AuditEvent.object_id == body["id"])).scalar_one()
    assert event.details["reoffered_from"] == str(handover.id)
    # Offered as it is: it relies on that consent.
    offered = coach.post(f"/api/v1/handovers/{body['id']}/transitions",
                         json={"trigger": "offer", "version": 1})
    assert offered.status_code == 200, offered.json
    assert offered.json["consent_id"] == str(other.id)


@pytest.mark.parametrize("scope", ["none", "other purpose", "fewer categories", "withdrawn",
                                   "first organisation only"])
def test_without_a_covering_consent_the_draft_waits_for_consent(coach, world, scope):
    handover = declined(world)
    if scope == "other purpose":
        factories.create_consent(world.resident, world.coach, world.schuldhulp,
                                 purpose="case_support", data_categories=CATEGORIES)
    elif scope == "fewer categories":
        factories.create_consent(world.resident, world.coach, world.schuldhulp,
                                 data_categories=["identity", "contact"])
    elif scope == "withdrawn":
        factories.create_consent(world.resident, world.coach, world.schuldhulp,
                                 state="withdrawn", data_categories=CATEGORIES)
    db.session.commit()

    response = reoffer(coach, handover, world.schuldhulp)

    assert response.status_code == 201, response.json
    assert (response.json["state"], response.json["consent_id"]) == ("draft", None)
    refused = coach.post(f"/api/v1/handovers/{response.json['id']}/transitions",
                         json={"trigger": "offer", "version": 1})
    assert refused.status_code == 422
    assert refused.json["message"].startswith("No valid consent or approved safety "
                                              "disclosure covers this handover")


def test_a_withdrawn_handover_can_be_offered_elsewhere_too(coach, world):
    case = factories.create_case(world.resident, world.coach, "question_formulated")
    withdrawn = factories.create_handover(case, world.coach, world.buurtteam, state="withdrawn")
    db.session.commit()
    response = reoffer(coach, withdrawn, world.schuldhulp)
    assert response.status_code == 201, response.json
    assert response.json["reoffered_from_id"] == str(withdrawn.id)


@pytest.mark.parametrize("state", ["draft", "offered", "accepted", "completed"])
def test_only_a_declined_or_withdrawn_handover_is_offered_again(coach, world, state):
    case = factories.create_case(world.resident, world.coach, "question_formulated")
    handover = factories.create_handover(case, world.coach, world.buurtteam, state=state,
                                         professional=world.professional)
    db.session.commit()
    before = db.session.execute(select(Handover.id)).scalars().all()
    response = reoffer(coach, handover, world.schuldhulp)
    assert response.status_code == 422
    assert response.json["message"] == ("Only a declined or withdrawn handover can be offered "
                                        "to another organisation.")
    assert db.session.execute(select(Handover.id)).scalars().all() == before


def test_the_same_organisation_or_an_unknown_one_is_refused(coach, world):
    handover = declined(world)
    same = reoffer(coach, handover, world.buurtteam)
    assert (same.status_code, same.json["message"]) == (
        422, f"Choose another organisation than {world.buurtteam.name}.")
    unknown = coach.post(f"/api/v1/handovers/{handover.id}/reoffer",
                         json={"organization_id": 999_999})
    assert (unknown.status_code, unknown.json["message"]) == (422, "Unknown organisation.")
    missing = coach.post(f"/api/v1/handovers/{handover.id}/reoffer", json={})
    assert missing.status_code == 422
    assert "organization_id" in missing.json["errors"]


def test_an_organisation_with_an_active_handover_of_the_case_is_refused(coach, world):
    handover = declined(world)
    draft = reoffer(coach, handover, world.schuldhulp)
    assert draft.status_code == 201
    again = reoffer(coach, handover, world.schuldhulp)
    assert (again.status_code, again.json["message"]) == (
        422, "This case already has an active handover to that organisation.")


def test_outside_the_coachs_buildings_it_is_not_found(as_user, world):
    handover = declined(world)
    response = reoffer(as_user(world.other_coach), handover, world.schuldhulp)
    assert response.status_code == 404
    assert reoffer(as_user(world.professional), handover, world.schuldhulp).status_code == 403


def test_after_erasure_nothing_is_offered_again(coach, as_user, world):
    handover = declined(world)
    erased = as_user(world.privacy_officer).post(
        f"/api/v1/residents/{world.resident.id}/erasure", json={})
    assert erased.status_code in (200, 204), erased.json
    response = reoffer(coach, handover, world.schuldhulp)
    assert (response.status_code, response.json["message"]) == (
        422, "This resident has been anonymised: nothing here can change any more.")


# --- offering it again, on the handover page --------------------------------------------------

def test_the_page_shows_the_coach_what_is_possible(http_app, world):
    handover = declined(world)
    factories.create_consent(world.resident, world.coach, world.schuldhulp,
                             data_categories=CATEGORIES)
    db.session.commit()
    page = text(login(http_app, world.coach).get(f"/handovers/{handover.id}"))
    assert "Aanbieden aan een andere organisatie" in page
    assert (f"{world.buurtteam.name} geeft aan dat dit niet hun werkterrein is. Misschien kan "
            "een andere organisatie helpen.") in page
    assert (f"De toestemming van de bewoner geldt al voor: {world.schuldhulp.name}.") in page
    assert "gaat niet mee: een toestemming geldt alleen voor de organisatie" in page
    assert f'<option value="{world.buurtteam.id}"' not in page
    assert f'<option value="{world.schuldhulp.id}"' in page
    # The professional who declined is offered nothing of the kind.
    professional = text(login(http_app, world.professional).get(f"/handovers/{handover.id}"))
    assert "Aanbieden aan een andere organisatie" not in professional


def test_the_page_says_when_no_consent_covers_another_organisation(http_app, world):
    handover = declined(world, reason="no_capacity")
    page = text(login(http_app, world.coach).get(f"/handovers/{handover.id}"))
    assert "niet hun werkterrein" not in page  # suggested only after "not our field"
    assert ("Er is nog geen toestemming van de bewoner voor een andere organisatie") in page


def test_the_button_makes_the_draft_and_says_what_comes_next(http_app, world):
    handover = declined(world)
    coach = login(http_app, world.coach)
    response = coach.post(f"/handovers/{handover.id}/reoffer",
                          data={"organization_id": str(world.schuldhulp.id)})
    assert response.status_code == 302
    [draft] = db.session.execute(select(Handover).where(
        Handover.reoffered_from_id == handover.id)).scalars().all()
    assert response.headers["Location"].endswith(f"/handovers/{draft.id}")
    assert (draft.state, draft.organization_id, draft.consent_id, draft.note) == (
        "draft", world.schuldhulp.id, None, "Zij spreekt Arabisch.")
    page = text(coach.get(response.headers["Location"]))
    assert (f"Er is nog geen toestemming van de bewoner voor {world.schuldhulp.name}") in page
    assert "Eerder aangeboden aan" in page and world.buurtteam.name in page


def test_the_page_refuses_what_the_api_refuses(http_app, world):
    handover = declined(world)
    coach = login(http_app, world.coach)
    for data, message in (({}, "Dit veld is verplicht."),
                          ({"organization_id": str(world.buurtteam.id)}, "Kies een organisatie."),
                          ({"organization_id": "abc"}, "Kies een organisatie.")):
        response = coach.post(f"/handovers/{handover.id}/reoffer", data=data)
        assert response.status_code == 422
        assert message in text(response)
    assert db.session.execute(select(Handover).where(
        Handover.reoffered_from_id == handover.id)).scalars().all() == []
