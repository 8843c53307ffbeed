"""The rules every input meets before a schema or a form looks at it (`app.input_rules`), and
the one range of dates the API and the pages share (`app.validation`): odd input is refused
with 4xx, never carried to the database driver or to time-zone arithmetic that raises."""

from __future__ import annotations

import json
from datetime import UTC, date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from marshmallow import Schema, ValidationError, fields
from wtforms.fields.core import UnboundField

from app.input_rules import MAX_JSON_DEPTH, JSONTooDeep, loads, unstorable, unstorable_fields
from app.validation import PlausibleDate, PlausibleDateTime
from app.web.formkit import LocalDateTimeField
from app.web.formkit import PlausibleDate as PlausibleDateValidator


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_as_deep_as_allowed_is_read():
    deepest: list[Any] = []
    for _level in range(MAX_JSON_DEPTH - 1):
        deepest = [deepest]
    assert loads(nested(MAX_JSON_DEPTH)) == deepest
    assert loads('{"a": [{"b": [1, 2]}]}') == {"a": [{"b": [1, 2]}]}


@pytest.mark.parametrize("text", [nested(MAX_JSON_DEPTH + 1), nested(5000), nested(200_000),
                                  '{"a":' * 40 + "1" + "}" * 40,
                                  "[" * 100_000])  # unclosed: refused for depth, not syntax
def test_json_nested_too_deeply_is_refused(text):
    with pytest.raises(JSONTooDeep):
        loads(text)
    assert isinstance(JSONTooDeep(), json.JSONDecodeError)  # what every JSON reader catches


NUL_FOUND = "The input contains a NUL character."
SURROGATE_FOUND = ("The input contains a lone surrogate, which is not a character: send text "
                   "as valid Unicode.")


@pytest.mark.parametrize(("value", "reason"), [
    ("\ud800", SURROGATE_FOUND), ("a\udfffb", SURROGATE_FOUND), ("a\x00b", NUL_FOUND),
    (["ok", "\ud800"], SURROGATE_FOUND), ({"key": {"nested": ["\x00"]}}, NUL_FOUND),
    ({"\ud800": 1}, SURROGATE_FOUND), (("x", "\udc00"), SURROGATE_FOUND)])
def test_text_no_database_can_store_is_found_anywhere(value, reason):
    assert unstorable(value) == reason


@pytest.mark.parametrize("value", ["", "Fatima El Amrani", "😀 ü ß", "\ufffd", ["a", {"b": 1}],
                                   None, 3, {"a": [1.5, True]}])
def test_ordinary_text_is_storable(value):
    assert unstorable(value) is None


def test_unstorable_input_is_named_per_field():
    errors = unstorable_fields({"display_name": "Jan\ud800", "phone": "06", "notes": "a\x00"})
    assert set(errors) == {"display_name", "notes"}
    assert unstorable_fields({"\ud800": "x"}) == {"_schema": [unstorable("\ud800")]}
    assert unstorable_fields(["\ud800"]) == {"_schema": [unstorable("\ud800")]}


class Moments(Schema):
    at = PlausibleDateTime()
    day = PlausibleDate()


@pytest.mark.parametrize(("value", "hours"), [("1900-01-01T00:00:00+05:00", 5),
                                              ("2999-12-31T23:59:59-05:00", -5),
                                              ("2026-03-02T19:30:00+01:00", 1),
                                              ("2026-03-02T18:30:00Z", 0)])
def test_moments_within_the_range_are_read_with_their_offset(value, hours):
    moment = Moments().load({"at": value})["at"]
    assert moment.utcoffset() == timedelta(hours=hours)
    assert moment.isoformat() == value.replace("Z", "+00:00")
    moment.astimezone(UTC)  # never overflows


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00",
                                   "9999-12-31T23:59:59+05:00", "0001-01-01T00:00:00Z",
                                   "1899-12-31T23:59:59+00:00", "3000-01-01T00:00:00+00:00",
                                   "2026-03-02T19:30:00", "2026-03-02", "tomorrow", ""])
def test_moments_outside_the_range_or_without_offset_are_refused(value):
    with pytest.raises(ValidationError) as refused:
        Moments().load({"at": value})
    assert set(refused.value.messages) == {"at"}


@pytest.mark.parametrize("value,ok", [("1900-01-01", True), ("2999-12-31", True),
                                      ("1899-12-31", False), ("3000-01-01", False),
                                      ("0001-01-01", False), ("9999-12-31", False)])
