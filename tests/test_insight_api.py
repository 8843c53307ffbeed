"""Neighbourhood insight over a small known world: each panel's numbers, small cells hidden
(and nothing hidden recomputable, also combining the answers for all buildings and for
each), scope, the CSV export and the processing-log entry of every view."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.audit.models import ProcessingLogEntry
from app.auth.models import User
from app.buildings.models import Building, Dwelling
from app.buurtkamer.models import Activity
from app.db import db, utcnow
from app.handovers.models import Alert, AlertKind
from app.insight.counts import recount
from app.visits.operations import record_visit
from tests import factories
from tests.insight_attacker import exposed, exposed_across_views

INSIGHTS = "/api/v1/insights"


@dataclass
class Neighbourhood:
    coordinator: User
    coach: User  # Gangesdreef and Nijldreef
    other_coach: User  # Wolgadreef
    professional: User
    privacy_officer: User
    ganges: Building
    nijl: Building
    wolga: Building
    dwellings: dict[str, list[Dwelling]]


def _visit(coach: User, dwelling: Dwelling, outcome: str = "talked", **data: Any) -> None:
    record_visit(coach, dwelling, {"outcome": outcome, **data})


def _resident(dwelling: Dwelling, born: int = 1958, languages: list[str] | None = None,
              **fields: Any) -> Any:
    return factories.create_resident(dwelling, display_name="Bewoner", birth_year=born,
                                     languages=languages or ["Nederlands"], **fields)


def _days(n: float) -> timedelta:
    return timedelta(days=n)


@pytest.fixture
def hood(app) -> Neighbourhood:
    """Gangesdreef: floor 1 with 6 doors (5 conversations, 1 not home), floor 2 with 6
    doors (none knocked). Nijldreef: 5 doors, 2 knocked, nobody talked. Wolgadreef (another
    coach): 5 doors, 5 conversations."""
    welzijn = factories.create_organization(kind="welzijn")
    buurtteam = factories.create_organization("Buurtteam Ganges", kind="buurtteam")
    coach = factories.create_user("flatcoach", welzijn)
    other_coach = factories.create_user("flatcoach", welzijn)
    ganges = factories.create_building(coach, name="Gangesdreef")
    nijl = factories.create_building(coach, name="Nijldreef")
    wolga = factories.create_building(other_coach, name="Wolgadreef")
    dwellings = {
        "ganges1": [factories.create_dwelling(ganges, floor=1) for _ in range(6)],
        "ganges2": [factories.create_dwelling(ganges, floor=2) for _ in range(6)],
        "nijl": [factories.create_dwelling(nijl, floor=1) for _ in range(5)],
        "wolga": [factories.create_dwelling(wolga, floor=1) for _ in range(5)],
    }
    # Door knocks. Gangesdreef floor 1: five households name money, three loneliness; five
    # can cook for others; all five are willing (3); households of 2 (four) and 1 (one).
    for i, dwelling in enumerate(dwellings["ganges1"][:5]):
        _visit(coach, dwelling, themes=["finances", *(["loneliness"] if i < 3 else [])],
               offers=["cooking"], wishes=["company"] if i == 0 else [], willingness=3,
               household_size=2 if i < 4 else 1)
    _visit(coach, dwellings["ganges1"][5], "not_home")
    for dwelling in dwellings["nijl"][:2]:
        _visit(coach, dwelling, "not_home")
    for dwelling in dwellings["wolga"]:
        _visit(other_coach, dwelling, themes=["finances"], willingness=0)
    # Residents and cases, all in Gangesdreef: 5 exploring, 6 referred (help question on
    # money and paperwork, handover accepted by the buurtteam), 5 closed as moved away.
    home = dwellings["ganges2"][0]
    for _ in range(5):
        factories.create_case(_resident(home), coach, "exploring")
    professional = factories.create_user("professional", buurtteam)
    base = utcnow() - _days(40)
    for days in (1, 2, 3, 4, 5, 10):
        case = factories.create_case(_resident(home), coach, "question_formulated")
        handover = factories.create_handover(case, coach, buurtteam, state="accepted",
                                             professional=professional)
        handover.offered_at, handover.accepted_at = base, base + _days(days)
    for _ in range(5):
        factories.create_case(_resident(home), coach, "closed", outcome="moved")
    # More residents: five aged 30-44 speaking Turkish, two speaking Tigrinya (too few to
    # name), one anonymised (left out).
    for _ in range(5):
        _resident(home, born=utcnow().year - 36, languages=["Turks"])
    for _ in range(2):
        _resident(dwellings["ganges2"][1], born=utcnow().year - 36, languages=["Tigrinya"])
    _resident(home, born=utcnow().year - 36, languages=[], anonymised_at=utcnow())
    # Escalations of the buurtteam: five this month, one the month before.
    handovers = db.session.execute(_handovers()).scalars().all()
    now = utcnow()
    this_month = now.replace(day=1, hour=12, minute=0, second=0, microsecond=0)
    for i in range(5):
        db.session.add(Alert(kind=AlertKind.ESCALATION, handover_id=handovers[i].id,
                             created_at=this_month))
    db.session.add(Alert(kind=AlertKind.ESCALATION, handover_id=handovers[5].id,
                         created_at=this_month - _days(3)))
    # Buurtkamer: three cooking evenings this month (4 + 6 + 5 people), one language
    # café the month before (3 people), one cancelled.
    starts = this_month if this_month < now else now - timedelta(hours=1)
    for people in (4, 6, 5):
        _activity(ganges, coach, "cooking", starts, people)
    _activity(ganges, coach, "language", this_month - _days(3), 3)
    _activity(ganges, coach, "cooking", starts, 9, cancelled=True)
    db.session.flush()
    recount()  # the handovers' times and escalations were set here, not by their commands
    return Neighbourhood(
        coordinator=factories.create_user("coordinator", welzijn), coach=coach,
        other_coach=other_coach, professional=professional,
        privacy_officer=factories.create_user("privacy_officer", welzijn),
        ganges=ganges, nijl=nijl, wolga=wolga, dwellings=dwellings)


def _handovers() -> Any:
    from app.handovers.models import Handover

    return select(Handover).order_by(Handover.accepted_at)


def _activity(building: Building, coach: User, theme: str, starts: datetime, people: int,
              cancelled: bool = False) -> None:
    db.session.add(Activity(building_id=building.id, title=f"{theme} in de Buurtkamer",
                            theme=theme, starts_at=starts, place="Buurtkamer",
                            organising_coach_id=coach.id, participant_count=people,
                            created_by_id=coach.id,
                            cancelled_at=utcnow() if cancelled else None))


def panel(answer: dict[str, Any], panel_id: str) -> dict[str, Any]:
    return next(p for p in answer["panels"] if p["id"] == panel_id)


def shown(panel: dict[str, Any], row: str, column: str) -> Any:
    """The number shown, or the mark of a hidden one."""
    cell = next(r for r in panel["rows"] if r["id"] == row)["cells"][column]
    return cell["display"] if cell["suppressed"] else cell["value"]


def view(api: Any, building: Building | None = None) -> dict[str, Any]:
    url = INSIGHTS if building is None else f"{INSIGHTS}?building_id={building.id}"
    response = api.get(url)
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def coordinator(as_user, hood):
    db.session.commit()
    return as_user(hood.coordinator)


@pytest.fixture
def coach(as_user, hood):
    db.session.commit()
    return as_user(hood.coach)


# --------------------------------------------------------------------------- the numbers


def test_door_knock_coverage_per_building_and_floor(coach, hood):
    answer = view(coach, hood.ganges)
    coverage = panel(answer, "coverage")
    building = f"b{hood.ganges.id}"
    assert [r["id"] for r in coverage["rows"]] == [
        building, f"{building}-floor-1", f"{building}-floor-2"]
    assert [shown(coverage, building, c) for c in ("dwellings", "knocked", "talked")] == [
        12, 6, 5]
    assert shown(coverage, f"{building}-floor-1", "share_knocked") == 1.0
    assert shown(coverage, f"{building}-floor-1", "contact_rate") == pytest.approx(5 / 6, 1e-3)
    assert [shown(coverage, f"{building}-floor-2", c) for c in ("dwellings", "knocked")] == [6, 0]
    assert {"total": f"{building}:knocked",
            "parts": [f"{building}-floor-1:knocked", f"{building}-floor-2:knocked"]
            } in coverage["relations"]


def test_small_counts_show_as_less_than_five_and_their_rates_are_hidden(coach, hood):
    coverage = panel(view(coach, hood.nijl), "coverage")
    building = f"b{hood.nijl.id}"
    assert shown(coverage, building, "knocked") == "<5"
    assert shown(coverage, building, "dwellings") == 5  # front doors are public
    assert shown(coverage, building, "talked") == 0  # zero stays zero
    assert shown(coverage, building, "share_knocked") in ("•", "n<5")


def test_themes_offers_wishes_and_willingness(coach, hood):
    answer = view(coach, hood.ganges)
    themes = panel(answer, "themes")
    assert shown(themes, "finances", "door") == 5
    assert shown(themes, "loneliness", "door") == "<5"
    assert shown(themes, "finances", "help_questions") == 6
    assert shown(themes, "daily_administration", "help_questions") == 6
    assert shown(themes, "housing", "door") == 0
    offers = panel(answer, "offers_wishes")
    assert shown(offers, "cooking", "offers") == 5
    assert shown(offers, "company", "wishes") == "<5"
    willingness = panel(answer, "willingness")
    assert shown(willingness, "total", "households") == 5
    assert shown(willingness, "3", "households") == 5
    assert shown(willingness, "3", "share") == 1.0


def test_willingness_counts_the_latest_answer_of_each_household(coach, hood):
    dwelling = hood.dwellings["ganges1"][0]
    _visit(hood.coach, dwelling, willingness=1)
    db.session.commit()
    willingness = panel(view(coach, hood.ganges), "willingness")
    assert shown(willingness, "3", "households") == "<5"
    assert shown(willingness, "1", "households") == "<5"
    assert shown(willingness, "total", "households") == 5


def test_case_funnel_by_state_and_closed_by_outcome(coach, hood):
    funnel = panel(view(coach, hood.ganges), "case_funnel")
    assert shown(funnel, "total", "cases") == 16
    assert {state: shown(funnel, state, "cases") for state in (
        "contacted", "exploring", "referred", "closed")} == {
        "contacted": 0, "exploring": 5, "referred": 6, "closed": 5}
    assert shown(funnel, "outcome-moved", "cases") == 5
    assert {"total": "closed:cases",
            "parts": [f"outcome-{o}:cases" for o in (
                "help_started", "no_help_needed", "connected", "declined", "moved",
                "unreachable")]} in funnel["relations"]


def test_lead_times_median_and_90th_percentile_per_stage(coach, hood):
    lead_times = panel(view(coach, hood.ganges), "lead_times")
    assert shown(lead_times, "offer_to_accept", "handovers") == 6
    assert shown(lead_times, "offer_to_accept", "median") == 3.5  # between 3 and 4 days
    assert shown(lead_times, "offer_to_accept", "p90") == 7.5  # between 5 and 10 days
    assert shown(lead_times, "accept_to_intro", "handovers") == 0
    assert shown(lead_times, "accept_to_intro", "median") is None


def test_a_median_over_fewer_than_five_is_not_shown(coach, hood):
    from app.handovers.models import Handover

    for handover in db.session.execute(select(Handover)).scalars().all()[:2]:
        handover.intro_held_at = handover.accepted_at + _days(2)
    db.session.flush()
    recount()
    db.session.commit()
    lead_times = panel(view(coach, hood.ganges), "lead_times")
    assert shown(lead_times, "accept_to_intro", "handovers") == "<5"
    assert shown(lead_times, "accept_to_intro", "median") == "n<5"


def test_acceptance_per_organisation(coach, hood):
    acceptance = panel(view(coach, hood.ganges), "acceptance")
    org = next(r for r in acceptance["rows"] if r["label"] == "Buurtteam Ganges")["id"]
    assert [shown(acceptance, org, c) for c in ("offered", "accepted", "declined", "rate")] == [
        6, 6, 0, 1.0]
    assert {"total": f"{org}:offered", "parts": [
        f"{org}:accepted", f"{org}:declined", f"{org}:withdrawn", f"{org}:awaiting"]
        } in acceptance["relations"]


def test_escalations_per_organisation_and_month(coach, hood):
    escalations = panel(view(coach, hood.ganges), "escalations")
    org = next(r for r in escalations["rows"] if r["label"] == "Buurtteam Ganges")["id"]
    months = [c["id"] for c in escalations["columns"] if c["id"] != "total"]
    month, previous = months[-1], months[-2]
    assert shown(escalations, org, previous) == "<5"
    # Five this month, but shown it would give the one of last month away (total 6).
    assert shown(escalations, org, month) == "•" or shown(escalations, org, "total") == "•"
    assert not exposed(escalations)


def test_buurtkamer_activities_by_theme_and_month(coach, hood):
    activities = panel(view(coach, hood.ganges), "activities")
    assert shown(activities, "theme-cooking", "activities") == 3  # cancelled one left out
    assert shown(activities, "theme-language", "activities") == 1
    assert shown(activities, "theme-language", "participants") == "<5"
    assert shown(activities, "total", "activities") == 4
    groups = {r["group"] for r in activities["rows"] if r["id"] != "total"}
    assert groups == {"theme", "month"}
    assert not exposed(activities)


def test_demographics_leave_anonymised_residents_out(coach, hood):
    answer = view(coach, hood.ganges)
    ages = panel(answer, "age_bands")
    assert shown(ages, "65-79", "residents") == 16
    assert shown(ages, "30-44", "residents") == 7  # the anonymised one is not counted
    assert shown(ages, "total", "residents") == 23
    languages = panel(answer, "languages")
    assert [(r["label"], shown(languages, r["id"], "residents")) for r in languages["rows"]] == [
        ("Nederlands", 16), ("Turks", 5), ("Andere talen", "<5")]
    households = panel(answer, "household_size")
    assert shown(households, "1", "households") == "<5"
    assert shown(households, "2", "households") == "<5"
    assert shown(households, "total", "households") == 5


def test_visits_record_the_household_size(coach, hood):
    dwelling = hood.dwellings["nijl"][4]
    response = coach.post("/api/v1/visits", json={
        "dwelling_id": dwelling.id, "outcome": "talked", "household_size": 7})
    assert response.status_code == 201, response.json
    db.session.expire_all()
    assert db.session.get(Dwelling, dwelling.id).household_size == 7
    for wrong in (0, 21, "3"):
        response = coach.post("/api/v1/visits", json={
            "dwelling_id": dwelling.id, "outcome": "talked", "household_size": wrong})
        assert response.status_code == 422
        assert "household_size" in response.json["errors"]


# --------------------------------------------------------------------------- suppression


def test_no_panel_gives_a_hidden_number_away(coordinator, coach, hood):
    for api, buildings in ((coordinator, (hood.ganges, hood.nijl, hood.wolga)),
                           (coach, (hood.ganges, hood.nijl))):
        everything = view(api)
        per_building = {b.id: view(api, b) for b in buildings}
        for all_panel in everything["panels"]:
            assert not exposed(all_panel), all_panel["id"]
            views = {f"b{b}": panel(answer, all_panel["id"]) for b, answer in per_building.items()}
            # Coverage shows a building's own rows; panels over the whole scope show the
            # same rows whichever building is chosen: the same cells either way.
            shared = all_panel["id"] == "coverage" or all_panel["scope_wide"]
            found = exposed_across_views(all_panel, views, shared_rows=shared)
            assert not found, (all_panel["id"], found)


def test_every_small_count_is_hidden_everywhere(coordinator, hood):
    for answer in (view(coordinator), view(coordinator, hood.ganges)):
        for p in answer["panels"]:
            counted = {c["id"] for c in p["columns"] if c["kind"] == "count"}
            for row in p["rows"]:
                for column, cell in row["cells"].items():
                    if column in counted and cell["suppressed"] is None:
                        assert cell["value"] == 0 or cell["value"] >= 5, (p["id"], row, column)


def test_handover_panels_count_over_the_whole_scope_whichever_building(coach, hood):
    everything, nijl = view(coach), view(coach, hood.nijl)
    for panel_id in ("lead_times", "acceptance", "escalations"):
        assert panel(everything, panel_id)["scope_wide"]
        assert panel(nijl, panel_id)["rows"] == panel(everything, panel_id)["rows"]
    assert not panel(nijl, "themes")["scope_wide"]


def test_the_answer_for_one_building_is_part_of_the_answer_for_all(coordinator, hood):
    everything = panel(view(coordinator), "coverage")
    ganges = panel(view(coordinator, hood.ganges), "coverage")
    rows = {r["id"]: r for r in everything["rows"]}
    for row in ganges["rows"]:
        assert row["cells"] == rows[row["id"]]["cells"]


# --------------------------------------------------------------------------- scope


def test_coordinators_see_every_building_a_coach_their_own(coordinator, coach, hood):
    assert view(coordinator)["building_ids"] == [hood.ganges.id, hood.nijl.id, hood.wolga.id]
    assert view(coach)["building_ids"] == [hood.ganges.id, hood.nijl.id]
    themes = panel(view(coach), "themes")
    assert shown(themes, "finances", "door") == 5  # Wolgadreef's five are not the coach's
    assert shown(panel(view(coordinator), "themes"), "finances", "door") == 10


def test_a_building_outside_the_scope_is_not_found(coach, hood):
    for url in (f"{INSIGHTS}?building_id={hood.wolga.id}", f"{INSIGHTS}?building_id=999999",
                f"{INSIGHTS}/themes/csv?building_id={hood.wolga.id}"):
        response = coach.get(url)
        assert response.status_code == 404
        assert set(response.json) == {"code", "status", "message", "errors"}


def test_professionals_and_privacy_officers_see_no_insight(as_user, hood):
    db.session.commit()
    for user in (hood.professional, hood.privacy_officer):
        api = as_user(user)
        assert api.get(INSIGHTS).status_code == 403
        assert api.get(f"{INSIGHTS}/themes/csv").status_code == 403


def test_a_coach_without_buildings_sees_empty_panels(as_user, hood):
    lonely = factories.create_user("flatcoach")
    db.session.commit()
    answer = view(as_user(lonely))
    assert answer["building_ids"] == []
    assert all(p["empty"] for p in answer["panels"])


def test_invalid_filters_are_refused(coach, hood):
    for url in (f"{INSIGHTS}?building_id=abc", f"{INSIGHTS}?building_id=0",
                f"{INSIGHTS}?building_id={10**25}"):
        assert coach.get(url).status_code == 422, url
    assert coach.get(f"{INSIGHTS}/nonsense/csv").status_code == 404


# --------------------------------------------------------------------------- CSV and log


def test_csv_export_of_a_panel(coach, hood):
    response = coach.get(f"{INSIGHTS}/themes/csv?building_id={hood.ganges.id}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1 + 11  # header, then every theme
    header = rows[0]
    assert len(header) == 4
    money = next(r for r in rows if r[header.index(header[0])] in ("Geld", "Money"))
    assert money[2:] == ["5", "6"]
    lonely = next(r for r in rows if r[0] in ("Eenzaamheid", "Loneliness"))
    assert lonely[2] == "<5"


def test_every_view_and_export_is_logged_without_a_data_subject(coach, hood):
    before = db.session.execute(select(ProcessingLogEntry.seq)).scalars().all()
    view(coach)
    coach.get(f"{INSIGHTS}/languages/csv?building_id={hood.ganges.id}")
    db.session.expire_all()
    entries = db.session.execute(
        select(ProcessingLogEntry).where(ProcessingLogEntry.seq.not_in(before or [0]))
        .order_by(ProcessingLogEntry.seq)).scalars().all()
    assert [(e.action, e.processing_activity, e.decision) for e in entries] == [
        ("view_insight", "neighbourhood_insight", "allowed"),
        ("export", "neighbourhood_insight", "allowed")]
    for entry in entries:
        assert entry.data_subject_id is None
        assert entry.actor_id == hood.coach.id
        assert entry.legal_basis == "public_task"
    assert (entries[0].object_type, entries[0].object_id) == (None, None)
    assert (entries[1].object_type, entries[1].object_id) == ("building", str(hood.ganges.id))
    assert "panels: languages" in entries[1].reasons


def test_generated_at_is_now(coach, hood):
    generated = datetime.fromisoformat(view(coach)["generated_at"])
    assert abs(generated - datetime.now(UTC)) < timedelta(minutes=5)
