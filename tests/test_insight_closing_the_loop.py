"""Neighbourhood insight on closing the loop: how quickly partners answer a warm handover
(median days from the offer to the first answer), why they decline, and whether check-ins
were done on time — per organisation or per building, under the small-cell rule: a count of
1 to 4 is "<5", a median over fewer than 5 is "n<5", and nothing hidden can be worked out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from app.auth.models import User
from app.buildings.models import Building
from app.cases.models import CheckIn
from app.db import db, utcnow
from app.handovers.models import Handover
from app.insight.counts import recount
from tests import factories
from tests.insight_attacker import exposed, exposed_across_views

INSIGHTS = "/api/v1/insights"
DAY = timedelta(days=1)


@dataclass
class Loop:
    coordinator: User
    coach: User
    ganges: Building
    nijl: Building
    buurtteam: Any
    schuldhulp: Any


def _case(coach, building, state="question_formulated", **kwargs):
    resident = factories.create_resident(factories.create_dwelling(building))
    return factories.create_case(resident, coach, state, **kwargs)


def _answered(coach, building, organization, professional, days, declined=None):
    """A handover offered 60 days ago and answered `days` later (declined with a reason)."""
    case = _case(coach, building)
    handover: Handover = factories.create_handover(
        case, coach, organization, state="declined" if declined else "accepted",
        professional=professional)
    offered = utcnow() - 60 * DAY
    handover.offered_at = offered
    if declined:
        handover.decline_reason, handover.declined_at = declined, offered + days * DAY
    else:
        handover.accepted_at = offered + days * DAY
    return handover


@pytest.fixture
def loop(app) -> Loop:
    """Buurtteam: answered after 1, 2, 3, 4, 5 and 10 days (accepted) and declined 6 times
    for no capacity, 5 times as not its field (after 6 days each). Welzijn: declined 7 times,
    the resident already supported, after 2 days. Schuldhulp: declined 3 times for another
    reason after 1 day. Check-ins in Gangesdreef: 6 done on time, 2 late, 1 missed, 1 due
    now, 1 that ended before its date and 1 still to come; none in Nijldreef."""
    welzijn = factories.create_organization(kind="welzijn")
    buurtteam = factories.create_organization("Buurtteam Ganges", kind="buurtteam")
    schuldhulp = factories.create_organization("Schuldhulp Nijl", kind="schuldhulp")
    coach = factories.create_user("flatcoach", welzijn)
    ganges = factories.create_building(coach, name="Gangesdreef")
    nijl = factories.create_building(coach, name="Nijldreef")
    team = factories.create_user("professional", buurtteam)
    debts = factories.create_user("professional", schuldhulp)
    for days in (1, 2, 3, 4, 5, 10):
        _answered(coach, ganges, buurtteam, team, days)
    for _ in range(6):
        _answered(coach, ganges, buurtteam, team, 6, declined="no_capacity")
    for _ in range(5):
        _answered(coach, nijl, buurtteam, team, 6, declined="not_our_field")
    for _ in range(7):
        _answered(coach, nijl, welzijn, factories.create_user("professional", welzijn), 2,
                  declined="already_supported")
    for _ in range(3):
        _answered(coach, nijl, schuldhulp, debts, 1, declined="other")

    case = _case(coach, ganges, "supported", professional=team)
    db.session.query(CheckIn).filter(CheckIn.case_id == case.id).delete()
    now = utcnow()
    rows = ([(now - 100 * DAY, now - 95 * DAY, None)] * 6       # on time
            + [(now - 100 * DAY, now - 70 * DAY, None)] * 2     # late
            + [(now - 100 * DAY, None, None)]                  # missed: never done
            + [(now - 3 * DAY, None, None)]                    # due now
            + [(now - 10 * DAY, None, now - 20 * DAY)]         # ended before its date
            + [(now + 30 * DAY, None, None)])                  # still to come
    for due, recorded, ended in rows:
        db.session.add(CheckIn(case_id=case.id, due_at=due, recorded_at=recorded,
                               outcome="going_well" if recorded else None,
                               recorded_by_id=coach.id if recorded else None, ended_at=ended))
    db.session.flush()
    recount()  # the answers' times were set here, not by the commands
    return Loop(coordinator=factories.create_user("coordinator", welzijn), coach=coach,
                ganges=ganges, nijl=nijl, buurtteam=buurtteam, schuldhulp=schuldhulp)


@pytest.fixture
def coordinator(as_user, loop):
    db.session.commit()
    return as_user(loop.coordinator)


def view(api, building=None) -> dict[str, Any]:
    url = INSIGHTS if building is None else f"{INSIGHTS}?building_id={building.id}"
    response = api.get(url)
    assert response.status_code == 200, response.json
    return response.json


def panel(answer, panel_id):
    return next(p for p in answer["panels"] if p["id"] == panel_id)


def shown(p, row, column):
    cell = next(r for r in p["rows"] if r["id"] == row)["cells"][column]
    return cell["display"] if cell["suppressed"] else cell["value"]


def org(p, name):
    return next(r for r in p["rows"] if r["label"] == name)["id"]


def test_time_to_a_first_answer_per_organisation(coordinator, loop):
    answers = panel(view(coordinator), "answer_times")
    assert answers["scope_wide"] is True
    team, debts = org(answers, "Buurtteam Ganges"), org(answers, "Schuldhulp Nijl")
    # Accepted after 1, 2, 3, 4, 5, 10 days, declined after 6 (eleven times), and the
    # handover of the check-ins' case accepted at once: median 6.
    assert [shown(answers, team, c) for c in ("answered", "median", "p90")] == [18, 6.0, 6.0]
    # Three answers: counted as "<5", and no median over them.
    assert shown(answers, debts, "answered") == "<5"
    assert [shown(answers, debts, c) for c in ("median", "p90")] == ["n<5", "n<5"]
    # Welzijn's seven answers would give the three away beside the total: one is hidden.
    welzijn = org(answers, next(r["label"] for r in answers["rows"] if r["id"] not in (
        "total", team, debts)))
    assert "•" in (shown(answers, welzijn, "answered"), shown(answers, "total", "answered"))
    assert not exposed(answers)


def test_decline_reasons_per_organisation(coordinator, loop):
    reasons = panel(view(coordinator), "decline_reasons")
    assert [c["id"] for c in reasons["columns"]] == [
        "declined", "no_capacity", "not_our_field", "resident_unreachable",
        "resident_declines", "already_supported", "other"]
    assert [c["label"] for c in reasons["columns"]][1:3] == [
        "Geen capaciteit op dit moment", "Niet ons werkterrein"]
    team, debts = org(reasons, "Buurtteam Ganges"), org(reasons, "Schuldhulp Nijl")
    assert [shown(reasons, team, c) for c in ("declined", "no_capacity", "not_our_field")] == [
        11, 6, 5]
    assert shown(reasons, team, "other") == 0  # nobody is described by a zero
    assert shown(reasons, debts, "declined") == "<5"
    assert shown(reasons, debts, "other") == "<5"
    assert shown(reasons, "total", "other") == "<5"
    assert shown(reasons, "total", "no_capacity") == 6
    assert {"total": f"{team}:declined",
            "parts": [f"{team}:{reason}" for reason in (
                "no_capacity", "not_our_field", "resident_unreachable", "resident_declines",
                "already_supported", "other")]} in reasons["relations"]
    assert not exposed(reasons)


def test_declines_from_before_the_reasons_count_apart(coordinator, loop):
    old = db.session.query(Handover).filter(Handover.decline_reason == "no_capacity").first()
    old.decline_reason = None  # as a migration left the declines from before reasons
    db.session.flush()
    recount()
    db.session.commit()
    reasons = panel(view(coordinator), "decline_reasons")
    assert [c["label"] for c in reasons["columns"]][-1] == "Reden niet vastgelegd"
    team = org(reasons, "Buurtteam Ganges")
    assert shown(reasons, team, "unknown") == "<5"
    assert shown(reasons, team, "no_capacity") in (5, "•")
    assert not exposed(reasons)


def test_check_ins_done_on_time(coordinator, loop):
    checkins = panel(view(coordinator), "checkins")
    assert checkins["scope_wide"] is False
    assert [r["id"] for r in checkins["rows"]] == ["total", "on_time", "late", "missed", "open"]
    assert [shown(checkins, r, "checkins") for r in ("total", "on_time")] == [10, 6]
    assert shown(checkins, "late", "checkins") == "<5"
    assert shown(checkins, "on_time", "share") == 0.6
    late = next(r for r in checkins["rows"] if r["id"] == "late")["cells"]["share"]
    assert late["value"] is None and late["suppressed"]  # its numerator is hidden
    assert not exposed(checkins)
    # Nijldreef has none; Gangesdreef all of them.
    assert shown(panel(view(coordinator, loop.nijl), "checkins"), "total", "checkins") == 0
    assert shown(panel(view(coordinator, loop.ganges), "checkins"), "total", "checkins") == 10


def test_nothing_hidden_can_be_worked_out_across_views(coordinator, loop):
    everything = view(coordinator)
    per_building = {f"b{b.id}": view(coordinator, b) for b in (loop.ganges, loop.nijl)}
    for panel_id in ("answer_times", "decline_reasons", "checkins"):
        whole = panel(everything, panel_id)
        views = {key: panel(answer, panel_id) for key, answer in per_building.items()}
        assert not exposed_across_views(whole, views, shared_rows=whole["scope_wide"]), panel_id


def test_every_small_count_is_hidden(coordinator, loop):
    for answer in (view(coordinator), view(coordinator, loop.ganges)):
        for p in answer["panels"]:
            if p["id"] not in ("answer_times", "decline_reasons", "checkins"):
                continue
            counted = {c["id"] for c in p["columns"] if c["kind"] == "count"}
            for row in p["rows"]:
                for column, cell in row["cells"].items():
                    if column in counted and cell["suppressed"] is None:
                        assert cell["value"] == 0 or cell["value"] >= 5, (p["id"], row, column)


def test_the_panels_on_the_page_and_as_csv(http_app, loop):
    from tests.web import login, text

    db.session.commit()
    page = text(login(http_app, loop.coordinator).get("/insight"))
    for title in ("Tijd tot een eerste antwoord per organisatie",
                  "Redenen van afwijzing per organisatie", "Contactmomenten op tijd"):
        assert title in page
    csv = login(http_app, loop.coordinator).get("/insight/decline_reasons.csv")
    assert csv.status_code == 200
    assert "Buurtteam Ganges" in text(csv)
