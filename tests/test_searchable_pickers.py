"""A list with many options to choose from (such as the Buurtkamer's organiser picker) is
marked searchable: a small script adds a box that narrows it. Without the script the list
works as it is, and the server checks the choice either way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.db import db
from app.web.templating import SEARCHABLE_FROM
from tests import factories
from tests.web import login, text

PICKER = Path(__file__).resolve().parents[1] / "app" / "web" / "static" / "picker.js"


@pytest.fixture
def coach(http_app, world):
    return login(http_app, world.coach)


def _select(html: str, name: str) -> str:
    return re.search(rf'<select[^>]*name="{name}"[^>]*>', html).group(0)


def test_a_short_list_stays_a_plain_select(coach, world):
    activity = factories.create_activity(world.building, world.coach)
    db.session.commit()
    html = text(coach.get(f"/buurtkamer/{activity.id}"))
    assert "data-searchable" not in _select(html, "resident_id")
    assert "picker.js" not in html


def test_a_long_list_is_marked_searchable_with_dutch_help(coach, world):
    activity = factories.create_activity(world.building, world.coach)
    for n in range(SEARCHABLE_FROM):
        factories.create_resident(factories.create_dwelling(world.building, floor=1 + n % 9),
                                  display_name=f"Bewoner {n:03d}")
    db.session.commit()
    html = text(coach.get(f"/buurtkamer/{activity.id}"))
    select = _select(html, "resident_id")
    assert "data-searchable" in select
    assert 'data-filter-label="Typ een deel van een naam om de lijst korter te maken"' in select
    assert 'data-found="Gevonden: #"' in select
    assert "Niets gevonden" in select
    assert '<script src="/static/web/picker.js" defer></script>' in html
    assert html.count("Bewoner 0") == SEARCHABLE_FROM  # every option is there without script


def test_the_server_refuses_a_choice_that_was_not_offered(coach, world):
    activity = factories.create_activity(world.building, world.coach)
    db.session.commit()
    response = coach.post(f"/buurtkamer/{activity.id}/organisers",
                          data={"resident_id": str(world.other_resident.id),
                                "answer": "existing"})
    assert response.status_code == 422
    assert "Kies een bewoner uit de lijst." in text(response)


def test_the_script_is_served_and_only_enhances(client):
    response = client.get("/static/web/picker.js")
    try:
        assert response.status_code == 200
        assert "javascript" in response.mimetype
    finally:
        response.close()
    source = PICKER.read_text()
    assert "select[data-searchable]" in source and "innerHTML" not in source
