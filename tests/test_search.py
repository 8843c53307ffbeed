"""The coach's one search box: residents by name, doors by address or number, only in the
coach's own buildings, never an anonymised resident, the text taken literally."""

from __future__ import annotations

from typing import Any

import pytest

from app.db import db, utcnow
from app.search.operations import search
from tests import factories
from tests.web import login as page_login
from tests.web import text


@pytest.fixture
def residents(world: Any) -> Any:
    world.resident.display_name = "Fatima el Amrani"
    world.other_resident.display_name = "Fatima Yilmaz"  # another coach's building
    world.neighbour = factories.create_resident(world.dwelling, display_name="Henk 50% Smit")
    world.gone = factories.create_resident(world.dwelling, display_name="Fatima Weg")
    world.gone.anonymised_at = utcnow()
    db.session.commit()
    return world


def titles(user: Any, query: str) -> list[tuple[str, str]]:
    return [(hit.kind, hit.title) for hit in search(user, query)]


def test_a_name_finds_the_coachs_own_residents_only(ctx, residents):
    assert titles(residents.coach, "fatima") == [("resident", "Fatima el Amrani")]
    assert titles(residents.other_coach, "FATIMA") == [("resident", "Fatima Yilmaz")]


def test_a_door_number_and_an_address_find_the_door_and_who_lives_there(ctx, residents):
    dwelling = residents.dwelling
    by_number = titles(residents.coach, str(dwelling.number))
    by_address = titles(residents.coach, f"{dwelling.street} {dwelling.number}")

    assert ("dwelling", dwelling.address) in by_number
    assert ("resident", "Fatima el Amrani") in by_number
    assert by_address == by_number


def test_percent_and_underscore_are_taken_literally(ctx, residents):
    assert titles(residents.coach, "50%") == [("resident", "Henk 50% Smit")]
    assert titles(residents.coach, "_") == []


def test_nothing_outside_the_coachs_buildings_and_nothing_for_others(ctx, residents):
    assert titles(residents.coach, residents.other_dwelling.street) == []
    assert titles(residents.professional, "Fatima") == []


def test_the_search_page_at_the_door(http_app, residents):
    coach = page_login(http_app, residents.coach)
    page = coach.post("/search", data={"q": "fatima"})
    html = text(page)

    assert page.status_code == 200
    assert "Fatima el Amrani" in html and "Fatima Yilmaz" not in html
    assert f"/residents/{residents.resident.id}" in html
    assert "Niets gevonden in je flats" in text(coach.post("/search", data={"q": "Zzyzx"}))
    assert 'method="post"' in text(coach.get("/search"))  # the name never goes in the URL


def test_a_bsn_typed_in_the_search_box_is_refused_and_not_searched(http_app, residents):
    page = page_login(http_app, residents.coach).post("/search", data={"q": "111222333"})
    assert page.status_code == 400
    assert "burgerservicenummer" in text(page)
    assert "Niets gevonden" not in text(page)


def test_only_coaches_search(http_app, residents):
    assert page_login(http_app, residents.professional).post(
        "/search", data={"q": "a"}).status_code == 403


def test_the_coachs_home_page_starts_with_the_search_box(http_app, residents):
    html = text(page_login(http_app, residents.coach).get("/"))
    assert 'action="/search"' in html and 'name="q"' in html and 'method="post"' in html


def test_the_scope_travels_as_values_so_any_plan_narrows_to_it_first(ctx, residents):
    """A search statement names the coach's buildings as values, not as a subquery of the
    coach: a plan made once for any parameters then still starts from those buildings."""
    from sqlalchemy import event

    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert titles(residents.coach, "fatima") == [("resident", "Fatima el Amrani")]
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    searching = [s for s in statements if "LIKE" in s.upper() or "dwellings.number =" in s]
    assert searching and all("coach_assignments" not in s for s in searching)
