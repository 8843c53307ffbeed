"""Hostile input: schemathesis fuzzes every operation of the app's own OpenAPI document, as
each role, and checks that nothing answers 5xx and that every response (errors included)
conforms to the documented status codes (each one listed, not only `default`), content
types and schemas.

The app runs on a database of its own filled with the demo neighbourhood (real commits,
independent of the rolled-back test transaction): a fresh PostgreSQL database beside the test
database when TEST_DATABASE_URL points there, else a SQLite file. Every role authenticates
with a bearer token of a demo user. Data both fitting the schema (positive) and violating it
(negative). Bounded: a few examples per operation and mode, no shrinking. CI runs the fuzzing
(marked `fuzz`) once, on PostgreSQL; the pinned findings at the end run on both databases.

Hostile values on purpose — lone surrogates, NUL, JSON nested too deeply, dates at the ends of
the calendar with an offset: the fuzzer swaps one value of data fitting the schema for one of
them, and an explicit walk (both databases) sends each into every body field and query
parameter of every operation.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis import checks as st_checks

from tests.scratch import scratch_database

DEMO_PASSWORD = "buurtpad-demo"  # noqa: S105 - demo accounts of a throwaway database
USERS = {
    "flatcoach": "coach@buurtpad.test",
    "professional": "buurtteam@buurtpad.test",
    "privacy_officer": "privacy@buurtpad.test",
    "coordinator": "coordinator@buurtpad.test",
}
# FUZZ_EXPLORE=1: more examples from a random seed (a longer hunt, not for every run).
EXPLORE = os.environ.get("FUZZ_EXPLORE") == "1"
MAX_EXAMPLES = 40 if EXPLORE else 15
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=not EXPLORE,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.data_too_large],
)


def status_code_documented(ctx: Any, response: Any, case: Any) -> None:
    """Stricter than status_code_conformance, which accepts anything when `default` is
    there: every status the app answers is documented on its own (errors included)."""
    documented = {str(code) for code in case.operation.responses.status_codes}
    assert str(response.status_code) in documented, (
        f"{case.operation.label} answered {response.status_code}, documented: "
        f"{sorted(documented)}")


# Not response_headers_conformance: flask-smorest documents X-Pagination with an object
# schema, but sends it as JSON text in the header, which the check reads as a string.
CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_schema_conformance,
    status_code_documented,
]


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from flask_migrate import upgrade

    from app import create_app
    from app.db import db
    from app.demo.operations import fill_demo

    with scratch_database("fuzz", tmp_path_factory.mktemp("fuzz")) as database:
        application = create_app({
            **database,
            "SECRET_KEY": "fuzz-tests-only",
            "TESTING": True,
            "SERVER_NAME": "localhost",
            # Cheap hashing: the demo accounts of a throwaway database.
            "ARGON2_MEMORY_KIB": 1024,
            "ARGON2_TIME_COST": 1,
        })
        with application.app_context():
            upgrade()
            fill_demo(DEMO_PASSWORD)
            db.session.commit()
            db.session.remove()
        try:
            yield application
        finally:
            with application.app_context():
                db.engine.dispose()


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_app: Any) -> Any:
    return schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_app)


def issue_token(app: Any, email: str) -> str:
    from sqlalchemy import select

    from app.auth.models import User
    from app.auth.operations import issue_token as issue
    from app.db import db

    with app.app_context():
        user = db.session.execute(select(User).where(User.email == email)).scalar_one()
        raw, _token = issue(user)
        db.session.commit()
        db.session.remove()
    return raw


@pytest.mark.fuzz
def test_every_operation_is_fuzzed(fuzz_app: Any, fuzz_schema: Any) -> None:
    documented = {(result.ok().method.upper(), result.ok().path)
                  for result in fuzz_schema.get_all_operations()}
    rules = set()
    for rule in fuzz_app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = rule.rule
            for converter in ("uuid:", "int:"):
                path = path.replace(f"<{converter}", "<")
            path = path.replace("<", "{").replace(">", "}")
            rules |= {(method, path) for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}}
    assert rules - documented == set(), "operations missing from the OpenAPI document"


def objects_in_scope(app: Any, email: str) -> dict[str, Any]:
    """Path parameters naming real objects the user may see, so the fuzzer also reaches past
    the 404 of a random id into validation, guards and transitions."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.buildings.scope import buildings_query
    from app.buurtkamer.scope import activities_query
    from app.cases.scope import cases_query
    from app.consent.scope import consents_query
    from app.db import db
    from app.handovers.models import SafetyDisclosure
    from app.handovers.scope import handovers_query
    from app.matches.scope import matches_query
    from app.residents.models import Resident
    from app.residents.scope import residents_query

    def first(query: Any) -> Any:
        row = db.session.execute(query.limit(1)).scalars().first()
        return None if row is None else row.id

    with app.app_context():
        user = db.session.execute(select(User).where(User.email == email)).scalar_one()
        residents = (select(Resident) if user.role == "privacy_officer"
                     else residents_query(user))
        found = {
            "building_id": first(buildings_query(user)),
            "resident_id": first(residents),
            "case_id": first(cases_query(user)),
            "handover_id": first(handovers_query(user)),
            "consent_id": first(consents_query(user)),
            "disclosure_id": first(select(SafetyDisclosure)),
            "match_id": first(matches_query(user)),
            "activity_id": first(activities_query(user)),
            "organization_id": user.organization_id,
            "name": "case",
        }
        db.session.remove()
    return {name: str(value) if not isinstance(value, int) else value
            for name, value in found.items() if value is not None}


