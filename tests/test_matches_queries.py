"""What the connection pages cost: a list or page of suggestions takes the same number of
statements for a few connections as for many — none per connection or resident shown."""

from __future__ import annotations

from typing import Any

import pytest

from app.db import db
from tests import factories
from tests.matches_helpers import create_match, talked
from tests.statements import statements
from tests.web import login


def cost(app: Any, client: Any, url: str) -> int:
    with statements(app) as seen:
        assert client.get(url).status_code == 200
    return len(seen)


def connect(world: Any, count: int) -> None:
    """`count` more proposed connections, each between two new residents of the building."""
    for _ in range(count):
        offering = factories.create_resident(factories.create_dwelling(world.building))
        seeking = factories.create_resident(factories.create_dwelling(world.building))
        create_match(world.coach, offering, seeking)
    db.session.commit()


def neighbours_who_fit(world: Any, count: int) -> None:
    """`count` more pairs: one resident cooks, a neighbour would like a meal."""
    for _ in range(count):
        offering = factories.create_resident(factories.create_dwelling(world.building))
        seeking = factories.create_resident(factories.create_dwelling(world.building))
        talked(world.coach, offering, offers=("cooking",))
        talked(world.coach, seeking, wishes=("cooking",))
    db.session.commit()


@pytest.mark.parametrize("url", ["/matches", "/api/v1/matches?page_size=50"])
def test_the_list_costs_no_statement_per_connection(app, http_app, as_user, world, url):
    client = as_user(world.coach) if url.startswith("/api") else login(http_app, world.coach)

    connect(world, 2)
    few = cost(app, client, url)
    connect(world, 10)
    many = cost(app, client, url)

    assert many == few


@pytest.mark.parametrize("url", ["/matches/suggestions",
                                 "/api/v1/matches/suggestions?page_size=50"])
def test_suggestions_cost_no_statement_per_suggestion(app, http_app, as_user, world, url):
    client = as_user(world.coach) if url.startswith("/api") else login(http_app, world.coach)

    neighbours_who_fit(world, 1)
    few = cost(app, client, url)
    neighbours_who_fit(world, 4)
    many = cost(app, client, url)

    assert many == few