def test_days_share_the_range(value, ok):
    if ok:
        assert isinstance(Moments().load({"day": value})["day"], date)
    else:
        with pytest.raises(ValidationError):
            Moments().load({"day": value})


# --- every date the app reads is one of these ----------------------------------------------

def _input_schemas(app: Flask) -> list[Any]:
    """The argument schemas (bodies, query strings) of every API operation."""
    schemas = []
    for view in app.view_functions.values():
        handlers = [view]
        view_class = getattr(view, "view_class", None)
        if view_class is not None:
            handlers = [getattr(view_class, method.lower()) for method in view_class.methods]
        for handler in handlers:
            arguments = getattr(handler, "_apidoc", {}).get("arguments", {})
            schemas += [parameter["schema"] for parameter in arguments.get("parameters", [])]
    return schemas


def _date_fields(schema: Any, prefix: str = "") -> list[tuple[str, fields.Field]]:
    schema = schema() if isinstance(schema, type) else schema
    found = []
    for name, field in schema.load_fields.items():
        inner = field
        while isinstance(inner, fields.List):
            inner = inner.inner
        if isinstance(inner, fields.Nested):
            found += _date_fields(inner.schema, f"{prefix}{name}.")
        elif isinstance(inner, fields.DateTime | fields.Date | fields.Time):
            found.append((f"{type(schema).__name__}.{prefix}{name}", inner))
    return found


def test_every_date_the_api_reads_has_the_plausible_range(app):
    schemas = _input_schemas(app)
    assert len(schemas) > 20
    found = [item for schema in schemas for item in _date_fields(schema)]
    assert {"ProcessingLogQuerySchema.from", "TransitionRequestSchema.intro_at"} <= {
        name.replace("from_", "from") for name, _field in found}
    stray = [name for name, field in found
             if not isinstance(field, PlausibleDateTime | PlausibleDate)]
    assert not stray, "use app.validation.PlausibleDateTime / PlausibleDate: " + ", ".join(stray)


def _form_classes() -> list[type[FlaskForm]]:
    found, todo = [], [FlaskForm]
    while todo:
        for subclass in todo.pop().__subclasses__():
            found.append(subclass)
            todo.append(subclass)
    return found


def test_every_date_a_page_reads_has_the_plausible_range(app):
    stray, seen = [], 0
    for form in _form_classes():
        for name in dir(form):
            unbound = getattr(form, name, None)
            if not isinstance(unbound, UnboundField) or "Date" not in unbound.field_class.__name__:
                continue
            seen += 1
            validators = unbound.kwargs.get("validators") or (unbound.args[1:2] or [[]])[0]
            if not (issubclass(unbound.field_class, LocalDateTimeField)
                    or any(isinstance(v, PlausibleDateValidator) for v in validators)):
                stray.append(f"{form.__module__}.{form.__name__}.{name}")
    assert seen >= 4
    assert not stray, "use LocalDateTimeField or the PlausibleDate validator: " + ", ".join(stray)


def test_a_page_date_and_an_api_date_share_the_range():
    from app.validation import plausible_year

    assert [plausible_year(y) for y in (1, 1899, 1900, 2999, 3000, 9999)] == [
        False, False, True, True, False, False]


def test_no_route_takes_an_integer_id_a_database_column_cannot_hold(app, as_user, world):
    """Every `<int:…>` path parameter stops at the largest 32-bit id: a bigger one is not
    found (404, the one error shape), never a database error."""
    import re

    from werkzeug.routing import IntegerConverter

    from app.validation import ID_MAX

    rules = [rule for rule in app.url_map.iter_rules()
             if any(isinstance(c, IntegerConverter) for c in rule._converters.values())]
    assert len(rules) >= 10
    api = as_user(world.coordinator)
    for rule in rules:
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for huge in (ID_MAX + 1, 2**63):
                url = rule.rule
                for name, converter in rule._converters.items():
                    text = re.search(rf"<([^<>]+):{name}>", rule.rule).group(1)
                    value = (str(huge) if isinstance(converter, IntegerConverter)
                             else "00000000-0000-0000-0000-000000000000")
                    url = url.replace(f"<{text}:{name}>", value)
                response = api.request(method, url, json={})
                assert response.status_code == 404, (method, url, response.status_code)
                if url.startswith("/api/"):
                    assert set(response.json) == {"code", "status", "message", "errors"}
