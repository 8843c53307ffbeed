"""A request that loses a deadlock or a serialisation conflict runs again instead of being
answered 503; other database errors, and a conflict lost every time, still answer 503."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from app import create_app, unit_of_work
from app.db import db
from tests.conftest import make_test_config


class _Orig(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.fixture
def flaky(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An app with one page that fails with `sqlstate` for its first `losses` runs."""
    monkeypatch.setattr(unit_of_work, "PAUSE_SECONDS", 0.0)
    app = create_app(make_test_config(database_url))
    runs = {"count": 0, "losses": 0, "sqlstate": "40P01"}

    @app.route("/flaky")
    def flaky_page() -> Any:
        from flask import g

        assert "gathered" not in g  # what a lost attempt gathered is gone
        g.gathered = True
        runs["count"] += 1
        if runs["count"] <= runs["losses"]:
            raise OperationalError("UPDATE …", {}, _Orig(runs["sqlstate"]))
        return "done"

    return app.test_client(), runs


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_a_lost_conflict_runs_the_request_again(flaky, sqlstate):
    client, runs = flaky
    runs.update(losses=unit_of_work.ATTEMPTS - 1, sqlstate=sqlstate)
    response = client.get("/flaky")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "done"
    assert runs["count"] == unit_of_work.ATTEMPTS


def test_a_conflict_lost_every_time_answers_503(flaky):
    client, runs = flaky
    runs.update(losses=unit_of_work.ATTEMPTS)
    response = client.get("/flaky")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert runs["count"] == unit_of_work.ATTEMPTS


def test_other_database_errors_are_not_retried(flaky):
    client, runs = flaky
    runs.update(losses=1, sqlstate="08006")  # the connection went away
    assert client.get("/flaky").status_code == 503
    assert runs["count"] == 1


# --------------------------------------------------------------------------- one unit of work


@pytest.fixture
def units(app: Any, database_url: str) -> Any:
    """An app with pages that add an organisation and then answer in each way a view can."""
    from flask import request

    from app.audit.processing import keep_after_rollback, log_processing
    from app.errors import Refused
    from app.organizations.models import Organization, OrganizationKind
    from app.web.pages import show_refusal

    application = create_app(make_test_config(database_url))

    def add(name: str) -> None:
        db.session.add(Organization(name=name, kind=OrganizationKind("buurtteam")))
        db.session.flush()

    @application.route("/answers/<int:status>", methods=["POST"])
    def answers(status: int) -> Any:
        add(request.args["name"])
        return "answered", status

    @application.route("/refuses", methods=["POST"])
    def refuses() -> Any:
        add(request.args["name"])
        raise Refused("No.")

    @application.route("/shows-a-refusal", methods=["POST"])
    def shows_a_refusal() -> Any:
        add(request.args["name"])
        show_refusal(Refused("No."))
        add(request.args["name"] + " shown")  # what the page logs of what it shows
        return "the form again", 200

    @application.route("/denies", methods=["POST"])
    def denies() -> Any:
        fields = {"action": "view_case", "activity": "case_support", "decision": "denied",
                  "actor": None, "data_subject_id": None, "reasons": ["no_consent"]}
        log_processing(**fields)
        keep_after_rollback(fields)
        add(request.args["name"])
        raise Refused("No.", status=403)

    @application.route("/changes-a-case-changed-meanwhile/<case_id>", methods=["POST"])
    def changes_a_case_changed_meanwhile(case_id: str) -> Any:
        import uuid

        from sqlalchemy import update

        from app.cases.models import Case

        case = db.session.get(Case, uuid.UUID(case_id))
        # Another request moves the case on between this one's read and its write.
        db.session.execute(update(Case.__table__).where(Case.__table__.c.id == case.id)
                           .values(version=Case.__table__.c.version + 1))
        case.household_notes = "Written over what was there"
        return "changed", 200

    yield application.test_client()
    with application.app_context():
        db.engine.dispose()


def organisations(*names: str) -> list[str]:
    from sqlalchemy import select

    from app.organizations.models import Organization

    return list(db.session.execute(select(Organization.name).where(
        Organization.name.in_(names)).order_by(Organization.name)).scalars())


@pytest.mark.parametrize("status", [200, 201, 302, 422])
def test_what_a_view_answers_is_committed_whatever_the_status(units, app, status):
    assert units.post(f"/answers/{status}?name=Answered {status}").status_code == status
    with app.app_context():
        assert organisations(f"Answered {status}") == [f"Answered {status}"]


def test_a_refusal_that_leaves_the_view_keeps_nothing(units, app):
    assert units.post("/refuses?name=Refused").status_code == 422
    with app.app_context():
        assert organisations("Refused") == []


def test_a_page_showing_a_refusal_keeps_what_it_does_after_it(units, app):
    assert units.post("/shows-a-refusal?name=Tried").status_code == 200
    with app.app_context():
        assert organisations("Tried", "Tried shown") == ["Tried shown"]


