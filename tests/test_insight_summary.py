"""Neighbourhood insight fits a phone: the page opens with a summary — coverage, the needs and
offers named most, willingness, help started — taken from the suppressed panels; every
panel is folded (its chart before its table), the marks "<5" and "•" are explained where
they appear, and the viewer can choose a calendar period."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.audit.models import ProcessingLogEntry
from app.db import db, utcnow
from app.insight.operations import insight
from app.insight.periods import Period, period_of, periods
from app.insight.summary import summary
from tests.test_insight_api import hood  # noqa: F401 - the known world, as a fixture
from tests.web import login, text


@pytest.fixture
def coordinator(http_app, hood):  # noqa: F811
    db.session.commit()
    return login(http_app, hood.coordinator)


def _figures(figures):
    return {f.id: f for f in figures}


def test_the_summary_answers_the_questions_from_the_panels(ctx, hood):  # noqa: F811
    result = insight(hood.coordinator)
    figures = _figures(summary(result["panels"], None))
    # 13 of 22 doors, but Nijldreef's two knocks make the total one that is hidden with them.
    coverage = next(p for p in result["panels"] if p["id"] == "coverage")
    total = next(r for r in coverage["rows"] if r["id"] == "total")
    assert figures["coverage"].value == total["cells"]["share_knocked"]["display"] == "•"
    assert figures["coverage"].hidden == "complementary"
    assert figures["needs"].value == "Geld"
    # Loneliness was named at three doors: too few to rank, so it is not among the needs.
    assert [label for label, _shown in figures["needs"].items] == ["Geld"]
    assert figures["offers"].value == "Koken"
    assert figures["willingness"].value == "50%"
    assert figures["help_started"].value == "0"


def test_one_buildings_summary_comes_from_its_rows(ctx, hood):  # noqa: F811
    result = insight(hood.coach, hood.ganges.id)
    figures = _figures(summary(result["panels"], hood.ganges.id))
    assert figures["coverage"].value == "50%"  # 6 of 12 doors
    assert "83%" in figures["coverage"].detail  # talked at 5 of those 6
    assert not figures["coverage"].hidden
    nijl = _figures(summary(insight(hood.coach, hood.nijl.id)["panels"], hood.nijl.id))
    # Nijldreef: two doors knocked of five: a count of 1-4 households, hidden with its total.
    assert nijl["coverage"].value in ("<5", "•") and nijl["coverage"].hidden


def test_the_page_opens_with_the_summary_and_folds_the_panels(coordinator):
    html = unescape(text(coordinator.get("/insight")))
    first_panel = html.index('id="panel-')
    summary_at = html.index("In het kort")
    assert summary_at < first_panel
    head = html[summary_at:first_panel]
    for words in ("Deuren aangebeld", "Meest genoemde behoeften", "Geld",
                  "Meest aangeboden", "Koken", "Wil iets doen voor buren", "50%",
                  "Hulp gestart na een warme overdracht"):
        assert words in head, words
    # The total's mark is explained right there.
    assert "<dt>•</dt>" in head
    assert html.count('<details class="panel-fold">') == html.count('class="card insight-panel"')
    assert "<details class=\"panel-fold\" open" not in html
    # In every panel the chart comes before the table.
    for section in html.split('class="card insight-panel"')[1:]:
        if "<figure" in section:
            assert section.index("<figure") < section.index("<table")


def test_the_marks_are_explained_where_they_appear(coordinator):
    html = unescape(text(coordinator.get("/insight")))
    for section in html.split('class="card insight-panel"')[1:]:
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", section)
        if "<5" in cells:
            assert "<dt><5</dt>" in section
        if "•" in cells:
            assert "<dt>•</dt>" in section


def test_periods_are_whole_calendar_years_and_quarters(ctx):
    now = utcnow()
    offered = periods(now)
    assert offered[0].key == str(now.year)
    assert all(re.fullmatch(r"\d{4}(-Q[1-4])?", p.key) for p in offered)
    assert all(p.since < p.until for p in offered)
    assert period_of("1999", now) is None and period_of("", now) is None
    assert period_of(offered[1].key, now) == offered[1]


def test_a_period_counts_what_happened_in_it(ctx, hood):  # noqa: F811
    now = utcnow()
    recent = Period("recent", "recent", now - timedelta(days=30), now + timedelta(days=1))

    def cell(result, panel, row, column):
        found = next(p for p in result["panels"] if p["id"] == panel)
        return next(r for r in found["rows"] if r["id"] == row)["cells"][column]["value"]

    ganges = f"b{hood.ganges.id}"
    everything = insight(hood.coordinator)
    assert cell(everything, "lead_times", "offer_to_accept", "handovers") == 6
    assert cell(everything, "coverage", ganges, "knocked") == 6
    last_month = insight(hood.coordinator, period=recent)
    # Offered 40 days ago: not in the last month.
    assert cell(last_month, "lead_times", "offer_to_accept", "handovers") == 0
    # The doors were knocked today: in this year and this quarter, not in last year's.
    this_year, this_quarter = periods(now)[:2]
    last_year = period_of(str(int(this_year.key) - 1), now)
    for period in (this_year, this_quarter):
        assert cell(insight(hood.coordinator, period=period), "coverage", ganges,
                    "knocked") == 6
    before = insight(hood.coordinator, period=last_year)
    assert cell(before, "coverage", ganges, "knocked") == 0
    assert cell(before, "coverage", ganges, "dwellings") == 12  # front doors: always shown


def test_the_coordinator_chooses_a_period_and_it_is_logged(coordinator):
    year = str(utcnow().astimezone(ZoneInfo("Europe/Amsterdam")).year)
    html = unescape(text(coordinator.get(f"/insight?period={year}")))
    assert f'<option selected value="{year}">Heel {year}</option>' in html
    assert f"/insight/themes.csv?period={year}" in html
    entry = db.session.execute(select(ProcessingLogEntry).order_by(
        ProcessingLogEntry.seq.desc()).limit(1)).scalar_one()
    assert f"period: {year}" in entry.reasons
    assert coordinator.get("/insight?period=1999-Q9").status_code == 200  # all time
