"""The JSON API (`app/*/api.py`) and the pages (`app/*/views.py`) are adapters: they load,
check access, parse input, call one command and answer. What a use case changes and what it
logs happens in the command (`operations.py` or another shared module), so the two adapters
cannot disagree. This test reads every adapter's source and fails when one writes the
audit or processing log itself, adds or deletes a row, or sets an attribute of an object it
loaded (`case.state = ...`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"
ADAPTERS = sorted([*APP.glob("*/api.py"), *APP.glob("*/views.py")])

# Calls that belong in a command: the logs, and adding or deleting rows.
COMMAND_ONLY_CALLS = {"record_event", "log_processing", "session.add", "session.add_all",
                      "session.delete"}

# What an adapter may set attributes on, none of them a stored object, and why.
NOT_STORED = {
    "form": "a WTForms form: its fields' data, errors and choices",
    "filters": "a filter form",
    "target": "the form field a refusal names",
    "self": "a form class defined beside its page",
    "session": "Flask's session (`session.permanent`)",
    "outcome": "the page's account of a transition (`TransitionOutcome.message`)",
    "pagination_parameters": "flask-smorest's pagination, told the item count",
    "wrapped": "a view function, marked with the permission it requires",
    "report": "the directory import's report, marked committed once the request committed",
}


def _root(node: ast.expr) -> ast.expr:
    """`x` of `x.a.b`, `x[i].a` or `getattr(x, name).a`."""
    while True:
        if isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id == "getattr" and node.args):
            node = node.args[0]
        else:
            return node


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        owner = func.value
        prefix = (f"{owner.attr}." if isinstance(owner, ast.Attribute)
                  else f"{owner.id}." if isinstance(owner, ast.Name) else "")
        return prefix + func.attr
    return ""


def problems(source: str) -> list[str]:
    """What in `source` an adapter should leave to a command, one line each."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name in COMMAND_ONLY_CALLS or name.split(".")[-1] in COMMAND_ONLY_CALLS:
                found.append(f"line {node.lineno}: calls {name}(...)")
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for part in ast.walk(target):
                if not (isinstance(part, ast.Attribute) and isinstance(part.ctx, ast.Store)):
                    continue
                root = _root(part)
                if not (isinstance(root, ast.Name) and root.id in NOT_STORED):
                    found.append(f"line {node.lineno}: sets {ast.unparse(part)}")
    return found


@pytest.mark.parametrize("path", ADAPTERS, ids=lambda p: str(p.relative_to(APP)))
def test_adapter_leaves_changes_and_logs_to_commands(path: Path) -> None:
    assert problems(path.read_text()) == []


def test_the_check_sees_what_it_looks_for() -> None:
    source = '''
def view(case_id):
    case = case_in_scope(current_user, case_id)
    case.state = "closed"
    case.help_question.text += "!"
    record_event("case_closed", actor=current_user)
    audit.log_processing(action="read")
    db.session.add(case)
    form.text.errors = ["no"]
    '''
    assert problems(source) == [
        "line 4: sets case.state",
        "line 5: sets case.help_question.text",
        "line 6: calls record_event(...)",
        "line 7: calls audit.log_processing(...)",
        "line 8: calls session.add(...)",
    ]