def fuzz_operation(app: Any, operation: Any, role: str, token: str,
                   mode: GenerationMode, path_parameters: dict[str, Any] | None = None) -> int:
    """Runs the examples for one operation; returns how many requests were made."""
    calls = 0
    revokes = operation.method.upper() == "DELETE" and operation.path == "/api/v1/auth/token"

    @FUZZ_SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    def run(case: Any) -> None:
        nonlocal calls
        calls += 1
        # Revoking must not end the token the other operations use.
        bearer = issue_token(app, USERS[role]) if revokes else token
        case.call_and_validate(headers={"Authorization": f"Bearer {bearer}"}, checks=CHECKS)

    run()
    return calls


@pytest.mark.fuzz
@pytest.mark.parametrize("role", sorted(USERS))
def test_fuzz_api(role: str, fuzz_app: Any, fuzz_schema: Any) -> None:
    token = issue_token(fuzz_app, USERS[role])
    objects = objects_in_scope(fuzz_app, USERS[role])
    failures: list[str] = []
    started = time.monotonic()
    operations = 0
    runs = requests = 0  # runs: operation x mode (x real ids), each up to MAX_EXAMPLES
    for result in fuzz_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        names = re.findall(r"\{(\w+)\}", operation.path)
        plans: list[tuple[GenerationMode, dict[str, Any] | None]] = [
            (GenerationMode.POSITIVE, None), (GenerationMode.NEGATIVE, None)]
        if names and all(name in objects for name in names):
            real = {name: objects[name] for name in names}
            plans += [(GenerationMode.POSITIVE, real), (GenerationMode.NEGATIVE, real)]
        for mode, path_parameters in plans:
            label = f"{mode}{', real ids' if path_parameters else ''}"
            try:
                requests += fuzz_operation(fuzz_app, operation, role, token, mode,
                                           path_parameters)
                runs += 1
            except (Exception, BaseExceptionGroup) as failure:  # reported together below
                failures.append(f"{operation.method.upper()} {operation.path} ({label}): "
                                f"{failure}")
    elapsed = time.monotonic() - started
    print(f"{role}: {operations} operations, {runs} runs of <={MAX_EXAMPLES} examples, "
          f"{requests} requests in {elapsed:.1f}s")
    assert not failures, f"{role}:\n" + "\n\n".join(failures)


# --- hostile values on purpose: lone surrogates, NUL, deep nesting, the calendar's ends ------

SURROGATES = ["\ud800", "Jan\udfffSmit"]


def _deep(depth: int) -> Any:
    value: Any = "deep"
    for _level in range(depth):
        value = [value]
    return value


