"""Templates are given flags and allowed triggers, never lists of states: which states allow
what is a rule of the workflows (and the models' properties that read them), kept in one
place. A template comparing a state with a list of states would be a second copy of it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE_LIST = re.compile(r"\bstate\s+(?:not\s+)?in\s*[(\[]")


def test_no_template_compares_a_state_with_a_list_of_states() -> None:
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in sorted((ROOT / "app").rglob("*.html"))
             for number, line in enumerate(path.read_text().splitlines(), start=1)
             if STATE_LIST.search(line)]
    assert not found, ("Give the template a flag (a model property or a view's variable) "
                       "instead of a list of states:\n" + "\n".join(found))


def test_the_walk_finds_a_list_of_states() -> None:
    assert STATE_LIST.search('{% if case.state in ("referred", "supported") %}')
    assert STATE_LIST.search("{% if state not in ['a'] %}")
    assert not STATE_LIST.search('{% if case.takes_handovers %}')
