"""The neighbourhood insight page: every panel with its question, a bar chart in inline SVG
(no inline style, no script), the table, a CSV download per panel, a building filter,
Dutch first; and the household size on the visit form."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.audit.models import ProcessingLogEntry
from app.buildings.models import Dwelling
from app.db import db
from app.insight.panels import PANELS
from tests import factories
from tests.test_insight_api import hood  # noqa: F401 - the known world, as a fixture
from tests.web import login, text


@pytest.fixture
def coordinator(http_app, hood):  # noqa: F811
    db.session.commit()
    return login(http_app, hood.coordinator)


@pytest.fixture
def coach(http_app, hood):  # noqa: F811
    db.session.commit()
    return login(http_app, hood.coach)


def test_the_dashboard_shows_every_panel_with_a_chart_in_dutch(coordinator, hood):  # noqa: F811
    response = coordinator.get("/insight")
    assert response.status_code == 200
    html = text(response)
    assert '<html lang="nl">' in html
    assert "Buurtinzicht" in html and "Wat willen de bewoners echt?" in html
    for panel in PANELS:
        assert f'id="panel-{panel}"' in html
        assert f"/insight/{panel}.csv" in html
    assert html.count("<svg") >= 10
    assert re.search(r'<rect class="bar bar-0" x="0" y="0" width="\d+(\.\d+)?"', html)
    assert "style=" not in html and "<script" not in html
    assert "Gangesdreef" in html and "Wolgadreef" in html
    assert "&lt;5" in html  # small counts are marked, not shown
    assert 'aria-hidden="true"' in html and "<figcaption" in html and "<table" in html


def test_the_building_filter_shows_one_building_and_its_floors(coach, hood):  # noqa: F811
    html = text(coach.get(f"/insight?building_id={hood.ganges.id}"))
    assert "Verdieping 1" in html and "Verdieping 2" in html
    assert "Wolgadreef" not in html
    assert f'<option selected value="{hood.ganges.id}">' in html
    assert f"/insight/themes.csv?building_id={hood.ganges.id}" in html
    assert coach.get(f"/insight?building_id={hood.wolga.id}").status_code == 404
    assert coach.get("/insight?building_id=nonsense").status_code == 200  # ignored


def test_csv_download_from_the_page_is_logged(coach, hood):  # noqa: F811
    response = coach.get(f"/insight/coverage.csv?building_id={hood.ganges.id}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    lines = text(response).splitlines()
    assert lines[0].startswith("Rij,Onderdeel van,Woningen")
    assert any(line.startswith("Verdieping 1,Gangesdreef,6,6,5") for line in lines)
    entry = db.session.execute(select(ProcessingLogEntry).order_by(
        ProcessingLogEntry.seq.desc()).limit(1)).scalar_one()
    assert (entry.action, entry.processing_activity) == ("export", "neighbourhood_insight")
    assert coach.get("/insight/nonsense.csv").status_code == 404


def test_empty_panels_say_so(http_app, hood):  # noqa: F811
    lonely = factories.create_user("flatcoach")
    db.session.commit()
    html = text(login(http_app, lonely).get("/insight"))
    assert "Er zijn je nog geen flats toegewezen" in html or "nog geen" in html
    assert html.count("Hier is nog niets geteld.") == len(PANELS)


def test_only_coordinators_and_coaches_see_the_page(http_app, hood):  # noqa: F811
    db.session.commit()
    for user in (hood.professional, hood.privacy_officer):
        assert login(http_app, user).get("/insight").status_code == 403
    menu = text(login(http_app, hood.coordinator).get("/"))
    assert "/insight" in menu


def test_the_visit_form_records_the_household_size(coach, hood):  # noqa: F811
    dwelling = hood.dwellings["nijl"][3]
    form = text(coach.get(f"/dwellings/{dwelling.id}"))
    assert 'name="household_size"' in form
    response = coach.post(f"/dwellings/{dwelling.id}/visits",
                          data={"outcome": "talked", "resident": "", "household_size": "21"})
    assert response.status_code == 422
    assert "Vul een getal in tussen 1 en 20." in text(response)
    response = coach.post(f"/dwellings/{dwelling.id}/visits",
                          data={"outcome": "talked", "resident": "", "household_size": "4"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Dwelling, dwelling.id).household_size == 4