# Text no database can store and JSON deeper than any body: refused wherever they are sent.
UNSTORABLE: list[Any] = [*SURROGATES, "a\x00b", ["ok", "\ud800"], {"\ud800": "x"}, _deep(40)]
EXTREME_MOMENTS = ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00",
                   "9999-12-31T23:59:59+05:00", "0001-01-01T00:00:00Z"]
EXTREME_DAYS = ["9999-12-31", "0001-01-01"]
# A URL cannot carry a lone surrogate (it is not UTF-8): query strings get the others.
QUERY_HOSTILE = ["a\x00b", *EXTREME_MOMENTS, *EXTREME_DAYS]
BODY_HOSTILE: list[Any] = [*UNSTORABLE, *EXTREME_MOMENTS, *EXTREME_DAYS]
DATE_FORMATS = {"date-time": EXTREME_MOMENTS, "date": EXTREME_DAYS}


def _is_unstorable(value: Any) -> bool:
    return any(value == item for item in UNSTORABLE)


def _spec_operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any],
                                                             dict[str, Any]]]:
    """(method, path, query parameters, body properties) of every operation; each parameter
    or property maps to its schema."""

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
            query = {p["name"]: p.get("schema", {}) for p in parameters if p["in"] == "query"}
            content = operation.get("requestBody", {}).get("content", {})
            body = resolve(content.get("application/json", {}).get("schema", {}))
            properties = {name: resolve(schema)
                          for name, schema in body.get("properties", {}).items()}
            yield method.upper(), path, query, properties


def assert_answered_in_shape(response: Any, what: Any, refused: bool) -> None:
    """Never 5xx; 4xx when the value can only be refused; every error in the one shape."""
    assert response.status_code < 500, what
    if refused:
        assert 400 <= response.status_code < 500, (what, response.status_code)
    if response.status_code >= 400:
        assert set(response.json) == {"code", "status", "message", "errors"}, what
        assert isinstance(response.json["errors"], dict), what


def _role_for(client: Any, method: str, path: str, tokens: dict[str, str],
              objects: dict[str, dict[str, Any]]) -> tuple[str, str]:
    """The first role that may call the operation, with the path filled with objects in its
    scope (a role it forbids answers 403 before reading any input)."""
    names = re.findall(r"\{(\w+)\}", path)
    for role in ("flatcoach", "privacy_officer", "professional", "coordinator"):
        if not all(name in objects[role] for name in names):
            continue
        url = path.format(**objects[role])
        probe = client.open(url, method=method, json={},
                            headers={"Authorization": f"Bearer {tokens[role]}"})
        if probe.status_code != 403:
            return role, url
    return "flatcoach", re.sub(r"\{\w+\}", "00000000-0000-4000-8000-000000000000", path)


def test_every_field_and_parameter_refuses_hostile_values(fuzz_app: Any) -> None:
    """An explicit walk over the OpenAPI document: each hostile value into each body field and
    each query parameter of every operation, as a role that may call it. Lone surrogates, NUL
    and deep nesting are refused everywhere; the calendar's ends wherever a date is read."""
    client = fuzz_app.test_client()
    spec = client.get("/api/openapi.json").json
    tokens = {role: issue_token(fuzz_app, email) for role, email in USERS.items()}
    objects = {role: objects_in_scope(fuzz_app, email) for role, email in USERS.items()}
    walked = dates = 0
    for method, path, query, properties in _spec_operations(spec):
        if (method, path) == ("DELETE", "/api/v1/auth/token"):
            continue  # reads no input; would end the token the walk goes on with
        role, url = _role_for(client, method, path, tokens, objects)
        headers = {"Authorization": f"Bearer {tokens[role]}"}
        for name, schema in properties.items():
            extreme = DATE_FORMATS.get(schema.get("format") or "", [])
            dates += bool(extreme)
            for value in BODY_HOSTILE:
                response = client.open(url, method=method, json={name: value}, headers=headers)
                walked += 1
                assert_answered_in_shape(response, (role, method, url, name, value),
                                         _is_unstorable(value) or value in extreme)
        for name, schema in query.items():
            extreme = DATE_FORMATS.get(schema.get("format") or "", [])
            dates += bool(extreme)
            for value in QUERY_HOSTILE:
                response = client.open(url, method=method, query_string={name: value},
                                       headers=headers)
                walked += 1
                assert_answered_in_shape(response, (role, method, url, name, value),
                                         value == "a\x00b" or value in extreme)
        if properties:
            for raw in (b"[" * 5000, b'"\\ud800"', b'{"a": "\\udfff"}'):
                response = client.open(url, method=method, data=raw, headers={
                    **headers, "Content-Type": "application/json"})
                assert_answered_in_shape(response, (role, method, url, raw[:20]), True)
    assert walked > 1000 and dates >= 6, (walked, dates)


