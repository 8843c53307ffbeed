"""The agenda's cost: besides deciding and logging each organiser's name (the consent
gateway, once per name shown), a page or API answer costs the same number of statements
for a few activities as for many — no statement per activity, coach or organisation."""

from __future__ import annotations

from typing import Any

import pytest

from app.buildings.models import CoachAssignment
from app.db import db
from tests import factories
from tests.statements import statements
from tests.web import login

# What the consent gateway runs for every name it decides: the resident (anonymised?) with
# their consents, then the processing-log entry (chain head, entry).
GATEWAY = ("processing_log", "log_chain_heads",
           "FROM residents LEFT OUTER JOIN consents ON consents.resident_id = residents.id")


def plan(world: Any, count: int) -> None:
    """`count` activities by two coaches of two organisations (some residents alone), each
    with two residents named as organisers."""
    colleague = factories.create_user("flatcoach", world.buurtteam)
    db.session.add(CoachAssignment(user_id=colleague.id, building_id=world.building.id))
    residents = [factories.create_resident(world.dwelling, display_name=f"Bewoner {n}")
                 for n in range(2)]
    for n in range(count):
        coach = colleague if n % 2 else world.coach
        activity = factories.create_activity(world.building, coach, days_from_now=1 + n,
                                             residents_alone=n % 3 == 0)
        for resident in residents:
            factories.create_organiser(activity, resident, coach)
    db.session.commit()


def own_statements(app: Any, client: Any, url: str) -> tuple[int, int]:
    """(statements outside the gateway, names decided by the gateway)."""
    with statements(app) as seen:
        assert client.get(url).status_code == 200
    gateway = [s for s in seen if any(marker in s for marker in GATEWAY)]
    inserts = sum(1 for s in gateway if s.startswith("INSERT INTO processing_log"))
    return len(seen) - len(gateway), inserts


@pytest.mark.parametrize("url", ["/api/v1/activities?page_size=50", "/buurtkamer"])
@pytest.mark.parametrize("role", ["flatcoach", "coordinator"])
def test_an_agenda_costs_no_statement_per_activity(app, http_app, as_user, world, role, url):
    user = world.coach if role == "flatcoach" else world.coordinator
    client = as_user(user) if url.startswith("/api") else login(http_app, user)

    plan(world, 3)
    few, names_few = own_statements(app, client, url)
    plan(world, 12)
    many, names_many = own_statements(app, client, url)

    assert (names_few, names_many) == (6, 30)  # every name shown is decided and logged
    assert many == few
