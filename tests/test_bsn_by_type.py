"""No user-typed string reaches the database or a log with a BSN in it — by type.

These tests walk the mechanism rather than examples: every schema an API endpoint loads,
every string field in it at any depth of a list, every page form and every field of it that
holds a string. A new schema or form that bypasses the shared types fails here."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import pytest
from marshmallow import Schema, ValidationError, fields
from werkzeug.datastructures import MultiDict
from wtforms.fields.core import Field

import app as app_package
from app.validation import BSN_MESSAGE, InputSchema, Secret, dutch_phone
from app.web.formkit import FilterForm, Form

BSN = "111222333"
TEXT_WITH_BSN = f"Haar nummer is {BSN}, schreef ze op"


def _import_every_module() -> None:
    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        importlib.import_module(module.name)


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def _argument_schemas(application: Any) -> list[tuple[str, Any]]:
    schemas = []
    for endpoint, view in application.view_functions.items():
        for parameter in getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", []):
            schemas.append((endpoint, parameter["schema"]))
    return schemas


def test_every_endpoint_loads_its_input_through_an_input_schema(app):
    schemas = _argument_schemas(app)
    assert len(schemas) >= 25
    outside = [endpoint for endpoint, schema in schemas
               if not (isinstance(schema, InputSchema)
                       or (isinstance(schema, type) and issubclass(schema, InputSchema)))]
    assert outside == []


def _input_schemas() -> list[type[Schema]]:
    _import_every_module()
    return sorted({cls for cls in _subclasses(InputSchema) if cls.__module__.startswith("app.")},
                  key=lambda cls: f"{cls.__module__}.{cls.__name__}")


def _string_fields(schema: Schema) -> list[tuple[str, fields.Field]]:
    """(key in the input, field) for each field that loads strings; UUIDs are ids."""
    found = []
    for field in schema.load_fields.values():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.String) and not isinstance(inner, fields.UUID):
            found.append((field.data_key or field.name, field))
    return found


def _schema_cases() -> list[Any]:
    cases = []
    for cls in _input_schemas():
        for key, field in _string_fields(cls()):
            cases.append(pytest.param(cls, key, field, id=f"{cls.__name__}.{key}"))
    return cases


@pytest.mark.parametrize(("schema_class", "key", "field"), _schema_cases())
def test_every_string_of_every_input_schema_refuses_a_bsn(app, schema_class, key, field):
    value: Any = [TEXT_WITH_BSN] if isinstance(field, fields.List) else TEXT_WITH_BSN
    with app.test_request_context():
        if isinstance(field, Secret):
            messages = _load_errors(schema_class(), {key: value})
            assert str(BSN_MESSAGE) not in messages.get(key, [])
            return
        messages = _load_errors(schema_class(), {key: value})
    assert messages.get(key) == [str(BSN_MESSAGE)]


def test_the_walk_over_input_schemas_finds_the_known_free_text():
    keys = {(cls.__name__, key) for cls in _input_schemas() for key, _f in _string_fields(cls())}
    for expected in [("TransitionRequestSchema", "notice_version"),
                     ("TransitionRequestSchema", "reason"),
                     ("ReviewConcludeSchema", "finding"),
                     ("ResidentCreateSchema", "phone"),
                     ("ResidentCreateSchema", "languages"),
                     ("ProcessingLogQuerySchema", "action"),
                     ("AuditEventQuerySchema", "object_id")]:
        assert expected in keys


def _load_errors(schema: Schema, data: dict[str, Any]) -> dict[str, list[str]]:
    try:
        schema.load(data, partial=True)
    except ValidationError as error:
        return {k: v for k, v in error.normalized_messages().items() if isinstance(v, list)}
    return {}


def test_a_uuid_is_never_taken_for_a_bsn(app):
    """A server-made id whose first group happens to pass the eleven-test stays an id."""
    from app.audit.schemas import AuditEventQuerySchema

    with app.test_request_context():
        loaded = AuditEventQuerySchema().load({"object_id": "12345672-abcd-4bcd-8bcd-0123456789ab"})
    assert loaded["object_id"] == "12345672-abcd-4bcd-8bcd-0123456789ab"


# -- page forms -------------------------------------------------------------------------------

def _form_classes() -> list[type]:
    from flask_wtf import FlaskForm

    _import_every_module()
    return sorted({cls for cls in _subclasses(FlaskForm) if cls.__module__.startswith("app.")},
                  key=lambda cls: f"{cls.__module__}.{cls.__name__}")


def test_every_page_form_is_a_form_that_refuses_bsns():
    forms = _form_classes()
    assert len(forms) >= 20
    assert [cls.__name__ for cls in forms if not issubclass(cls, Form)] == []


def _build(cls: type) -> Any:
    """The form as its view makes it from the request (lists of choices left empty)."""
    positional = [p for p in list(inspect.signature(cls.__init__).parameters.values())[1:]
                  if p.default is inspect.Parameter.empty
                  and p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    return cls(*([[]] * len(positional)))


def _request_with(app: Any, cls: type, data: list[tuple[str, str]]) -> Any:
    if issubclass(cls, FilterForm):
        return app.test_request_context(query_string=data)
    return app.test_request_context(method="POST", data=MultiDict(data))


def _string_form_fields(form: Any) -> list[Field]:
    return [field for field in form
            if field.type not in {"CSRFTokenField", "PasswordField", "BooleanField",
                                  "IntegerField", "HiddenIntegerField", "DateField",
                                  "DateTimeLocalField", "LocalDateTimeField"}]


def _form_cases() -> list[Any]:
    return [pytest.param(cls, id=f"{cls.__module__}.{cls.__name__}") for cls in _form_classes()]


@pytest.mark.parametrize("form_class", _form_cases())
def test_every_string_field_of_every_page_form_refuses_a_bsn(app, form_class):
    """Each field that still holds the typed text after processing it refuses it."""
    with app.test_request_context(method="POST"):
        names = [field.name for field in _string_form_fields(_build(form_class))]
    with _request_with(app, form_class, [(name, TEXT_WITH_BSN) for name in names]):
        form = _build(form_class)
        holding = {field.name for field in form if _holds(field.data)} - {"csrf_token"}
        form.validate()
        refused = {field.name for field in form if str(BSN_MESSAGE) in field.errors}
    assert refused == holding


def _holds(data: Any) -> bool:
    values = data if isinstance(data, list) else [data]
    return any(isinstance(value, str) and BSN in value for value in values)


def test_a_password_is_the_one_string_a_form_leaves_alone(app):
    from app.web.forms import LoginForm

    with app.test_request_context(method="POST"):
        form = LoginForm(formdata=MultiDict({"email": "coach@buurtpad.test",
                                             "password": BSN}))
        assert form.validate()


# -- phone numbers ------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "stored"), [
    ("0612345678", "0612345678"),
    ("06-12345678", "0612345678"),
    ("06 1234 5678", "0612345678"),
    ("030 123 45 67", "0301234567"),
    ("+31 6 12345678", "+31612345678"),
    ("0031 6 1234 5678", "0031612345678"),
    ("(030) 123 45 67", "0301234567"),
])
def test_a_dutch_phone_number_is_accepted_and_stored_without_separators(typed, stored):
    assert dutch_phone(typed) == stored


@pytest.mark.parametrize("typed", [
    BSN, "123456782", "061234567", "06123456789", "0012345678", "+32 6 12345678",
    "+31 06 12345678", "06-1234567x", "", "0612345678; drop", "ABCDEFGHIJ",
])
def test_anything_else_is_not_a_phone_number(typed):
    assert dutch_phone(typed) is None


def test_the_api_refuses_nine_digits_as_a_phone_number(api, world):
    response = api.login(world.coach).post("/api/v1/residents", json={
        "dwelling_id": world.resident.dwelling_id, "display_name": "Mevrouw Test",
        "phone": BSN})
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["phone"]


# -- the logs themselves ------------------------------------------------------------------------

def test_no_log_entry_can_carry_a_bsn_whatever_path_it_took(ctx, world):
    """The chain refuses a BSN in any typed value of any log, nested or not; nothing is
    appended."""
    from app.audit import chain
    from app.audit.models import AuditEvent, ProcessingLogEntry
    from app.db import db
    from policies.errors import BsnNotAllowed

    before = {model: db.session.query(model).count()
              for model in (AuditEvent, ProcessingLogEntry)}
    hostile = [
        AuditEvent(event_type="log_exported", details={"filters": {"state": TEXT_WITH_BSN}}),
        AuditEvent(event_type="transition", details={"notice_version": BSN}),
        AuditEvent(event_type="transition", object_id=BSN),
        # a field hashed only when set is kept for good just the same
        ProcessingLogEntry(action="offer_handover", processing_activity="warm_handover",
                           decision="allowed", confidentiality="normal", reasons=[],
                           categories=[], convenant_version=BSN),
        ProcessingLogEntry(action="read", processing_activity="warm_handover", decision="allowed",
                           confidentiality="normal", reasons=[TEXT_WITH_BSN], categories=[]),
    ]
    for entry in hostile:
        with pytest.raises(BsnNotAllowed):
            chain.append(entry)
    assert {model: db.session.query(model).count()
            for model in (AuditEvent, ProcessingLogEntry)} == before


def test_digests_and_ids_in_a_log_entry_are_not_taken_for_bsns(ctx, world):
    from app.audit import chain
    from app.audit.models import AuditEvent

    entry = chain.append(AuditEvent(event_type="transition", details={
        "reason_sha256": "0123456782" + "a" * 54, "resident_id":
        "12345672-abcd-4bcd-8bcd-0123456789ab"}))
    assert entry.seq >= 1


def test_a_bsn_in_a_filter_never_reaches_the_export_log(http_app, world):
    from app.audit.models import AuditEvent
    from app.db import db
    from tests.web import login

    response = login(http_app, world.privacy_officer).get(f"/privacy/consents.csv?state={BSN}&purpose=warm_handover")
    assert response.status_code == 200
    exported = db.session.query(AuditEvent).filter_by(event_type="log_exported").all()
    assert [e.details["filters"] for e in exported] == [{"purpose": "warm_handover"}]


def test_ids_quoted_in_a_policy_reason_are_not_taken_for_bsns():
    from app.validation import holds_bsn

    # The UUID's groups "8479-43343…" line up as nine digits passing the eleven-test.
    reason = ("consent 7eb6fbfb-8482-41fc-8479-43343e2dcce8 covers purpose warm_handover "
              "for organisation 3 until 2027-12-06T11:17:26.680667+00:00")
    assert holds_bsn(reason.replace("7eb6fbfb-8482-41fc-", "")) is True
    assert holds_bsn(reason) is False