def _leaves(value: Any) -> list[tuple[Any, Any]]:
    """(container, key) of every value inside a JSON body, at any depth."""
    found: list[tuple[Any, Any]] = []
    stack = [value]
    while stack:
        item = stack.pop()
        pairs = (item.items() if isinstance(item, dict)
                 else enumerate(item) if isinstance(item, list) else ())
        for key, child in pairs:
            found.append((item, key))
            stack.append(child)
    return found


def inject_hostile(case: Any, value: Any, pick: int) -> bool:
    """Puts `value` in one place of a generated case: a body value at any depth, or a query
    parameter (those take no lone surrogate). False when the case has no such place."""
    places = _leaves(case.body) if isinstance(case.body, dict | list) else []
    if isinstance(value, str) and not any(s in value for s in ("\ud800", "\udfff")):
        places += [(case.query, name) for name in (case.query or {})]
    if not places:
        return False
    container, key = places[pick % len(places)]
    container[key] = value
    return True


@pytest.mark.fuzz
@pytest.mark.parametrize("role", sorted(USERS))
def test_fuzz_api_with_hostile_values(role: str, fuzz_app: Any, fuzz_schema: Any) -> None:
    """Data fitting the schema, with one value, anywhere in it, swapped for a hostile one: the
    rest being valid, nothing stops before the value reaches the operation and the database."""
    import hypothesis.strategies as st

    token = issue_token(fuzz_app, USERS[role])
    objects = objects_in_scope(fuzz_app, USERS[role])
    failures: list[str] = []
    requests = 0
    for result in fuzz_schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) == ("DELETE", "/api/v1/auth/token"):
            continue
        names = re.findall(r"\{(\w+)\}", operation.path)
        real = ({name: objects[name] for name in names}
                if names and all(name in objects for name in names) else None)

        @FUZZ_SETTINGS
        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE,
                                          path_parameters=real),
               value=st.sampled_from(BODY_HOSTILE), pick=st.integers(min_value=0))
        def run(case: Any, value: Any, pick: int) -> None:
            nonlocal requests
            if not inject_hostile(case, value, pick):
                return
            requests += 1
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"},
                                   checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as failure:  # reported together below
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")
    print(f"{role}: {requests} requests with a hostile value")
    assert requests > 100
    assert not failures, f"{role}:\n" + "\n\n".join(failures)


# --- what the fuzzer found, pinned on the test database (SQLite and PostgreSQL) ---------------

HUGE = 10**25


def test_huge_ids_and_pages_are_refused_not_crashing(world: Any, as_user: Any) -> None:
    coach = as_user(world.coach)
    officer = as_user(world.privacy_officer)
    for api, url, status in [
        (coach, f"/api/v1/buildings/{HUGE}/dwellings", 404),
        (coach, f"/api/v1/buildings/{2**31}/dwellings", 404),
        (coach, f"/api/v1/visits?building_id={HUGE}", 422),
        (coach, f"/api/v1/cases?page={HUGE}", 200),
        (officer, f"/api/v1/audit/events?actor_id={HUGE}", 422),
        (officer, f"/api/v1/audit/processing-log?page={HUGE}", 200),
    ]:
        response = api.get(url)
        assert response.status_code == status, (url, response.json)
    for url, body in [
        ("/api/v1/visits", {"dwelling_id": HUGE, "outcome": "talked"}),
        ("/api/v1/residents", {"dwelling_id": 2**31, "display_name": "Jan"}),
        (f"/api/v1/residents/{world.resident.id}/consents",
         {"purpose": "warm_handover", "recipient_organization_id": HUGE,
          "data_categories": ["identity"]}),
    ]:
        response = coach.post(url, json=body)
        assert response.status_code == 422, (url, response.json)


