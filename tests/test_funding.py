"""Funding streams and the funder's account over a small known world: what a stream counts
(only the funded buildings, only while the stream paid for a coach there; only its themes;
only its activities), the small-cell rule over every part (nothing hidden can be worked out
again), the account naming no resident in JSON, CSV or on the pages, the processing-log
entry of each view, and tagging through the API and the pages with its refusals."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent, ProcessingLogEntry
from app.auth.models import User
from app.buildings.models import Building, Dwelling
from app.cases.operations import record_checkin
from app.db import db, utcnow
from app.funding.account import periods
from app.funding.models import FundingStream
from app.funding.operations import create_stream, local_day, tag_activity, tag_deployment
from app.organizations.models import Organization
from app.visits.operations import record_visit
from tests import factories
from tests.insight_attacker import exposed
from tests.web import login

STREAMS = "/api/v1/funding-streams"


@dataclass
class World:
    coordinator: User
    coach: User  # Gangesdreef and Nijldreef
    other_coach: User  # Wolgadreef
    gemeente: Organization
    buurtteam: Organization
    ganges: Building
    nijl: Building
    wolga: Building
    dwellings: dict[str, list[Dwelling]]
    today: date
    names: list[str]


def _resident(dwelling: Dwelling, name: str, names: list[str]) -> Any:
    names.append(name)
    return factories.create_resident(dwelling, display_name=name, languages=["Nederlands"])


@pytest.fixture
def world(app) -> World:
    """Gangesdreef: 6 doors on floor 1 (5 conversations, each with a named resident, one not
    home) and 6 on floor 2, where 6 residents with a help question about money and paperwork
    were handed to the buurtteam (one of them now supported, with two check-ins) and 5 more
    are exploring. Nijldreef: 2 doors knocked now, 3 conversations 20 days ago (before the
    stream paid for a coach there). Wolgadreef (never funded): 5 conversations and one help
    question about money."""
    welzijn = factories.create_organization(kind="welzijn")
    gemeente = factories.create_organization("Gemeente Teststad", kind="gemeente")
    buurtteam = factories.create_organization("Buurtteam Ganges", kind="buurtteam")
    coach = factories.create_user("flatcoach", welzijn)
    other_coach = factories.create_user("flatcoach", welzijn)
    professional = factories.create_user("professional", buurtteam)
    ganges = factories.create_building(coach, name="Gangesdreef")
    nijl = factories.create_building(coach, name="Nijldreef")
    wolga = factories.create_building(other_coach, name="Wolgadreef")
    dwellings = {
        "ganges1": [factories.create_dwelling(ganges, floor=1) for _ in range(6)],
        "ganges2": [factories.create_dwelling(ganges, floor=2) for _ in range(6)],
        "nijl": [factories.create_dwelling(nijl, floor=1) for _ in range(5)],
        "wolga": [factories.create_dwelling(wolga, floor=1) for _ in range(5)],
    }
    names: list[str] = []
    for i, dwelling in enumerate(dwellings["ganges1"][:5]):
        resident = _resident(dwelling, f"Aan de deur {i}", names)
        record_visit(coach, dwelling, {"outcome": "talked", "resident_id": resident.id,
                                       "themes": ["finances"]})
    record_visit(coach, dwellings["ganges1"][5], {"outcome": "not_home"})
    for dwelling in dwellings["nijl"][:2]:
        record_visit(coach, dwelling, {"outcome": "not_home"})
    for dwelling in dwellings["nijl"][2:]:
        record_visit(coach, dwelling, {"outcome": "talked"},
                     visited_at=utcnow() - timedelta(days=20))
    for dwelling in dwellings["wolga"]:
        record_visit(other_coach, dwelling, {"outcome": "talked"})
    home = dwellings["ganges2"][0]
    question = {"text": "Ik kom niet rond.", "themes": ["finances", "daily_administration"],
                "urgency": "normal"}
    for i in range(6):
        case = factories.create_case(_resident(home, f"Met een vraag {i}", names), coach,
                                     "question_formulated", help_question=question)
        if i == 0:
            factories.create_handover(case, coach, buurtteam, state="completed",
                                      professional=professional)
            record_checkin(coach, case, {"outcome": "going_well"})
            record_checkin(coach, case, {"outcome": "going_well"})
        else:
            factories.create_handover(case, coach, buurtteam, state="accepted",
                                      professional=professional)
    for i in range(5):
        factories.create_case(_resident(home, f"Verkennend {i}", names), coach, "exploring")
    factories.create_case(_resident(dwellings["wolga"][0], "Elders", names), other_coach,
                          "question_formulated",
                          help_question={"text": "Schulden.", "themes": ["finances"],
                                         "urgency": "normal"})
    db.session.flush()
    return World(coordinator=factories.create_user("coordinator", welzijn), coach=coach,
                 other_coach=other_coach, gemeente=gemeente, buurtteam=buurtteam,
                 ganges=ganges, nijl=nijl, wolga=wolga, dwellings=dwellings,
                 today=local_day(utcnow()), names=names)


def _stream(w: World, **data: Any) -> FundingStream:
    values = {"name": "Flatcoaches Teststad", "funder_organization_id": w.gemeente.id,
              "starts_on": w.today - timedelta(days=60),
              "ends_on": w.today + timedelta(days=300), **data}
    return create_stream(w.coordinator, values)


@pytest.fixture
def deployment_stream(world: World) -> FundingStream:
    """Pays for the coach in Gangesdreef for the whole period, in Nijldreef from 10 days
    ago on."""
    stream = _stream(world, budget_euros=180_000)
    tag_deployment(world.coordinator, stream, coach_id=world.coach.id,
                   building_id=world.ganges.id)
    tag_deployment(world.coordinator, stream, coach_id=world.coach.id,
                   building_id=world.nijl.id, starts_on=world.today - timedelta(days=10))
    db.session.flush()
    return stream


@pytest.fixture
def coordinator(as_user, world):
    db.session.commit()
    return as_user(world.coordinator)


def account_of(api: Any, stream: FundingStream, period: str | None = None) -> dict[str, Any]:
    db.session.commit()
    url = f"{STREAMS}/{stream.id}/account" + (f"?period={period}" if period else "")
    response = api.get(url)
    assert response.status_code == 200, response.json
    return response.json


def table(answer: dict[str, Any], table_id: str) -> dict[str, Any]:
    return next(t for t in answer["tables"] if t["id"] == table_id)


def shown(part: dict[str, Any], row: str, column: str) -> Any:
    """The number shown, or the mark of a hidden one."""
    cell = next(r for r in part["rows"] if r["id"] == row)["cells"][column]
    return cell["display"] if cell["suppressed"] else cell["value"]


# --------------------------------------------------------------------------- the figures


def test_doors_and_conversations_only_in_funded_buildings_while_funded(
        coordinator, world, deployment_stream):
    answer = account_of(coordinator, deployment_stream)
    outreach = table(answer, "outreach")
    ganges, nijl = f"b{world.ganges.id}", f"b{world.nijl.id}"
    assert [r["id"] for r in outreach["rows"]] == ["total", ganges, nijl]  # no Wolgadreef
    assert shown(outreach, ganges, "dwellings") == 12
    assert shown(outreach, ganges, "conversations") == 5
    # Five at the door and eleven on a path with a coach.
    assert shown(outreach, ganges, "reached") == 16
    # Nijldreef: the two doors knocked since the stream paid for a coach there, not the
    # three conversations before; 2 is hidden, and so is what would give it away.
    assert shown(outreach, nijl, "knocked") == "<5"
    assert shown(outreach, nijl, "conversations") == 0
    assert shown(outreach, nijl, "dwellings") == 5
    assert "•" in (shown(outreach, ganges, "knocked"), shown(outreach, "total", "knocked"))
    assert shown(outreach, "total", "conversations") == 5
    assert exposed(outreach) == {}


def test_help_questions_handovers_and_check_ins_of_the_funded_buildings(
        coordinator, world, deployment_stream):
    answer = account_of(coordinator, deployment_stream)
    questions = table(answer, "help_questions")
    assert shown(questions, "total", "residents") == 6  # not the resident of Wolgadreef
    assert shown(questions, "finances", "residents") == 6
    assert shown(questions, "daily_administration", "residents") == 6
    assert shown(questions, "loneliness", "residents") == 0
    handovers = table(answer, "handovers")
    buurtteam = f"org-{world.buurtteam.id}"
    assert shown(handovers, buurtteam, "offered") == 6
    assert shown(handovers, buurtteam, "help_started") == "<5"
    assert shown(handovers, "total", "help_started") == "<5"
    assert exposed(handovers) == {}
    checkins = table(answer, "checkins")
    assert shown(checkins, "going_well", "checkins") == "<5"
    assert shown(checkins, "not_reached", "checkins") == 0
    assert exposed(checkins) == {}
    figures = {f["id"]: f["display"] for f in answer["figures"]}
    assert figures["outreach:conversations"] == "5"
    assert figures["help_questions:residents"] == "6"
    assert figures["handovers:help_started"] == "<5"
    assert answer["funds"] == ["coach_deployment"]
    assert [d["building"] for d in answer["deployment"]] == ["Gangesdreef", "Nijldreef"]
    assert answer["deployment"][1]["from"] == (world.today - timedelta(days=10)).isoformat()


def test_two_coaches_paid_in_one_building_count_its_doors_once(coordinator, world):
    from app.buildings.models import CoachAssignment

    db.session.add(CoachAssignment(user_id=world.other_coach.id, building_id=world.ganges.id))
    stream = _stream(world)
    tag_deployment(world.coordinator, stream, coach_id=world.coach.id,
                   building_id=world.ganges.id, ends_on=world.today)
    tag_deployment(world.coordinator, stream, coach_id=world.other_coach.id,
                   building_id=world.ganges.id, starts_on=world.today - timedelta(days=5))
    answer = account_of(coordinator, stream)
    outreach = table(answer, "outreach")
    assert shown(outreach, f"b{world.ganges.id}", "conversations") == 5
    assert shown(outreach, f"b{world.ganges.id}", "knocked") == 6
    assert len(answer["deployment"]) == 1  # one window: the two periods overlap


def test_a_stream_of_themes_counts_those_themes_in_every_building(coordinator, world):
    stream = _stream(world, funder_organization_id=None, funder_name="Fonds Samen Wonen",
                     themes=["finances"])
    answer = account_of(coordinator, stream)
    assert answer["funds"] == ["themes"]
    assert [t["id"] for t in answer["tables"]] == ["help_questions", "handovers", "checkins"]
    questions = table(answer, "help_questions")
    assert [r["id"] for r in questions["rows"]] == ["total", "finances"]
    assert shown(questions, "finances", "residents") == 7  # Wolgadreef too
    assert answer["stream"]["funder"] == "Fonds Samen Wonen"


def test_activities_held_and_participation_of_the_stream_only(coordinator, world):
    stream = _stream(world, name="Buurtkamer Gangesdreef")
    tagged = [factories.create_activity(world.ganges, world.coach, theme="cooking",
                                        days_from_now=-days, participant_count=people)
              for days, people in ((2, 4), (3, 6), (4, 5))]
    factories.create_activity(world.ganges, world.coach, theme="cooking", days_from_now=-5,
                              participant_count=30)  # not the stream's
    later = factories.create_activity(world.ganges, world.coach, theme="language",
                                      days_from_now=5)  # tagged, not held yet
    for activity in [*tagged, later]:
        tag_activity(world.coordinator, stream, activity)
    answer = account_of(coordinator, stream)
    assert answer["funds"] == ["activities"]
    activities = table(answer, "activities")
    assert shown(activities, "total", "activities") == 3
    assert shown(activities, "total", "participants") == 15
    assert shown(activities, "theme-cooking", "participants") == 15
    assert shown(activities, "theme-language", "activities") == 0
    months = [r for r in activities["rows"] if r["group"] == "month"]
    assert sum(r["cells"]["activities"]["value"] for r in months) == 3
    assert exposed(activities) == {}


def test_a_small_activity_hides_its_participants_and_what_gives_them_away(coordinator, world):
    stream = _stream(world, name="Eén activiteit")
    for days, people, theme in ((2, 3, "cooking"), (3, 9, "language")):
        tag_activity(world.coordinator, stream, factories.create_activity(
            world.ganges, world.coach, theme=theme, days_from_now=-days,
            participant_count=people))
    activities = table(account_of(coordinator, stream), "activities")
    assert shown(activities, "theme-cooking", "participants") == "<5"
    assert shown(activities, "theme-cooking", "activities") == 1  # held: public
    assert exposed(activities) == {}
    assert "•" in {shown(activities, r["id"], "participants") for r in activities["rows"]}


def test_periods_are_the_stream_and_its_years_and_quarters(world):
    stream = _stream(world, starts_on=date(2025, 11, 15), ends_on=date(2026, 2, 10))
    found = periods(stream, date(2026, 3, 1))
    assert [(p.key, p.first_day, p.last_day) for p in found] == [
        ("all", date(2025, 11, 15), date(2026, 2, 10)),
        ("2026", date(2026, 1, 1), date(2026, 2, 10)),
        ("2026-Q1", date(2026, 1, 1), date(2026, 2, 10)),
        ("2025", date(2025, 11, 15), date(2025, 12, 31)),
        ("2025-Q4", date(2025, 11, 15), date(2025, 12, 31)),
    ]
    assert [p.key for p in periods(stream, date(2025, 12, 1))] == ["all", "2025", "2025-Q4"]


def test_a_period_outside_the_stream_is_refused(coordinator, world, deployment_stream):
    db.session.commit()
    response = coordinator.get(f"{STREAMS}/{deployment_stream.id}/account?period=1999-Q1")
    assert response.status_code == 422
    assert "period" in response.json["errors"]
    response = coordinator.get(f"{STREAMS}/{deployment_stream.id}/account?period=2026-05-01")
    assert response.status_code == 422


def test_a_past_quarter_counts_nothing_of_today(coordinator, world):
    stream = _stream(world, starts_on=world.today - timedelta(days=400))
    tag_deployment(world.coordinator, stream, coach_id=world.coach.id,
                   building_id=world.ganges.id)
    earlier = next(p for p in periods(stream, world.today)
                   if p.key != "all" and p.last_day < world.today - timedelta(days=100))
    outreach = table(account_of(coordinator, stream, earlier.key), "outreach")
    assert shown(outreach, "total", "knocked") == 0
    assert shown(outreach, "total", "reached") == 0


# --------------------------------------------------------------------------- never a resident


def test_the_account_names_no_resident_anywhere(coordinator, world, deployment_stream, http_app):
    answer = account_of(coordinator, deployment_stream)
    text = str(answer)
    exported = coordinator.get(f"{STREAMS}/{deployment_stream.id}/account/csv")
    assert exported.status_code == 200
    assert exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    assert len(rows[0]) == 5  # part, row, part of, column, value
    assert all(len(row) == 5 for row in rows)
    assert any(row[1] == "Gangesdreef" for row in rows)
    browser = login(http_app, world.coordinator)
    pages = [browser.get(f"/funding/{deployment_stream.id}/account").get_data(as_text=True),
             browser.get(f"/funding/{deployment_stream.id}/account/print").get_data(as_text=True),
             browser.get(f"/funding/{deployment_stream.id}/account.csv").get_data(as_text=True)]
    for name in world.names:
        assert name not in text
        assert all(name not in page for page in pages)
        assert all(name not in cell for row in rows for cell in row)


def test_each_view_print_and_export_is_logged_without_a_data_subject(
        coordinator, world, deployment_stream, http_app):
    account_of(coordinator, deployment_stream)
    coordinator.get(f"{STREAMS}/{deployment_stream.id}/account/csv")
    browser = login(http_app, world.coordinator)
    browser.get(f"/funding/{deployment_stream.id}/account")
    browser.get(f"/funding/{deployment_stream.id}/account/print")
    db.session.expire_all()
    entries = db.session.execute(
        select(ProcessingLogEntry).where(ProcessingLogEntry.object_type == "funding_stream")
        .order_by(ProcessingLogEntry.seq)).scalars().all()
    assert [(e.action, e.processing_activity, e.data_subject_id) for e in entries] == [
        ("view_insight", "neighbourhood_insight", None), ("export", "neighbourhood_insight", None),
        ("view_insight", "neighbourhood_insight", None),
        ("view_insight", "neighbourhood_insight", None)]
    assert all(e.object_id == str(deployment_stream.id) for e in entries)
    assert "funder's account (print), period: all" in entries[-1].reasons


# --------------------------------------------------------------------------- tagging


def test_the_api_records_a_stream_with_its_tags(coordinator, world):
    activity = factories.create_activity(world.ganges, world.coach, days_from_now=-1)
    db.session.commit()
    response = coordinator.post(STREAMS, json={
        "name": "Buurtkamer en flatcoach", "funder_organization_id": world.gemeente.id,
        "starts_on": (world.today - timedelta(days=30)).isoformat(),
        "ends_on": (world.today + timedelta(days=30)).isoformat(), "budget_euros": 25000,
        "themes": ["loneliness", "finances"], "activity_ids": [activity.id],
        "deployments": [{"coach_id": world.coach.id, "building_id": world.ganges.id}]})
    assert response.status_code == 201, response.json
    body = response.json
    assert body["funder"] == "Gemeente Teststad"
    assert body["themes"] == ["finances", "loneliness"]  # in the themes' own order
    assert body["activity_ids"] == [activity.id]
    assert [(d["coach"], d["building"], d["starts_on"]) for d in body["deployments"]] == [
        (world.coach.name, "Gangesdreef", (world.today - timedelta(days=30)).isoformat())]
    read = coordinator.get(f"/api/v1/activities/{activity.id}")
    assert read.json["funding_stream_ids"] == [body["id"]]
    listed = coordinator.get(STREAMS)
    assert [s["id"] for s in listed.json] == [body["id"]]
    events = db.session.execute(select(AuditEvent.event_type).where(
        AuditEvent.object_type == "funding_stream")).scalars().all()
    assert events == ["funding_stream_created", "funding_tagged", "funding_tagged"]


def test_the_api_replaces_the_tags_and_changes_the_funder(coordinator, world, deployment_stream):
    db.session.commit()
    url = f"{STREAMS}/{deployment_stream.id}"
    response = coordinator.request("PATCH", url, json={
        "funder_name": "Fonds Samen Wonen",
        "deployments": [{"coach_id": world.coach.id, "building_id": world.ganges.id}]})
    assert response.status_code == 200, response.json
    assert response.json["funder_organization_id"] is None
    assert response.json["funder"] == "Fonds Samen Wonen"
    assert [d["building"] for d in response.json["deployments"]] == ["Gangesdreef"]
    response = coordinator.request("PATCH", url,
                                   json={"funder_organization_id": world.gemeente.id})
    assert (response.json["funder"], response.json["funder_name"]) == ("Gemeente Teststad", "")


@pytest.mark.parametrize(("change", "field"), [
    ({"deployments": [{"coach_id": "other", "building_id": "ganges"}]}, "deployment"),
    ({"deployments": [{"coach_id": "coach", "building_id": "ganges",
                       "starts_on": "2001-01-01"}]}, "starts_on"),
    ({"activity_ids": ["cancelled"]}, "activity_id"),
    ({"activity_ids": ["long_ago"]}, "activity_id"),
    ({"activity_ids": [2_000_000_000]}, "activity_ids"),
    ({"funder_organization_id": 2_000_000_000}, "funder_organization_id"),
    ({"ends_on": "2001-01-01"}, "ends_on"),
    ({"starts_on": "today"}, "starts_on"),  # the Nijldreef deployment would lie outside
])
def test_refused_changes_write_nothing(coordinator, world, deployment_stream, change, field):
    cancelled = factories.create_activity(world.ganges, world.coach, days_from_now=-1,
                                          cancelled=True)
    long_ago = factories.create_activity(world.ganges, world.coach, days_from_now=-25)
    long_ago.starts_at = utcnow() - timedelta(days=90)
    objects = {"other": world.other_coach.id, "coach": world.coach.id,
               "ganges": world.ganges.id, "cancelled": cancelled.id, "long_ago": long_ago.id,
               "today": (world.today + timedelta(days=1)).isoformat()}

    def filled(value: Any) -> Any:
        if isinstance(value, list):
            return [filled(v) for v in value]
        if isinstance(value, dict):
            return {k: filled(v) for k, v in value.items()}
        return objects.get(value, value) if isinstance(value, str) else value

    db.session.commit()
    before = coordinator.get(f"{STREAMS}/{deployment_stream.id}").json
    events = db.session.execute(select(AuditEvent.seq)).scalars().all()
    response = coordinator.request("PATCH", f"{STREAMS}/{deployment_stream.id}",
                                   json=filled(change))
    assert response.status_code == 422, response.json
    assert field in response.json["errors"], response.json
    assert coordinator.get(f"{STREAMS}/{deployment_stream.id}").json == before
    assert db.session.execute(select(AuditEvent.seq)).scalars().all() == events


def test_a_stream_needs_one_funder(coordinator, world):
    db.session.commit()
    base = {"name": "Zonder financier", "starts_on": "2026-01-01", "ends_on": "2026-12-31"}
    for funder in ({}, {"funder_organization_id": world.gemeente.id, "funder_name": "Fonds"}):
        response = coordinator.post(STREAMS, json={**base, **funder})
        assert response.status_code == 422
        assert "funder_organization_id" in response.json["errors"]
    assert db.session.execute(select(FundingStream)).first() is None


def test_a_coordinator_tags_on_the_pages(http_app, world, deployment_stream):
    activity = factories.create_activity(world.nijl, world.coach, title="Taalcafé",
                                         days_from_now=-1)
    db.session.commit()
    browser = login(http_app, world.coordinator)
    page = browser.get(f"/funding/{deployment_stream.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Taalcafé" in text and "Wolgadreef" in text  # offered to tag
    response = browser.post(f"/funding/{deployment_stream.id}/activities",
                            data={"activity_id": str(activity.id)})
    assert response.status_code == 302
    response = browser.post(f"/funding/{deployment_stream.id}/deployments", data={
        "assignment": f"{world.other_coach.id}-{world.wolga.id}",
        "starts_on": "2001-01-01"})
    assert response.status_code == 422
    assert "buiten" in response.get_data(as_text=True) or "outside" in response.get_data(
        as_text=True)
    response = browser.post(f"/funding/{deployment_stream.id}/deployments", data={
        "assignment": f"{world.other_coach.id}-{world.wolga.id}"})
    assert response.status_code == 302
    db.session.expire_all()
    stream = db.session.get(FundingStream, deployment_stream.id)
    assert sorted(d.building_id for d in stream.deployments) == sorted(
        [world.ganges.id, world.nijl.id, world.wolga.id])
    assert [tag.activity_id for tag in stream.activities] == [activity.id]


def test_the_pages_are_the_coordinators(http_app, world, deployment_stream):
    db.session.commit()
    browser = login(http_app, world.coach)
    assert browser.get("/funding").status_code == 403
    assert browser.get(f"/funding/{deployment_stream.id}/account").status_code == 403
    browser = login(http_app, world.coordinator)
    assert browser.get("/funding").status_code == 200
    assert browser.get("/funding/new").status_code == 200
    assert browser.get(f"/funding/{deployment_stream.id}/edit").status_code == 200
    assert browser.get("/funding/2000000000").status_code == 404


def test_a_new_stream_from_the_page(http_app, world):
    db.session.commit()
    browser = login(http_app, world.coordinator)
    response = browser.post("/funding/new", data={
        "name": "Fonds voor geldzorgen", "funder_organization_id": "",
        "funder_name": "Fonds Samen Wonen", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
        "budget_euros": "40000", "themes": ["finances", "daily_administration"]})
    assert response.status_code == 302, response.get_data(as_text=True)
    stream = db.session.execute(select(FundingStream)).scalar_one()
    assert (stream.funder, stream.budget_euros, stream.themes) == (
        "Fonds Samen Wonen", 40000, ["finances", "daily_administration"])
    response = browser.post("/funding/new", data={
        "name": "Twee financiers",
        "funder_organization_id": str(world.gemeente.id), "funder_name": "Fonds",
        "starts_on": "2026-01-01", "ends_on": "2026-12-31"})
    assert response.status_code == 422


def test_a_stream_changed_on_the_page(http_app, world, deployment_stream):
    db.session.commit()
    browser = login(http_app, world.coordinator)
    form = browser.get(f"/funding/{deployment_stream.id}/edit").get_data(as_text=True)
    assert "Flatcoaches Teststad" in form and "180000" in form
    starts_on = deployment_stream.starts_on
    period = {"starts_on": starts_on.isoformat(),
              "ends_on": deployment_stream.ends_on.isoformat()}
    response = browser.post(f"/funding/{deployment_stream.id}/edit", data={
        "name": "Flatcoaches Teststad 2", "funder_organization_id": str(world.gemeente.id),
        "funder_name": "", "budget_euros": "200000", "themes": ["loneliness"], **period})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    stream = db.session.get(FundingStream, deployment_stream.id)
    assert (stream.name, stream.budget_euros, stream.themes) == (
        "Flatcoaches Teststad 2", 200000, ["loneliness"])
    # A period that no longer holds the Nijldreef deployment is refused on the page too.
    response = browser.post(f"/funding/{deployment_stream.id}/edit", data={
        "name": "Flatcoaches Teststad 2", "funder_organization_id": str(world.gemeente.id),
        **period, "starts_on": (world.today + timedelta(days=1)).isoformat()})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(FundingStream, deployment_stream.id).starts_on == starts_on


def test_a_coach_assignment_shows_the_stream_that_pays_for_it(http_app, world,
                                                              deployment_stream):
    db.session.commit()
    browser = login(http_app, world.coordinator)
    page = browser.get(f"/admin/buildings/{world.nijl.id}").get_data(as_text=True)
    assert "Flatcoaches Teststad" in page
    assert "Flatcoaches Teststad" not in browser.get(
        f"/admin/buildings/{world.wolga.id}").get_data(as_text=True)
