"""The coach's day page also lists the introductions planned today, the doors whose latest
visit said "come back later" and the coming Buurtkamer activities of the coach's buildings —
each with a Dutch empty state — and nothing of other coaches' buildings."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from app.db import db, utcnow
from app.visits.operations import record_visit
from app.web.formkit import local_zone
from tests import factories
from tests.web import login, text


@pytest.fixture
def coach(http_app, world):
    return login(http_app, world.coach)


def _section(html: str, heading: str) -> str:
    start = html.index(heading)
    return html[start:html.index("</section>", start)]


def test_empty_states_are_dutch(coach):
    html = text(coach.get("/today"))
    assert "Vandaag staan er geen kennismakingen gepland." in html
    assert "Geen deuren om naar terug te gaan." in html
    assert "Geen activiteiten in je flats in de komende twee weken." in html


def test_doors_whose_latest_visit_said_come_back_later(coach, world):
    earlier = utcnow() - timedelta(days=3)
    back = factories.create_dwelling(world.building, floor=2)
    record_visit(world.coach, back, {"outcome": "not_home"}, visited_at=earlier)
    record_visit(world.coach, back, {"outcome": "revisit"})
    answered = factories.create_dwelling(world.building, floor=4)
    record_visit(world.coach, answered, {"outcome": "revisit"}, visited_at=earlier)
    record_visit(world.coach, answered, {"outcome": "talked"})
    elsewhere = factories.create_dwelling(world.other_building, floor=1)
    record_visit(world.other_coach, elsewhere, {"outcome": "revisit"})
    db.session.commit()
    section = _section(text(coach.get("/today")), "Deuren om naar terug te gaan")
    assert f"/dwellings/{back.id}" in section and "Later terugkomen" in section
    assert f"/dwellings/{answered.id}" not in section  # talked since
    assert f"/dwellings/{elsewhere.id}" not in section  # another coach's building


def test_introductions_planned_today_and_those_left_to_record(coach, world):
    today = utcnow().astimezone(local_zone()).date()
    later_today = datetime.combine(today, time(23, 30), tzinfo=local_zone())
    yesterday = datetime.combine(today - timedelta(days=1), time(10, 0), tzinfo=local_zone())
    planned = factories.create_handover(
        factories.create_formulated_case(world.resident, world.coach), world.coach,
        world.buurtteam, state="intro_scheduled", intro_at=later_today)
    held_back = factories.create_handover(
        factories.create_formulated_case(
            factories.create_resident(world.dwelling, display_name="Piet Smit"), world.coach),
        world.coach, world.buurtteam, state="intro_scheduled", intro_at=yesterday)
    db.session.commit()
    html = text(coach.get("/today"))
    today_section = _section(html, "Kennismakingen vandaag")
    assert f"/handovers/{planned.id}" in today_section and "Om 23:30" in today_section
    assert f"/handovers/{held_back.id}" not in today_section
    assert f"/handovers/{held_back.id}" in _section(html, "Kennismakingen om vast te leggen")


def test_coming_activities_of_the_coachs_buildings(coach, world):
    soon = factories.create_activity(world.building, world.coach, title="Koffie op de hoek",
                                     days_from_now=2)
    factories.create_activity(world.building, world.coach, title="Afgelast bingo",
                              days_from_now=3, cancelled=True)
    factories.create_activity(world.building, world.coach, title="Voorbij ontbijt",
                              days_from_now=-2)
    factories.create_activity(world.building, world.coach, title="Verre kerstmarkt",
                              days_from_now=30)
    factories.create_activity(world.other_building, world.other_coach, title="Andermans soep",
                              days_from_now=1)
    db.session.commit()
    section = _section(text(coach.get("/today")), "Buurtkamer: komende activiteiten")
    assert "Koffie op de hoek" in section and f"/buurtkamer/{soon.id}" in section
    assert world.building.name in section
    for title in ("Afgelast bingo", "Voorbij ontbijt", "Verre kerstmarkt", "Andermans soep"):
        assert title not in section