def test_malformed_json_keeps_the_error_shape(world: Any, as_user: Any) -> None:
    response = as_user(world.coach).post(
        "/api/v1/cases", data=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert set(response.json) == {"code", "status", "message", "errors"}
    assert isinstance(response.json["errors"], dict)


def test_nul_characters_are_refused_not_crashing(world: Any, as_user: Any, client: Any) -> None:
    """PostgreSQL text cannot hold NUL: refused as invalid input (422) wherever it is sent."""
    coach = as_user(world.coach)
    officer = as_user(world.privacy_officer)
    responses = [
        coach.post("/api/v1/residents", json={"dwelling_id": world.dwelling.id,
                                              "display_name": "Jan\x00Smit"}),
        coach.post("/api/v1/visits", json={"dwelling_id": world.dwelling.id,
                                           "outcome": "talked", "notes": "a\x00b"}),
        coach.get("/api/v1/cases?state=a%00b"),
        officer.get("/api/v1/audit/processing-log?action=a%00b"),
        officer.get("/api/v1/audit/events?object_id=a%00b"),
        client.post("/api/v1/auth/token", json={"email": "a\x00@b.nl", "password": "x"}),
    ]
    for response in responses:
        assert response.status_code == 422, (response.request.url, response.json)
        assert isinstance(response.json["errors"], dict)


def assert_error_shape(response: Any, status: int, field: str | None = None) -> None:
    assert response.status_code == status, (response.request.url, response.json)
    assert set(response.json) == {"code", "status", "message", "errors"}
    assert isinstance(response.json["errors"], dict)
    if field is not None:
        assert field in str(response.json["errors"]), response.json


def test_lone_surrogates_and_deep_json_are_refused_not_crashing(world: Any, as_user: Any,
                                                                client: Any) -> None:
    """A lone surrogate cannot be encoded for any database (422, naming the field); JSON
    nested thousands of levels deep would exhaust the parser's recursion (400)."""
    coach = as_user(world.coach)
    json_type = {"Content-Type": "application/json"}
    for raw, status, field in [
        (b'{"dwelling_id": %d, "display_name": "Jan\\ud800"}' % world.dwelling.id, 422,
         "display_name"),
        (b'{"dwelling_id": %d, "display_name": "Jan", "languages": ["\\udfff"]}'
         % world.dwelling.id, 422, "languages"),
        (b"[" * 100_000 + b"]" * 100_000, 400, None),
        (b'{"a":' * 5000 + b"1" + b"}" * 5000, 400, None),
        (b'{"dwelling_id": %d, "display_name": %s}' % (world.dwelling.id,
                                                      b"[" * 40 + b"]" * 40), 400, None),
    ]:
        assert_error_shape(coach.post("/api/v1/residents", data=raw, headers=json_type),
                           status, field)
    assert_error_shape(client.post("/api/v1/auth/token", data=b'{"email": "a\\ud800@b.nl", '
                                   b'"password": "x"}', headers=json_type), 422, "email")


EXTREMES = ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00",
            "9999-12-31T23:59:59+05:00", "0001-01-01T00:00:00Z", "1899-12-31T23:59:59Z",
            "3000-01-01T00:00:00+01:00"]


@pytest.mark.parametrize("moment", EXTREMES)
def test_dates_at_the_ends_of_the_calendar_are_refused_not_crashing(world: Any, as_user: Any,
                                                                    moment: str) -> None:
    from app.db import db
    from tests import factories

    officer = as_user(world.privacy_officer)
    for url in ("/api/v1/audit/processing-log", "/api/v1/audit/events"):
        for name in ("from", "to"):
            response = officer.get(url, query_string={name: moment})
            assert_error_shape(response, 422, name)
    case = factories.create_formulated_case(world.resident, world.coach)
    handover = factories.create_handover(case, world.coach, world.buurtteam, state="accepted",
                                         professional=world.professional)
    db.session.commit()
    response = as_user(world.coach).post(
        f"/api/v1/handovers/{handover.id}/transitions",
        json={"trigger": "schedule_intro", "version": handover.version, "intro_at": moment,
              "place": "Buurtkamer"})
    assert_error_shape(response, 422, "intro_at")
