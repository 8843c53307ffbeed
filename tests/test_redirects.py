"""A redirect never leaves the site, whatever target the request names.

One helper (`app.security.local_target`) decides whether a target is a path on this site; every
redirect to a target taken from the request goes through it. The tests walk the helper, each
endpoint that reads a target, every page with a hostile `next` in its query and form, and the
source itself: a `redirect()` of anything but `url_for(...)` or `redirect_target(...)` fails."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from app.security import local_target
from tests import factories
from tests.web import login

HOSTILE = ["//evil.example", "/\\evil", "\\\\evil.example", "\t//evil", "/\t/evil.example",
           "/%09/evil", "/%2F/evil.example", "/%5Cevil", "https://evil", "http:evil.example",
           "javascript:alert(1)", "java\nscript:", "/ok\r\nSet-Cookie: x=1", "/ok\nx", "/\x00",
           " /today", "/today ", "/\u200b/evil.example", "/ẹvil", "evil.example", "./x", "",
           "/" + "a" * 3000]
LOCAL = ["/", "/today", "/cases/5e1c1f8a-0000-4000-8000-000000000000",
         "/privacy/processing-log?from=2026-01-01&page=2", "/buildings/1#floor-1"]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_targets_are_not_local(target):
    assert local_target(target) is None


@pytest.mark.parametrize("target", LOCAL)
def test_paths_of_the_site_are_local(target):
    assert local_target(target) == target


def assert_stays_on_site(response: Any, what: object) -> None:
    assert response.status_code < 500, what
    location = response.headers.get("Location")
    if location is None:
        return
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, (what, location)
    assert location.startswith("/") and not location.startswith("//"), (what, location)
    assert "\\" not in location and all("!" <= c <= "~" for c in location), (what, location)


def assert_sent_home(response: Any, target: str) -> None:
    """Home, for a target that is not a page of the site; a NUL is refused before any view
    runs (`app.input_rules`)."""
    if "\x00" in target:
        assert response.status_code == 400, target
        return
    assert response.status_code == 302, target
    assert response.headers["Location"] == "/", target


@pytest.mark.parametrize("target", HOSTILE)
def test_language_switch_stays_on_site(client, target):
    for code in ("en", "nl", "xx"):
        assert_sent_home(client.post(f"/language/{code}", data={"next": target}), target)


def test_language_switch_returns_to_the_page(client):
    response = client.post("/language/en", data={"next": "/today"})
    assert response.headers["Location"] == "/today"


@pytest.mark.parametrize("target", HOSTILE)
def test_login_returns_only_to_a_page_of_the_site(client, world, target):
    form = {"email": world.coach.email, "password": factories.PASSWORD}
    assert_sent_home(client.post("/login", query_string={"next": target}, data=form), target)
    client.post("/login", data=form)
    # Logged in already: the login page sends the user on, to the same place.
    assert_sent_home(client.get("/login", query_string={"next": target}), target)


def test_login_returns_to_the_page_that_asked_for_it(client, world):
    asked = client.get("/today")
    assert asked.status_code == 302
    response = client.post(asked.headers["Location"],
                           data={"email": world.coach.email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/today"


def _pages(http_app: Any) -> list[tuple[str, str]]:
    """Every page (not the API, not files) whose URL needs no object id."""
    found = []
    for rule in http_app.url_map.iter_rules():
        if rule.rule.startswith("/api") or rule.arguments or "static" in rule.endpoint:
            continue
        found += [(method, rule.rule) for method in sorted((rule.methods or set())
                                                          & {"GET", "POST"})]
    return sorted(found)


def test_no_page_redirects_off_site(http_app, world):
    """Every page, anonymous and logged in, with a hostile `next` in the query and the form."""
    clients = {"anonymous": http_app.test_client(), "coach": login(http_app, world.coach),
               "coordinator": login(http_app, world.coordinator)}
    pages = _pages(http_app)
    assert ("POST", "/login") in pages
    for name, client in clients.items():
        for method, url in [*pages, ("POST", "/language/en")]:
            if url == "/logout":
                continue  # would end the login the walk goes on with
            for target in HOSTILE:
                response = client.open(url, method=method, query_string={"next": target},
                                       data={"next": target})
                assert_stays_on_site(response, (name, method, url, target))


def _redirect_arguments(tree: ast.AST) -> list[ast.expr]:
    return [node.args[0] for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "redirect" and node.args]


def test_every_redirect_goes_to_url_for_or_a_checked_target():
    app_dir = Path(__file__).resolve().parent.parent / "app"
    unchecked = []
    count = 0
    for path in sorted(app_dir.rglob("*.py")):
        for argument in _redirect_arguments(ast.parse(path.read_text(), str(path))):
            count += 1
            allowed = (isinstance(argument, ast.Call) and isinstance(argument.func, ast.Name)
                       and argument.func.id in ("url_for", "redirect_target"))
            if not allowed:
                unchecked.append(f"{path.relative_to(app_dir.parent)}:{argument.lineno}")
    assert count > 10
    assert not unchecked, "redirect to a target not from url_for/redirect_target: " + \
        ", ".join(unchecked)
