"""Races on a real PostgreSQL: requests that commit for real, from threads, at the same moment.

The same trigger fired eight times on the same version changes the case once (optimistic
locking); appends to the hash-chained audit log from many threads never fork the chain. The logs
are append-only on PostgreSQL, so assertions about them are relative to what was there before;
everything else the tests create is deleted afterwards.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import delete, func, select

from app.audit import chain
from app.audit.models import AuditEvent, ProcessingLogEntry
from app.auth.models import ApiToken, LoginThrottle, User
from app.auth.throttle import account_key, address_key
from app.buildings.models import Building, CoachAssignment
from app.cases.models import Case
from app.db import db
from app.insight.models import InsightCount
from app.residents.models import Resident
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.real_commits]

THREADS = 8
LOGINS_PER_THREAD = 20


@dataclass(frozen=True)
class Coach:
    id: int
    email: str


@dataclass
class Neighbourhood:
    """Committed test data, removed again (in reverse order) by `remove`."""

    coaches: list[Coach] = field(default_factory=list)
    resident_id: Any = None
    created: list[tuple[type, Any]] = field(default_factory=list)

    def add(self, obj: Any) -> Any:
        self.created.append((type(obj), obj.id))
        return obj

    def remove(self) -> None:
        db.session.rollback()
        user_ids = [c.id for c in self.coaches]
        db.session.execute(delete(ApiToken).where(ApiToken.user_id.in_(user_ids)))
        keys = [account_key(c.email) for c in self.coaches] + [address_key("127.0.0.1")]
        db.session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))
        db.session.execute(delete(CoachAssignment).where(CoachAssignment.user_id.in_(user_ids)))
        for model, object_id in reversed(self.created):
            if model is Building:  # and neighbourhood insight's counts of it
                db.session.execute(delete(InsightCount).where(
                    InsightCount.building_id == object_id))
            db.session.execute(delete(model).where(model.id == object_id))
        db.session.commit()


@pytest.fixture
def neighbourhood(app) -> Iterator[Neighbourhood]:
    with app.app_context():
        made = Neighbourhood()
        # Cases and chains only: the organisation shares with no one, so joins no convenant.
        organization = made.add(factories.create_organization(kind="welzijn", party=False))
        hood = made.add(factories.create_neighbourhood())
        users = [made.add(factories.create_user("flatcoach", organization))
                 for _ in range(THREADS)]
        # These logins exercise the audit chain, not password hashing: a cheap hash (its
        # parameters travel with it) keeps 160 logins quick.
        cheap = PasswordHasher(memory_cost=64, time_cost=1, parallelism=1).hash(factories.PASSWORD)
        for user in users:
            user.password_hash = cheap
        made.coaches = [Coach(u.id, u.email) for u in users]
        building = made.add(factories.create_building(users[0], neighbourhood=hood))
        dwelling = made.add(factories.create_dwelling(building))
        made.resident_id = made.add(factories.create_resident(dwelling)).id
        db.session.commit()
        try:
            yield made
        finally:
            made.remove()


def run_together(work) -> list[Any]:
    """Run `work(i)` in THREADS threads released at the same moment; return the results."""
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            results[i] = work(i, barrier)
        except BaseException as error:  # noqa: BLE001 - reported to the test below
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def login(http_app, coach: Coach) -> Any:
    client = http_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/api/v1/auth/token",
                           json={"email": coach.email, "password": factories.PASSWORD})
    assert response.status_code == 201, response.json
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {response.json['token']}"
    return client


def transition_count(object_id) -> int:
    return db.session.execute(
        select(func.count()).select_from(AuditEvent)
        .where(AuditEvent.event_type == "transition", AuditEvent.object_id == str(object_id))
    ).scalar_one()


def test_the_same_trigger_at_the_same_moment_changes_the_case_once(app, http_app, neighbourhood):
    with app.app_context():
        coach = db.session.get(User, neighbourhood.coaches[0].id)
        resident = db.session.get(Resident, neighbourhood.resident_id)
        case = neighbourhood.add(factories.create_case(resident, coach, "exploring"))
        db.session.commit()
        case_id, version = case.id, case.version
        transitions_before = transition_count(case_id)
    clients = [login(http_app, neighbourhood.coaches[0]) for _ in range(THREADS)]

    def fire(i: int, barrier: threading.Barrier) -> tuple[int, dict[str, Any]]:
        barrier.wait(timeout=30)
        response = clients[i].post(f"/api/v1/cases/{case_id}/transitions", json={
            "trigger": "pause", "version": version, "reason": "Tegelijk op pauze gezet."})
        return response.status_code, response.json

    results = run_together(fire)

    statuses = Counter(status for status, _body in results)
    assert statuses == {200: 1, 409: THREADS - 1}, results
    for status, body in results:
        if status == 409:
            assert body["errors"] == {"version": ["Stale version: reload and try again."]}
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert (case.state, case.version) == ("paused", version + 1)
        assert transition_count(case_id) == transitions_before + 1
        assert chain.verify(AuditEvent).valid
        assert chain.verify(ProcessingLogEntry).valid


def test_concurrent_appends_never_fork_the_audit_chain(app, http_app, neighbourhood):
    with app.app_context():
        last_seq_before = db.session.execute(
            select(func.coalesce(func.max(AuditEvent.seq), 0))).scalar_one()

    coaches = neighbourhood.coaches

    def log_in_repeatedly(i: int, barrier: threading.Barrier) -> list[int]:
        client = http_app.test_client()
        barrier.wait(timeout=30)
        statuses = []
        for _ in range(LOGINS_PER_THREAD):
            response = client.post("/api/v1/auth/token", json={
                "email": coaches[i].email, "password": factories.PASSWORD})
            statuses.append(response.status_code)
        return statuses

    results = run_together(log_in_repeatedly)
    assert all(status == 201 for statuses in results for status in statuses), results

    with app.app_context():
        new_events = db.session.execute(
            select(AuditEvent).where(AuditEvent.seq > last_seq_before).order_by(AuditEvent.seq)
        ).scalars().all()
        logins = Counter(e.actor_id for e in new_events if e.event_type == "login_succeeded")
        assert logins == {coach.id: LOGINS_PER_THREAD for coach in coaches}
        # Contiguous, each linked to the one before: no gap, no fork.
        assert [e.seq for e in new_events] == list(
            range(last_seq_before + 1, last_seq_before + len(new_events) + 1))
        previous = db.session.execute(
            select(AuditEvent.hash).where(AuditEvent.seq == last_seq_before)
        ).scalar_one_or_none() or chain.GENESIS_HASH
        for event in new_events:
            assert event.prev_hash == previous
            previous = event.hash
        result = chain.verify(AuditEvent)
        assert (result.valid, result.first_invalid) == (True, None)


def test_two_cases_for_one_resident_at_the_same_moment_open_one(app, http_app, neighbourhood):
    clients = [login(http_app, neighbourhood.coaches[0]) for _ in range(THREADS)]

    def open_case(i: int, barrier: threading.Barrier) -> int:
        barrier.wait(timeout=30)
        return clients[i].post("/api/v1/cases",
                               json={"resident_id": str(neighbourhood.resident_id)}).status_code

    results = run_together(open_case)

    with app.app_context():
        cases = db.session.execute(
            select(Case).where(Case.resident_id == neighbourhood.resident_id)).scalars().all()
        for case in cases:
            neighbourhood.add(case)
    assert Counter(results) == {201: 1, 422: THREADS - 1}, results
    assert len(cases) == 1
