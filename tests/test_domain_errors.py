"""Operations refuse with domain errors (`app.errors`), never with HTTP exceptions: the API
answers every refusal in its one error shape, with the refusal's status, message and
`errors`; the pages show it on the form or as a message; and no view or endpoint catches an
HTTP exception to learn what an operation refused."""

from __future__ import annotations

import ast
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from wtforms import Form, StringField

from app.buurtkamer.models import Activity
from app.db import db, utcnow
from app.errors import NotFound, Refused, StaleVersion
from app.web.pages import show_refusal
from tests import factories
from tests.web import login, text
from tests.writes import nothing_written

APP = Path(__file__).resolve().parent.parent / "app"
# The two places that turn an HTTP exception into an answer: the API's error shape, and the
# error page.
ERROR_ANSWERERS = {"api_base.py", "web/errors.py"}


def modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(APP.rglob("*.py")):
        yield path.relative_to(APP).as_posix(), ast.parse(path.read_text(), str(path))


def names_in(node: ast.AST | None) -> set[str]:
    if node is None:
        return set()
    return {n.id if isinstance(n, ast.Name) else n.attr
            for n in ast.walk(node) if isinstance(n, ast.Name | ast.Attribute)}


def test_no_module_catches_an_http_exception():
    catching = [f"{name}:{handler.lineno}" for name, tree in modules()
                for handler in ast.walk(tree)
                if isinstance(handler, ast.ExceptHandler)
                and "HTTPException" in names_in(handler.type)]
    assert catching == []


def test_only_the_error_answerers_know_http_exceptions():
    knowing = [name for name, tree in modules() if name not in ERROR_ANSWERERS
               and any((isinstance(node, ast.alias) and node.name.endswith("HTTPException"))
                       or "HTTPException" in names_in(node)
                       for node in ast.walk(tree) if isinstance(node, ast.alias | ast.expr))]
    assert knowing == []


def test_operations_refuse_and_never_abort():
    aborting = [name for name, tree in modules()
                if name.endswith("operations.py") or name.startswith("lifecycle/")
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and any(a.name == "abort" for a in node.names)]
    assert aborting == []


# --- the API --------------------------------------------------------------------------------

def raising(error: type[Exception] | Exception) -> Any:
    def operation(*_args: Any, **_kwargs: Any) -> Any:
        raise error

    return operation


@pytest.fixture
def coach(as_user, world):
    api = as_user(world.coach)
    api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return api


def plan(world: Any, **overrides: Any) -> dict[str, Any]:
    from datetime import timedelta

    return {"building_id": world.building.id, "title": "Koffieochtend", "theme": "meeting",
            "starts_at": (utcnow() + timedelta(days=3)).isoformat(),
            "place": "Buurtkamer, begane grond", **overrides}


def test_the_api_answers_an_operations_refusal_in_the_one_error_shape(coach, world):
    with nothing_written():
        response = coach.post("/api/v1/activities",
                              json=plan(world, organising_coach_id=world.other_coach.id))

    assert response.status_code == 422
    assert response.json == {
        "code": 422, "status": "Unprocessable Entity",
        "message": "The organising coach must be a flatcoach of this building.",
        "errors": {"organising_coach_id": [
            "The organising coach must be a flatcoach of this building."]}}


def test_a_refusal_is_answered_with_its_own_status_and_errors(coach, world, monkeypatch):
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        db.session.add(Activity(building_id=world.building.id, title="Nooit",
                                theme="meeting", starts_at=utcnow(), place="Nergens",
                                created_by_id=world.coach.id))
        db.session.flush()
        raise Refused("Not now.", status=403, errors={"title": ["Not now."], "why": ["x"]})

    monkeypatch.setattr("app.buurtkamer.api.plan_activity", refuse)
    with nothing_written():  # what the operation flushed is not kept
        response = coach.post("/api/v1/activities", json=plan(world))

    assert response.status_code == 403
    assert response.json == {"code": 403, "status": "Forbidden", "message": "Not now.",
                             "errors": {"title": ["Not now."], "why": ["x"]}}
    assert db.session.execute(select(func.count(Activity.id))).scalar_one() == 0


def test_not_found_is_answered_as_anything_outside_the_callers_scope(coach, world,
                                                                      monkeypatch):
    outside = coach.get(f"/api/v1/cases/{uuid.uuid4()}")
    monkeypatch.setattr("app.buurtkamer.api.plan_activity", raising(NotFound))
    response = coach.post("/api/v1/activities", json=plan(world))

    assert response.status_code == outside.status_code == 404
    assert response.json == outside.json == {"code": 404, "status": "Not Found",
                                             "message": "Not found.", "errors": {}}


def test_a_stale_version_is_answered_as_a_stale_transition(coach, world, monkeypatch):
    case = factories.create_case(world.resident, world.coach, "contacted")
    db.session.commit()
    stale = coach.post(f"/api/v1/cases/{case.id}/transitions",
                       json={"trigger": "start_exploring", "version": case.version + 1})
    monkeypatch.setattr("app.buurtkamer.api.plan_activity", raising(StaleVersion))
    response = coach.post("/api/v1/activities", json=plan(world))

    assert response.status_code == stale.status_code == 409
    assert response.json == stale.json == {
        "code": 409, "status": "Conflict",
        "message": "Someone else changed this in the meantime. Reload it and try again.",
        "errors": {"version": ["Stale version: reload and try again."]}}


def test_a_trigger_the_workflow_refuses_names_the_input_and_what_is_possible_now(coach, world):
    case = factories.create_case(world.resident, world.coach, "contacted")
    db.session.commit()
    response = coach.post(f"/api/v1/cases/{case.id}/transitions",
                          json={"trigger": "close", "version": case.version})

    assert response.status_code == 422
    message = "'outcome' is missing or invalid for 'close': 'outcome' is required for 'close'."
    assert response.json == {
        "code": 422, "status": "Unprocessable Entity", "message": message,
        "errors": {"outcome": [message], "allowed_triggers": ["start_exploring", "pause", "close"]}}


# --- the pages ------------------------------------------------------------------------------

def test_a_page_shows_an_operations_refusal(http_app, world, monkeypatch):
    from app.cases.operations import set_help_question

    case = factories.create_case(world.resident, world.coach, "exploring")
    set_help_question(world.coach, case, factories.HELP_QUESTION)
    db.session.commit()

    monkeypatch.setattr("app.cases.views.mark_question_ready",
                        raising(Refused("Deze stap kan nu niet.")))
    response = login(http_app, world.coach).post(
        f"/cases/{case.id}/question-ready",
        data={"trigger": "formulate_question", "version": case.version})

    assert response.status_code == 422
    assert "Deze stap kan nu niet." in text(response)


class NameForm(Form):
    name = StringField()


@pytest.mark.parametrize(("refused", "under_name", "above"), [
    (Refused("Taken.", field="name"), ["Taken."], []),
    (Refused("Not now.", field="trigger"), [], ["Not now."]),
    (Refused("Not now."), [], ["Not now."]),
])
def test_a_refusal_is_shown_under_the_input_it_names_or_above_the_form(
        ctx, refused, under_name, above):
    form = NameForm()
    show_refusal(refused, form)
    assert list(form.name.errors) == under_name
    assert form.form_errors == above
