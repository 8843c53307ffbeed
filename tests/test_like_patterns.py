"""Searching for text finds that text: `%`, `_` and `\\` typed into a search match themselves,
not any text. Every LIKE in the app is built by one helper (`app.db.contains_text`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import select

from app.db import contains_text, db
from app.residents.models import Resident
from tests import factories
from tests.web import login, text

NAMES = ["Fatima El Amrani", "Jan_Smit", "Jan Smit", "100% Bakker", "1000 Bakkers",
         "Back\\slash", "Backslash"]


@pytest.mark.parametrize("typed,found", [
    ("%", {"100% Bakker"}),
    ("_", {"Jan_Smit"}),
    ("n_s", {"Jan_Smit"}),
    ("100%", {"100% Bakker"}),
    ("%bakker", set()),
    ("\\", {"Back\\slash"}),
    ("k\\s", {"Back\\slash"}),
    ("\\%", set()),
    ("jan", {"Jan_Smit", "Jan Smit"}),
    ("BAKKER", {"100% Bakker", "1000 Bakkers"}),
])
def test_contains_text_matches_the_typed_text_literally(world, typed, found):
    for name in NAMES:
        factories.create_resident(world.dwelling, display_name=name)
    names = set(db.session.execute(
        select(Resident.display_name).where(Resident.dwelling_id == world.dwelling.id,
                                            contains_text(Resident.display_name, typed))
    ).scalars())
    assert names == found


def test_the_privacy_officers_search_does_not_treat_wildcards_as_wildcards(http_app, world):
    factories.create_resident(world.dwelling, display_name="Jan_Smit")
    db.session.commit()
    officer = login(http_app, world.privacy_officer)
    for typed in ("%%", "__", "%_", "\\%"):
        response = officer.post("/privacy/residents", data={"query": typed})
        assert response.status_code == 200
        assert f"/privacy/residents/{world.resident.id}" not in text(response), typed
    found = officer.post("/privacy/residents", data={"query": "n_S"})
    assert "Jan_Smit" in text(found)
    assert f"/privacy/residents/{world.resident.id}" not in text(found)


# SQLAlchemy operators that build a LIKE; `contains`/`startswith`/`endswith` escape only with
# autoescape=True (and are str methods too: a constant argument is taken as one of those).
LIKE_OPERATORS = {"like", "ilike", "not_like", "not_ilike", "notlike", "notilike",
                  "icontains", "istartswith", "iendswith"}
SUBSTRING_OPERATORS = {"contains", "startswith", "endswith"}


def _constant(node: ast.expr) -> bool:
    if isinstance(node, ast.Tuple):
        return all(_constant(item) for item in node.elts)
    return isinstance(node, ast.Constant) or (isinstance(node, ast.Name) and node.id.isupper())


def test_every_like_in_the_app_is_built_by_contains_text():
    root = Path(__file__).resolve().parent.parent
    helper = root / "app" / "db.py"
    stray, in_helper = [], 0
    for path in sorted((root / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            name = node.func.attr
            if name in LIKE_OPERATORS:
                if path == helper:
                    in_helper += 1
                    assert any(k.arg == "escape" for k in node.keywords)
                    continue
            elif not (name in SUBSTRING_OPERATORS and node.args
                      and not _constant(node.args[0])
                      and not any(k.arg == "autoescape" for k in node.keywords)):
                continue
            stray.append(f"{path.relative_to(root)}:{node.lineno} {ast.unparse(node)[:60]}")
    assert in_helper == 1
    assert not stray, "use app.db.contains_text: " + "; ".join(stray)
