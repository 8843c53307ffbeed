"""Staying in touch: when help starts the coach's check-ins are planned (after 6 weeks, 3, 6 and
12 months, or the cadence configured); `tick(now=...)` tells the coach of each once, when it is
due; a check-in is recorded like a short conversation. A new question takes the case back to
exploring, no more contact ends the cadence everywhere, and so does erasure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases.models import Case, CheckIn
from app.cases.operations import fire_case, record_checkin
from app.db import db, utcnow
from app.notifications.models import Notification, NotificationKind
from app.timers.operations import tick
from tests import factories
from tests.web import login, text

SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)
NO_MORE_CONTACT = "The resident wants no more contact: no more check-ins."


def english(api):
    api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return api


@pytest.fixture
def coach(as_user, world):
    return english(as_user(world.coach))


def supported(world, resident=None):
    """A case whose help started just now: a handover to the Buurtteam completed."""
    case = factories.create_case(resident or world.resident, world.coach, "supported",
                                 professional=world.professional)
    db.session.commit()
    return case


def planned(case) -> list[CheckIn]:
    db.session.expire_all()
    return list(db.session.execute(
        select(CheckIn).where(CheckIn.case_id == case.id, CheckIn.due_at.is_not(None))
        .order_by(CheckIn.due_at)).scalars())


def due_notices(user=None) -> list[Notification]:
    query = select(Notification).where(Notification.kind == NotificationKind.CHECKIN_DUE)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    return list(db.session.execute(query.order_by(Notification.id)).scalars())


def fresh(case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def checkin(api, case, outcome, **extra):
    return api.post(f"/api/v1/cases/{case.id}/check-ins", json={"outcome": outcome, **extra})


# --- the cadence --------------------------------------------------------------------------------

def test_when_help_starts_four_check_ins_are_planned(coach, world):
    case = supported(world)
    [completed] = [h for h in case.handovers if h.state == "completed"]
    started = completed.completed_at
    assert [c.due_at for c in planned(case)] == [started + timedelta(days=days)
                                                 for days in (42, 91, 182, 365)]
    listed = coach.get(f"/api/v1/cases/{case.id}/check-ins")
    assert listed.status_code == 200
    assert [(c["status"], c["outcome"], c["on_time"]) for c in listed.json] == [
        ("planned", None, None)] * 4
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.event_type == "checkins_planned",
        AuditEvent.object_id == str(case.id))).scalar_one()
    assert event.details == {"due": [c.due_at.isoformat() for c in planned(case)]}


def test_no_check_ins_before_help_starts(world):
    for state in ("exploring", "question_formulated", "referred"):
        case = factories.create_case(factories.create_resident(world.dwelling), world.coach,
                                     state, professional=world.professional)
        assert planned(case) == []


def test_each_check_in_reaches_the_coach_once_when_it_is_due(world):
    case = supported(world)
    first, second, *_rest = planned(case)

    assert tick(now=first.due_at - SECOND).checkins_due == []
    assert due_notices() == []

    report = tick(now=first.due_at)
    assert report.checkins_due == [str(first.id)]
    [notice] = due_notices()
    assert (notice.user_id, notice.case_id, notice.resident_id, notice.handover_id) == (
        world.coach.id, case.id, case.resident_id, None)
    [event] = db.session.execute(select(AuditEvent).where(
        AuditEvent.event_type == "checkin_due")).scalars().all()
    assert (event.actor_id, event.object_id) == (None, str(case.id))

    assert tick(now=first.due_at + 10 * DAY).checkins_due == []
    assert len(due_notices()) == 1

    assert tick(now=second.due_at).checkins_due == [str(second.id)]
    assert tick(now=second.due_at + SECOND).checkins_due == []
    assert len(due_notices(world.coach)) == 2


def test_the_cadence_is_a_setting(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "CHECKIN_CADENCE_DAYS", (7, 30))
    case = supported(world)
    [completed] = [h for h in case.handovers if h.state == "completed"]
    assert [c.due_at for c in planned(case)] == [completed.completed_at + 7 * DAY,
                                                 completed.completed_at + 30 * DAY]


def test_a_paused_case_waits_and_hears_when_resumed(world):
    case = supported(world)
    first = planned(case)[0]
    fire_case(case, "pause", world.coach, {"reason": "Een maand naar familie."})
    db.session.commit()
    assert tick(now=first.due_at + DAY).checkins_due == []
    fire_case(fresh(case), "resume", world.coach, {})
    db.session.commit()
    assert tick(now=first.due_at + 2 * DAY).checkins_due == [str(first.id)]


def test_help_that_starts_while_paused_plans_the_check_ins(world):
    case = factories.create_case(world.resident, world.coach, "referred",
                                 professional=world.professional)
    fire_case(case, "pause", world.coach, {"reason": "Ziekenhuisopname."})
    [offered] = case.handovers
    from app.handovers.operations import fire_handover

    for trigger, actor, arguments in (
            ("accept", world.professional, {}),
            ("schedule_intro", world.coach, {"intro_at": utcnow() + DAY, "place": "Thuis"}),
            ("record_intro", world.coach, {}), ("complete", world.professional, {})):
        fire_handover(offered, trigger, actor, arguments)
    db.session.commit()
    assert fresh(case).paused_from == "supported"
    assert len(planned(case)) == 4


# --- recording one ------------------------------------------------------------------------------

def test_a_check_in_on_time_fulfils_the_one_due(world):
    case = supported(world)
    first = planned(case)[0]
    tick(now=first.due_at)
    assert len(due_notices()) == 1

    done = record_checkin(world.coach, fresh(case), {"outcome": "going_well",
                                                     "note": "Gaat goed met de schulden."},
                          now=first.due_at + 3 * DAY)
    db.session.commit()

    assert done.id == first.id
    assert (done.outcome, done.note, done.recorded_by_id) == (
        "going_well", "Gaat goed met de schulden.", world.coach.id)
    assert due_notices() == []  # what it announced is done
    assert [c.status(first.due_at + 3 * DAY) for c in planned(case)] == [
        "done", "planned", "planned", "planned"]


def test_recorded_up_to_two_weeks_early_it_counts_for_the_coming_one(world):
    case = supported(world)
    first = planned(case)[0]
    done = record_checkin(world.coach, fresh(case), {"outcome": "not_reached"},
                          now=first.due_at - 10 * DAY)
    assert done.id == first.id
    outside = record_checkin(world.coach, fresh(case), {"outcome": "going_well"},
                             now=first.due_at - 9 * DAY)
    assert outside.due_at is None  # a check-in outside the plan
    db.session.commit()
    assert tick(now=first.due_at).checkins_due == []


def test_a_late_check_in_leaves_the_earlier_missed_ones_behind(coach, world):
    case = supported(world)
    first, second, third, _fourth = planned(case)
    done = record_checkin(world.coach, fresh(case), {"outcome": "going_well"},
                          now=third.due_at + 20 * DAY)
    db.session.commit()
    assert done.id == third.id
    statuses = {c["id"]: (c["status"], c["on_time"])
                for c in coach.get(f"/api/v1/cases/{case.id}/check-ins").json}
    assert statuses[str(first.id)] == ("ended", None)
    assert statuses[str(second.id)] == ("ended", None)
    assert statuses[str(third.id)] == ("done", False)


def test_over_the_api(coach, world):
    case = supported(world)
    response = checkin(coach, case, "going_well", note="Koffie gedronken, gaat goed.")
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["case_id"], body["status"], body["outcome"], body["note"],
            body["recorded_by_id"], body["due_at"]) == (
        str(case.id), "done", "going_well", "Koffie gedronken, gaat goed.", world.coach.id, None)
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.event_type == "checkin_recorded")).scalar_one()
    assert event.details == {"checkin_id": body["id"], "outcome": "going_well", "due_at": None}
    assert "Koffie" not in str(event.details)  # the note stays out of the log


@pytest.mark.parametrize(("data", "field"), [
    ({}, "outcome"), ({"outcome": "fine"}, "outcome"),
    ({"outcome": "going_well", "note": "x" * 2001}, "note"),
    ({"outcome": "going_well", "mood": "good"}, "mood"),
])
def test_invalid_input_is_refused(coach, world, data, field):
    case = supported(world)
    response = coach.post(f"/api/v1/cases/{case.id}/check-ins", json=data)
    assert response.status_code == 422
    assert field in response.json["errors"]


@pytest.mark.parametrize("state", ["contacted", "exploring", "question_formulated", "referred",
                                   "paused", "closed"])
def test_only_while_help_runs(coach, world, state):
    case = factories.create_case(world.resident, world.coach, state,
                                 professional=world.professional)
    db.session.commit()
    response = checkin(coach, case, "going_well")
    assert (response.status_code, response.json["message"]) == (
        422, "Check-ins are recorded while help runs (the case is supported); the case is now "
             f"{state}.")


def test_another_coach_finds_nothing(as_user, world):
    case = supported(world)
    other = as_user(world.other_coach)
    assert checkin(other, case, "going_well").status_code == 404
    assert other.get(f"/api/v1/cases/{case.id}/check-ins").status_code == 404
    assert checkin(as_user(world.professional), case, "going_well").status_code == 403


# --- a new question -----------------------------------------------------------------------------

def test_a_new_question_reopens_exploring_with_the_question_it_had(coach, world):
    case = supported(world)
    question = fresh(case).help_question.text
    version = fresh(case).version

    response = checkin(coach, case, "new_question", note="Nu ook vragen over haar zoon.")

    assert response.status_code == 201, response.json
    case = fresh(case)
    assert case.state == "exploring"
    assert case.version == version + 1
    assert case.help_question.text == question  # prefilled: the coach starts from it
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.object_id == str(case.id), AuditEvent.trigger == "new_question")
    ).scalar_one()
    assert (event.from_state, event.to_state, event.actor_id) == (
        "supported", "exploring", world.coach.id)
    # Help no longer runs: what was planned ends, and nothing comes due.
    assert all(c.status(utcnow()) in ("done", "ended") for c in planned(case))
    assert tick(now=utcnow() + 400 * DAY).checkins_due == []
    assert coach.get(f"/api/v1/cases/{case.id}").json["allowed_triggers"] == [
        "formulate_question", "pause", "close"]


def test_when_help_starts_again_a_fresh_cadence_is_planned(world):
    case = supported(world)
    record_checkin(world.coach, fresh(case), {"outcome": "new_question"})
    case = fresh(case)
    fire_case(case, "formulate_question", world.coach, {})
    factories.create_handover(case, world.coach, world.schuldhulp, state="completed",
                              professional=world.other_professional)
    db.session.commit()
    assert fresh(case).state == "supported"
    assert [c.status(utcnow()) for c in planned(case)].count("planned") == 4


def test_the_page_continues_on_the_help_question(http_app, world):
    case = supported(world)
    question = fresh(case).help_question.text
    page = login(http_app, world.coach)
    response = page.post(f"/cases/{case.id}/check-ins", data={"outcome": "new_question"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{case.id}/help-question")
    form = text(page.get(response.headers["Location"]))
    assert "Contactmoment vastgelegd. Het traject is weer in verkenning" in form
    assert question in form  # prefilled from the old one
    assert fresh(case).state == "exploring"


# --- no more contact ----------------------------------------------------------------------------

def test_no_more_contact_ends_the_cadence_everywhere(http_app, coach, world):
    case = supported(world)
    first = planned(case)[0]
    tick(now=first.due_at)
    assert len(due_notices()) == 1

    response = checkin(coach, case, "no_more_contact")
    assert response.status_code == 201, response.json

    assert due_notices() == []
    assert all(c.status(utcnow()) in ("done", "ended") for c in planned(case))
    assert tick(now=utcnow() + 400 * DAY).checkins_due == []
    assert due_notices() == []
    refused = checkin(coach, case, "going_well")
    assert (refused.status_code, refused.json["message"]) == (422, NO_MORE_CONTACT)
    assert coach.get(f"/api/v1/cases/{case.id}").json["no_more_contact"] is True
    assert fresh(case).state == "supported"  # help itself goes on
    assert checkin(coach, case, "new_question").status_code == 422
    # The resident's page says so, and offers no check-in any more; Today lists none.
    pages = login(http_app, world.coach)
    resident = text(pages.get(f"/residents/{world.resident.id}"))
    assert "De bewoner wil geen contact meer (sinds" in resident
    assert "Contactmoment vastleggen" not in resident
    assert "Contactmomenten: even langs bij" not in text(pages.get("/today"))


def test_no_more_contact_holds_when_help_starts_again(world):
    case = supported(world)
    record_checkin(world.coach, fresh(case), {"outcome": "no_more_contact"})
    case = fresh(case)
    factories.create_handover(case, world.coach, world.schuldhulp, state="completed",
                              professional=world.other_professional)
    db.session.commit()
    assert [c for c in planned(case) if c.planned] == []


# --- the pages ----------------------------------------------------------------------------------

def test_today_lists_the_check_ins_due(http_app, world):
    case = supported(world)
    first = planned(case)[0]
    pages = login(http_app, world.coach)
    assert "Contactmomenten: even langs bij" not in text(pages.get("/today"))
    first.due_at = utcnow() - DAY
    db.session.commit()
    today = text(pages.get("/today"))
    assert "Contactmomenten: even langs bij" in today
    assert world.resident.display_name in today
    assert f"#checkins-{case.id}" in today
    other = text(login(http_app, world.other_coach).get("/today"))
    assert "Contactmomenten: even langs bij" not in other


def test_the_resident_page_records_a_check_in(http_app, world):
    case = supported(world)
    pages = login(http_app, world.coach)
    page = text(pages.get(f"/residents/{world.resident.id}"))
    assert "Contact houden" in page and "Contactmoment vastleggen" in page
    for choice in ("Het gaat goed", "Een nieuwe vraag", "Niet bereikt", "Wil geen contact meer"):
        assert choice in page
    assert page.count("Gepland") >= 4
    assert 'value="new_question" name="trigger"' not in page  # a new question is a check-in

    refused = pages.post(f"/cases/{case.id}/check-ins", data={"note": "Geen idee."})
    assert refused.status_code == 422
    assert "Dit veld is verplicht." in text(refused)

    done = pages.post(f"/cases/{case.id}/check-ins",
                      data={"outcome": "going_well", "note": "Gaat goed."})
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"#checkins-{case.id}")
    page = text(pages.get(f"/residents/{world.resident.id}"))
    assert "Contactmoment vastgelegd." in page
    assert "Het gaat goed" in page and "Gaat goed." in page


def test_the_page_refuses_what_the_api_refuses(http_app, world):
    case = factories.create_case(world.resident, world.coach, "exploring")
    db.session.commit()
    pages = login(http_app, world.coach)
    response = pages.post(f"/cases/{case.id}/check-ins", data={"outcome": "going_well"})
    assert response.status_code == 422
    assert "Contactmomenten legt u vast zolang de hulp loopt" in text(response)
    assert db.session.execute(select(CheckIn)).scalars().all() == []


def test_the_case_diagram_and_description_include_them(coach):
    diagram = coach.get("/api/v1/workflows/case?format=mermaid").get_data(as_text=True)
    assert "    supported --> exploring: new_question\n" in diagram
    described = coach.get("/api/v1/workflows/case").json
    [timer] = described["timers"]
    assert (timer["name"], timer["state"]) == ("check_in_due", "supported")
    assert "6 weeks, 3, 6 and 12 months" in timer["description"]