def test_a_denial_stays_logged_once_when_the_request_rolls_back(units, app):
    from sqlalchemy import func, select

    from app.audit.models import ProcessingLogEntry

    def denials() -> int:
        return db.session.execute(select(func.count()).select_from(ProcessingLogEntry).where(
            ProcessingLogEntry.action == "view_case",
            ProcessingLogEntry.decision == "denied")).scalar_one()

    with app.app_context():
        before = denials()
    assert units.post("/denies?name=Denying").status_code == 403
    with app.app_context():
        assert organisations("Denying") == []
        assert denials() == before + 1


def test_a_version_found_stale_at_the_commit_is_a_conflict(units, app):
    from app.cases.models import Case
    from tests import factories

    with app.app_context():
        world = factories.build_world()
        case = factories.create_case(world.resident, world.coach)
        db.session.commit()
        case_id, version = case.id, case.version
    response = units.post(f"/changes-a-case-changed-meanwhile/{case_id}")
    assert response.status_code == 409
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert (case.version, case.household_notes) == (version, "")


# --------------------------------------------------------------------------- one place


APP = Path(__file__).resolve().parent.parent / "app"
# Where a commit is not the request's: run by the clock or the command line (no request),
# and the failures that must count although the request fails.
COMMITTING = {
    ("unit_of_work.py", "commit"): "the request's one commit",
    ("unit_of_work.py", "discard_changes"): "the denials of a request rolled back",
    ("auth/api.py", "create_token"): "a failed sign-in counts against the account",
    ("web/views.py", "login"): "a failed sign-in counts against the account",
    ("portal/views.py", "_signing_in"): "a failed sign-in counts against the account",
    ("timers/operations.py", "tick"): "the clock's run, outside a request",
    ("timers/autorun.py", "claim"): "claiming the clock's minute, after the request",
    ("notifications/digest.py", "send_digests"): "each digest mailed is marked at once",
    ("privacy/operations.py", "run_retention"): "the clock's and the command line's run",
}
CLI = "cli.py"  # command-line commands commit their own work


def functions(tree: ast.Module) -> Iterator[tuple[str, ast.AST]]:
    """(name of the enclosing top-level function, node) of every node of the module."""
    for top in tree.body:
        name = top.name if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef) else ""
        for node in ast.walk(top):
            yield name, node


def commits_in(tree: ast.Module) -> set[str]:
    return {name for name, node in functions(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "commit"
            and ast.unparse(node.func.value).endswith("session")}


def test_no_view_or_command_commits_the_request():
    found = set()
    for path in sorted(APP.rglob("*.py")):
        module = path.relative_to(APP).as_posix()
        if module.endswith(CLI):
            continue
        found |= {(module, name) for name in commits_in(ast.parse(path.read_text()))}
    assert found - set(COMMITTING) == set(), "commit in one place: app.unit_of_work"
    assert set(COMMITTING) <= found, "an allowed commit is gone: take it off the list"


def refusals() -> set[str]:
    """`Refused` and every kind of it defined in the application."""
    bases: dict[str, set[str]] = {}
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {ast.unparse(b).rsplit(".", 1)[-1] for b in node.bases}
    kinds = {"Refused"}
    while grown := {name for name, of in bases.items() if of & kinds} - kinds:
        kinds |= grown
    return kinds


KEEPING_NOTHING = {"show_refusal", "discard_changes", "abort", "not_found"}


def test_every_page_that_catches_a_refusal_keeps_nothing_of_it():
    """A page that answers a refusal itself (the form again, a message and a redirect) says
    so (`show_refusal` or `discard_changes`), or the unit of work would commit what the
    refused command did before it refused."""
    kinds = refusals()
    forgetting = []
    for path in sorted(APP.rglob("*.py")):
        module = path.relative_to(APP).as_posix()
        if not module.endswith(("views.py", "api.py", "pages.py")):
            continue
        tree = ast.parse(path.read_text())
        helpers = {top.name for top in tree.body if isinstance(top, ast.FunctionDef)
                   and called(top) & KEEPING_NOTHING}
        for node in ast.walk(tree):
            if (isinstance(node, ast.ExceptHandler) and node.type is not None
                    and names_of(node.type) & kinds
                    and not called(node) & (KEEPING_NOTHING | helpers)
                    and not any(isinstance(n, ast.Raise) for n in ast.walk(node))):
                forgetting.append(f"{module}:{node.lineno}")
    assert forgetting == [], "\n".join(forgetting)


def names_of(node: ast.AST) -> set[str]:
    return {n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(node)
            if isinstance(n, ast.Name | ast.Attribute)}


def called(node: ast.AST) -> set[str]:
    return {names_of(n.func).pop() if isinstance(n.func, ast.Name) else n.func.attr
            for n in ast.walk(node) if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Name | ast.Attribute)}
