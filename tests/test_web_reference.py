"""Workflow pages, the role menu, language and the error pages."""

from __future__ import annotations

import pytest

from tests.web import login, text


@pytest.mark.parametrize("name", ["case", "handover", "consent"])
def test_workflow_page_shows_mermaid_and_transitions(http_app, world, name):
    html = text(login(http_app, world.professional).get(f"/workflows/{name}"))
    assert "stateDiagram-v2" in html
    assert "<table" in html and "<script" not in html


def test_unknown_workflow_is_404(http_app, world):
    assert login(http_app, world.coach).get("/workflows/nope").status_code == 404


@pytest.mark.parametrize("role,link,absent", [
    ("flatcoach", "/today", "/admin/users"),
    ("professional", "/handovers", "/today"),
    ("privacy_officer", "/privacy/processing-log", "/admin/users"),
    ("coordinator", "/admin/users", "/privacy/processing-log"),
])
def test_menu_shows_the_roles_pages(http_app, world, role, link, absent):
    html = text(login(http_app, world.user(role)).get("/"))
    assert f'href="{link}"' in html
    assert f'href="{absent}"' not in html


def test_pages_in_english_when_chosen(http_app, world):
    client = login(http_app, world.coach)
    client.post("/language/en", data={"next": "/today"})
    html = text(client.get("/today"))
    assert '<html lang="en">' in html and "Today" in html


def test_pages_need_login(client, world):
    response = client.get("/today")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_no_inline_script_or_style(http_app, world):
    html = text(login(http_app, world.coach).get(f"/residents/{world.resident.id}"))
    assert "<script" not in html
    assert " style=" not in html
