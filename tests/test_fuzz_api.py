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

    from app.auth import scope
    from app.auth.models import User
    from app.db import db
    from app.handovers.models import SafetyDisclosure
    from app.residents.models import Resident

    def first(query: Any) -> Any:
        row = db.session.execute(query.limit(1)).scalars().first()
        return None if row is None else row.id

    with app.app_context():
        user = db.session.execute(select(User).where(User.email == email)).scalar_one()
        residents = (select(Resident) if user.role == "privacy_officer"
                     else scope.residents_query(user))
        found = {
            "building_id": first(scope.buildings_query(user)),
            "resident_id": first(residents),
            "case_id": first(scope.cases_query(user)),
            "handover_id": first(scope.handovers_query(user)),
            "consent_id": first(scope.consents_query(user)),
            "disclosure_id": first(select(SafetyDisclosure)),
            "match_id": first(scope.matches_query(user)),
            "activity_id": first(scope.activities_query(user)),
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
