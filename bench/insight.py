"""Neighbourhood insight at scale: the whole dashboard — `app.insight.operations.view_insight`,
the operation `GET /api/v1/insights` runs (every panel, small cells suppressed, one
processing-log entry) — for a coordinator over 50 buildings whose residents grow from
10 000 to 100 000 (`--million`, or BENCH_INSIGHT_MILLION=1 under `make bench`: to
1 000 000), on SQLite and on PostgreSQL. The buildings stay, so the cells the dashboard
shows stay: what grows is the people behind them, and the time should not follow them.

The neighbourhood is generated with core bulk inserts (COPY on PostgreSQL), not through the
API: two residents per dwelling, three door-knock visits per resident over the last twelve
months (themes, offers, wishes and willingness where someone talked), a case for about one
resident in seven in every state (closed ones with an outcome), help questions, handovers
with their timestamps for the cases that got that far (declined and withdrawn ones too),
escalations, and Buurtkamer activities. Each household's latest answers and the insight
counts are then worked out from those rows in one pass each, as recording them one by one
would have kept them (`refresh_latest_answers`, `app.insight.counts.recount`). One database
grows through the sizes.

Figures: the median wall time of the dashboard at each size (after one warm-up call) and
tracemalloc's peak during one call; the ratio largest/smallest; recording a conversation at
a random door with the counts kept and without (the door locked, nothing counted), 40 of
each interleaved in one run after ten of each to warm up, as the ratio of medians; `flask insight reconcile` at each
size: seconds, differences found (0) and how far the process's memory rose; at 1 000 000
residents on PostgreSQL, the time to generate them (≤ 15 minutes).

`--baseline DIR` times the code of an earlier commit beside this one on the same generated
neighbourhood, in one run: DIR holds that commit's files (`git archive REV | tar -x -C DIR`).
At each size both dashboards are timed in processes of their own, by turns (three rounds of
a warm-up and three calls each), so a busy machine slows both alike. The earlier code runs
on this code's schema: tables and indexes it does not know of are there, unused by it.

`--recording` measures only recording a visit, on a neighbourhood generated straight to the
largest size (100 000 residents, or 1 000 000 with `--million`): a quick check while
changing how the counts are kept.

`python -m bench.insight --generate N --database-url URL` only fills a database (migrated
first) with N residents, so the dashboard can be shown at scale: log in as
coordinator@bench.test (or coach@bench.test, two buildings) with `--password`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sys
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import (
    PG_ADMIN_DSN,
    PG_SERVER,
    Row,
    collect,
    db_kinds,
    disposing,
    kib,
    log,
    median,
    peak_rss_bytes,
    per_database,
    product_app,
    quiet_logging,
    reset_peak_rss,
    rss_bytes,
    throwaway_database,
)

NAME = "insight"
SIZES = (10_000, 100_000)
MILLION_SIZES = (10_000, 1_000_000)  # --million, or BENCH_INSIGHT_MILLION=1 for `make bench`
QUICK_SIZES = (2_000, 20_000)
BUILDINGS = 50  # the cells stay (the buildings shown); the residents grow
GOAL_SECONDS = 0.5  # PostgreSQL at the largest size
RATIO_GOAL = 2.0  # time at the largest size / time at the smallest: cost follows the cells
RECORDING_GOAL = 1.2  # recording a visit with the counts kept / without
RECORDINGS = 40  # visits recorded each way, interleaved
RECORDING_WARM_UP = 10  # recordings each way before: see recording_ratio
GENERATE_GOAL_SECONDS = 15 * 60  # 1 000 000 residents generated on PostgreSQL
RUNS = 5
BASELINE_ROUNDS = 3  # with --baseline: turns per version and size
BASELINE_RUNS = 3  # calls per turn, after a warm-up
PG_DATABASE = f"buurtpad_bench_insight_{os.getpid()}"  # one per run: runs may overlap

DWELLINGS_PER_BUILDING = 100
FLOORS = 10
RESIDENTS_PER_DWELLING = 2
VISITS_PER_RESIDENT = 3
CHUNK = 20_000

THEMES = ("finances", "work_income", "housing", "health", "mental_wellbeing", "loneliness",
          "safety", "youth_parenting", "language", "daily_administration", "neighbours")
OFFERS = ("cooking", "language_practice", "odd_jobs", "childcare", "company", "gardening",
          "technology", "transport", "translation", "administration_help",
          "organising_activities", "other")
LANGUAGES = (["Nederlands"], ["Nederlands"], ["Nederlands", "Arabisch"],
             ["Nederlands", "Tamazight"], ["Nederlands", "Turks"], ["Turks"],
             ["Nederlands", "Sranantongo"], ["Engels", "Somalisch"], ["Tigrinya"], ["Pools"],
             ["Oekraïens", "Engels"], ["Nederlands", "Papiaments"])
OUTCOMES = ("not_home", "talked", "declined", "revisit", "vacant")
OUTCOME_WEIGHTS = (35, 45, 8, 10, 2)
CASE_STATES = ("contacted", "exploring", "question_formulated", "referred", "supported",
               "paused", "closed")
CASE_WEIGHTS = (15, 20, 15, 20, 15, 5, 10)
CLOSE_OUTCOMES = ("help_started", "no_help_needed", "connected", "declined", "moved",
                  "unreachable")
ACTIVITY_THEMES = ("meeting", "cooking", "language", "children", "sport", "creative", "repair",
                   "information", "green", "other")


# --------------------------------------------------------------------------- generating


class Generator:
    """Fills one database step by step; `grow(n)` brings it to n residents."""

    def __init__(self, application: Any, password: str = "bench horse battery staple",
                 seed: int = 2026, buildings: int | None = None) -> None:
        self.app = application
        self.seed = seed
        self.password = password
        self.fixed_buildings = buildings
        self.residents = 0
        self.buildings: list[int] = []
        self.dwellings: list[int] = []
        self.now = datetime.now(UTC)
        self._setup()

    def _setup(self) -> None:
        from sqlalchemy import insert, select

        from app.auth.models import User
        from app.auth.passwords import hash_password
        from app.buildings.models import Neighbourhood
        from app.db import db
        from app.organizations.models import Organization

        with self.app.app_context():
            engine = db.engine
            with engine.begin() as conn:
                conn.execute(insert(Organization), [
                    {"name": name, "kind": kind, "created_at": self.now} for name, kind in (
                        ("Buurtteam Bench Noord", "buurtteam"),
                        ("Buurtteam Bench Zuid", "buurtteam"),
                        ("Schuldhulp Bench", "schuldhulp"), ("GGZ Bench", "ggz"),
                        ("Welzijn Bench", "welzijn"))])
                self.organizations = list(conn.execute(
                    select(Organization.id).order_by(Organization.id)).scalars())
                conn.execute(insert(Neighbourhood), [{"name": "Wijk Bench", "city": "Utrecht"}])
                self.neighbourhood = conn.execute(select(Neighbourhood.id)).scalar_one()
                password_hash = hash_password(self.password)
                conn.execute(insert(User), [
                    {"email": email, "name": name, "role": role,
                     "organization_id": self.organizations[-1], "password_hash": password_hash,
                     "active": True, "session_nonce": uuid.uuid4().hex[:16],
                     "created_at": self.now}
                    for email, name, role in (
                        ("coordinator@bench.test", "Coördinator Bench", "coordinator"),
                        ("coach@bench.test", "Coach Bench", "flatcoach"),
                        ("buurtteam@bench.test", "Professional Bench", "professional"))])
                users = dict(conn.execute(select(User.email, User.id)).all())
                self.coordinator = users["coordinator@bench.test"]
                self.coach = users["coach@bench.test"]
                self.professional = users["buurtteam@bench.test"]

    def grow(self, target: int) -> dict[str, int]:
        """Add residents (and everything around them) until there are `target`; then each
        household's latest answers and the insight counts, as recording them would have
        kept them (worked out in one pass instead of one recording at a time)."""
        counts: dict[str, int] = {}
        start = self.residents
        for chunk_start in range(start, target, CHUNK):
            for name, n in self._chunk(chunk_start, min(target, chunk_start + CHUNK)).items():
                counts[name] = counts.get(name, 0) + n
        self.residents = max(self.residents, target)
        self._latest_answers()
        self._analyze()  # before counting: the planner must know the tables' sizes
        self._count()
        self._analyze()
        return counts

    def _latest_answers(self) -> None:
        from app.db import db
        from app.visits.operations import refresh_latest_answers

        with self.app.app_context():
            refresh_latest_answers()
            db.session.commit()

    def _count(self) -> None:
        from app.db import db
        from app.insight.counts import recount

        with self.app.app_context():
            recount()
            db.session.commit()

    def _place(self, d: int) -> tuple[int, int, int]:
        """(building index, floor, house number) of the d-th dwelling: buildings of
        DWELLINGS_PER_BUILDING filled one after the other, or with a fixed number of
        buildings, each dwelling in the next building round (the buildings grow taller)."""
        if self.fixed_buildings is None:
            slot = d % DWELLINGS_PER_BUILDING
            return (d // DWELLINGS_PER_BUILDING,
                    slot // (DWELLINGS_PER_BUILDING // FLOORS) + 1, 2 * slot + 1)
        slot = d // self.fixed_buildings
        return d % self.fixed_buildings, slot % FLOORS + 1, 2 * slot + 1

    def _chunk(self, first: int, last: int) -> dict[str, int]:
        """Residents first..last-1, their dwellings (and buildings) and all the rest."""
        from sqlalchemy import select

        from app.buildings.models import Building, CoachAssignment, Dwelling
        from app.buurtkamer.models import Activity
        from app.cases.models import Case, HelpQuestion
        from app.db import db
        from app.handovers.models import Alert, Handover
        from app.residents.models import Resident
        from app.visits.models import Visit

        rng = random.Random(self.seed * 1_000_003 + first)  # noqa: S311 - benchmark data
        rows: dict[str, list[dict[str, Any]]] = {name: [] for name in (
            "buildings", "assignments", "dwellings", "residents", "visits", "cases",
            "help_questions", "handovers", "alerts", "activities")}
        new_dwellings = range(len(self.dwellings), -(-last // RESIDENTS_PER_DWELLING))
        wanted = max((self._place(d)[0] for d in new_dwellings), default=-1) + 1
        if self.fixed_buildings is not None:
            wanted = self.fixed_buildings
        with self.app.app_context():
            engine = db.engine
            with engine.begin() as conn:
                if wanted > len(self.buildings):
                    _insert(conn, Building.__table__, [
                        {"neighbourhood_id": self.neighbourhood, "name": f"Benchdreef {b + 1}",
                         "floors": FLOORS} for b in range(len(self.buildings), wanted)])
                    ids = list(conn.execute(select(Building.id).order_by(Building.id)).scalars())
                    fresh = ids[len(self.buildings):]
                    if not self.buildings:
                        _insert(conn, CoachAssignment.__table__, [
                            {"user_id": self.coach, "building_id": b, "assigned_at": self.now}
                            for b in fresh[:2]])
                    self.buildings = ids
                    self._activities(rng, fresh, rows["activities"])
                dwellings = []
                for d in new_dwellings:
                    building, floor, number = self._place(d)
                    size = rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5, 6, 8))
                    dwellings.append({
                        "building_id": self.buildings[building], "street": "Benchdreef",
                        "number": number, "addition": "", "postcode": "3561 AB",
                        "floor": floor,
                        "household_size": size if rng.random() < 0.6 else None})
                if dwellings:
                    last_id = self.dwellings[-1] if self.dwellings else 0
                    _insert(conn, Dwelling.__table__, dwellings)
                    self.dwellings += list(conn.execute(
                        select(Dwelling.id).where(Dwelling.id > last_id)
                        .order_by(Dwelling.id)).scalars())
            for i in range(first, last):
                self._resident(rng, i, self.dwellings[i // RESIDENTS_PER_DWELLING], rows)
            with engine.begin() as conn:
                for name, table in (("residents", Resident), ("visits", Visit), ("cases", Case),
                                    ("help_questions", HelpQuestion),
                                    ("handovers", Handover), ("alerts", Alert),
                                    ("activities", Activity)):
                    if rows[name]:
                        _insert(conn, table.__table__, rows[name])
        return {name: len(values) for name, values in rows.items() if values}

    def _activities(self, rng: random.Random, buildings: list[int],
                    out: list[dict[str, Any]]) -> None:
        for building_id in buildings:
            for _n in range(24):  # about two a month
                starts = self.now - timedelta(days=rng.uniform(1, 360))
                out.append({
                    "building_id": building_id, "title": "Activiteit in de Buurtkamer",
                    "theme": rng.choice(ACTIVITY_THEMES), "starts_at": starts,
                    "place": "Buurtkamer", "organising_coach_id": self.coach,
                    "participant_count": rng.randint(0, 25), "created_by_id": self.coach,
                    "created_at": starts - timedelta(days=14),
                    "cancelled_at": starts - timedelta(days=1) if rng.random() < 0.05 else None})

    def _resident(self, rng: random.Random, i: int, dwelling_id: int,
                  rows: dict[str, list[dict[str, Any]]]) -> None:
        resident_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        anonymised = rng.random() < 0.01
        rows["residents"].append({
            "id": resident_id, "dwelling_id": dwelling_id, "display_name": f"Bewoner {i}",
            "birth_year": None if anonymised else rng.randint(1930, 2024),
            "phone": None, "languages": [] if anonymised else rng.choice(LANGUAGES),
            "created_at": self.now - timedelta(days=400), "created_by_id": self.coach,
            "anonymised_at": self.now - timedelta(days=10) if anonymised else None,
            "legal_hold_reason": None})
        for _v in range(VISITS_PER_RESIDENT):
            outcome = rng.choices(OUTCOMES, OUTCOME_WEIGHTS)[0]
            talked = outcome == "talked"
            rows["visits"].append({
                "id": uuid.UUID(int=rng.getrandbits(128), version=4), "dwelling_id": dwelling_id,
                "coach_id": self.coach, "resident_id": resident_id if talked else None,
                "visited_at": self.now - timedelta(days=rng.uniform(0, 365)),
                "outcome": outcome,
                "themes": rng.sample(THEMES, rng.randint(1, 3)) if talked else [],
                "offers": rng.sample(OFFERS, rng.randint(0, 2)) if talked else [],
                "wishes": rng.sample(OFFERS, rng.randint(0, 1)) if talked else [],
                "willingness": rng.randint(0, 3) if talked else None,
                "notes": "", "case_id": None})
        if rng.random() < 0.15:
            self._case(rng, resident_id, rows)

    def _case(self, rng: random.Random, resident_id: uuid.UUID,
              rows: dict[str, list[dict[str, Any]]]) -> None:
        state = rng.choices(CASE_STATES, CASE_WEIGHTS)[0]
        case_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        opened = self.now - timedelta(days=rng.uniform(20, 360))
        rows["cases"].append({
            "id": case_id, "resident_id": resident_id, "coach_id": self.coach, "state": state,
            "version": 3, "paused_from": "exploring" if state == "paused" else None,
            "outcome": rng.choice(CLOSE_OUTCOMES) if state == "closed" else None,
            "opened_at": opened, "closed_at": opened + timedelta(days=30)
            if state == "closed" else None,
            "household_notes": "", "living_situation_notes": "", "finances_notes": "",
            "health_notes": "", "safety_notes": "", "coach_notes": "", "household_size": None})
        if state in ("contacted", "exploring"):
            return
        rows["help_questions"].append({
            "case_id": case_id, "text": "Hulpvraag in eigen woorden.",
            "themes": rng.sample(THEMES, rng.randint(1, 2)), "urgency": "normal",
            "updated_at": opened, "updated_by_id": self.coach})
        handover = {"referred": rng.choice(("offered", "accepted", "intro_scheduled",
                                            "intro_held")),
                    "supported": "completed",
                    "question_formulated": rng.choice(("declined", "withdrawn", None, None)),
                    "closed": rng.choice(("completed", None))}.get(state)
        if handover is not None:
            self._handover(rng, case_id, handover, opened, rows)

    def _handover(self, rng: random.Random, case_id: uuid.UUID, state: str, opened: datetime,
                  rows: dict[str, list[dict[str, Any]]]) -> None:
        handover_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        offered = opened + timedelta(days=rng.uniform(1, 10))
        steps = ("offered", "accepted", "intro_scheduled", "intro_held", "completed")
        reached = steps.index(state) if state in steps else (
            1 if state == "withdrawn" and rng.random() < 0.5 else 0)
        accepted = offered + timedelta(days=rng.expovariate(1 / 4)) if reached >= 1 else None
        held = (accepted + timedelta(days=rng.uniform(3, 21))
                if accepted is not None and reached >= 3 else None)
        completed = held + timedelta(days=rng.uniform(0, 14)) if held and reached >= 4 else None
        rows["handovers"].append({
            "id": handover_id, "case_id": case_id,
            "organization_id": rng.choice(self.organizations[:4]), "purpose": "warm_handover",
            "data_categories": ["identity", "contact", "help_question"], "consent_id": None,
            "note": "", "created_by_id": self.coach, "created_at": offered, "state": state,
            "version": 2 + reached, "offered_at": offered,
            "response_due_at": offered + timedelta(days=7),
            "escalated_at": None, "accepted_by_id": self.professional if accepted else None,
            "accepted_at": accepted, "intro_at": held, "intro_place": None,
            "intro_reminder_due_at": None, "intro_reminded_at": None, "intro_held_at": held,
            "completed_at": completed,
            "ended_reason": None})
        unanswered = accepted is None or accepted - offered > timedelta(days=7)
        if unanswered and rng.random() < 0.5:
            rows["alerts"].append({"kind": "escalation", "handover_id": handover_id,
                                   "created_at": offered + timedelta(days=7),
                                   "resolved_at": None})

    def _analyze(self) -> None:
        from app.db import db

        with self.app.app_context():
            if db.engine.dialect.name == "postgresql":
                with db.engine.connect().execution_options(
                        isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("VACUUM ANALYZE")
            else:
                with db.engine.connect() as conn:
                    conn.exec_driver_sql("ANALYZE")


def _insert(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: COPY, each column as the app would store it (JSON as `canonical_json`,
    Python-side defaults filled in); SQLite: the driver's executemany."""
    from bench.audit_verify import _insert as insert_rows

    if conn.dialect.name != "postgresql":
        insert_rows(conn, table, rows)
        return
    from psycopg.types.json import Json
    from sqlalchemy import JSON

    from app.db import canonical_json

    names = list(rows[0])
    defaults = {c.name: c.default.arg for c in table.columns
                if c.name not in names and c.default is not None and c.default.is_scalar}
    columns = [*names, *defaults]
    json_columns = {n for n in names if isinstance(table.c[n].type, JSON)}
    quote = conn.dialect.identifier_preparer.quote
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {quote(table.name)} ({', '.join(map(quote, columns))}) "
                     "FROM STDIN") as copy:
        for row in rows:
            copy.write_row([*(Json(row[n], dumps=canonical_json) if n in json_columns
                              else row[n] for n in names), *defaults.values()])


# --------------------------------------------------------------------------- measuring


def dashboard_once(application: Any) -> float:
    """Seconds for one dashboard as the coordinator sees it (computed, logged, committed)."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.db import db
    from app.insight.operations import view_insight
    from app.insight.panels import PANELS

    with application.test_request_context():
        user = db.session.execute(select(User).where(
            User.email == "coordinator@bench.test")).scalar_one()
        collect()
        started = time.perf_counter()
        result = view_insight(user)
        db.session.commit()
        elapsed = time.perf_counter() - started
        db.session.remove()
    assert len(result["panels"]) == len(PANELS)
    return elapsed


def traced_peak(application: Any) -> int:
    collect()
    tracemalloc.start()
    try:
        dashboard_once(application)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@contextlib.contextmanager
def bench_database(kind: str) -> Iterator[str]:
    """PostgreSQL: a fresh database of its own (`PG_DATABASE`), dropped afterwards."""
    if kind == "sqlite":
        with throwaway_database(kind, NAME) as url:
            yield url
        return
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    try:
        yield f"{PG_SERVER}/{PG_DATABASE}"
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')


_TIME_IN_PROCESS = '''
import json, sys
from bench.common import product_app, quiet_logging
from bench.insight import dashboard_once, traced_peak
quiet_logging()
application = product_app(sys.argv[1], migrate=False)
dashboard_once(application)
times = [dashboard_once(application) for _ in range(int(sys.argv[2]))]
peak = traced_peak(application) if sys.argv[3] == "peak" else None
print(json.dumps({"times": times, "peak": peak}))
'''


def timed_elsewhere(root: Path, url: str, runs: int, peak: bool) -> dict[str, Any]:
    """The dashboard of the code in `root` on `url`, in a process of its own: a warm-up,
    then `runs` calls (and tracemalloc's peak of one more)."""
    import json
    import subprocess

    done = subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, "-c", _TIME_IN_PROCESS, url, str(runs), "peak" if peak else "-"],
        cwd=root, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"timing the code in {root} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def reconcile_once(application: Any) -> dict[str, Any]:
    """`flask insight reconcile` as it runs: seconds, differences, and how far the process's
    resident memory rose above what it held before (the peak, VmHWM)."""
    from app.db import db
    from app.insight.counts import reconcile

    with application.app_context():
        collect()
        reset = reset_peak_rss()
        before = rss_bytes()
        started = time.perf_counter()
        result = reconcile()
        elapsed = time.perf_counter() - started
        rise = peak_rss_bytes() - before if reset else None
        db.session.rollback()
        db.session.remove()
    return {"seconds": elapsed, "differences": len(result.differences),
            "counts": result.counts, "peak_rss_rise_bytes": rise}


@contextlib.contextmanager
def _counts_not_kept() -> Iterator[None]:
    """Recording as it ran before the counts were kept: the door locked, nothing counted."""
    from app.insight import counts

    @contextlib.contextmanager
    def door_locked(dwellings: Any = (), residents: Any = ()) -> Iterator[None]:
        counts._lock(sorted(dwellings), residents=False)
        yield

    kept = counts.kept
    counts.kept = door_locked  # type: ignore[assignment]
    try:
        yield
    finally:
        counts.kept = kept  # type: ignore[assignment]


def _recorder(application: Any, dwellings: list[int], keep: bool) -> Any:
    """One conversation at a random door of the neighbourhood, recorded and committed."""
    from app.auth.models import User
    from app.buildings.models import Dwelling
    from app.db import db
    from app.visits.operations import record_visit

    rng = random.Random(1 if keep else 2)  # noqa: S311 - benchmark data

    def once() -> None:
        with application.test_request_context():
            coach = db.session.execute(select_user(User, "coach@bench.test")).scalar_one()
            dwelling = db.session.get(Dwelling, rng.choice(dwellings))
            data = {"outcome": "talked", "themes": rng.sample(THEMES, 2),
                    "offers": rng.sample(OFFERS, 1), "willingness": rng.randint(0, 3),
                    "household_size": rng.randint(1, 6)}
            with contextlib.nullcontext() if keep else _counts_not_kept():
                record_visit(coach, dwelling, data)
            db.session.commit()
            db.session.remove()

    return once


def select_user(model: Any, email: str) -> Any:
    from sqlalchemy import select

    return select(model).where(model.email == email)


def recording_ratio(application: Any, dwellings: list[int]) -> dict[str, Any]:
    """Recording a visit with the counts kept and without, interleaved in one run.

    Each way is warmed up first: a connection plans a statement anew on its first runs
    (psycopg prepares it at the fifth, PostgreSQL keeps a generic plan after five more, per
    type of parameter), which a server's pooled connections are long past; the statements
    only the counts use would otherwise pay it in a quarter of their calls."""
    from bench.common import interleaved

    calls = {"with": _recorder(application, dwellings, True),
             "without": _recorder(application, dwellings, False)}
    for _ in range(RECORDING_WARM_UP):
        for call in calls.values():
            call()
    timings = interleaved(calls, RECORDINGS)
    with_counts, without = median(timings.wall["with"]), median(timings.wall["without"])
    return {"with_s": with_counts, "without_s": without, "ratio": with_counts / without,
            "calls": RECORDINGS, "load_average": os.getloadavg()[0]}


def measure(kind: str, sizes: tuple[int, ...], runs: int,
            baseline: Path | None = None) -> list[Row]:
    results: dict[int, dict[str, Any]] = {}
    before: dict[int, dict[str, Any]] = {}
    reconciled: dict[int, dict[str, Any]] = {}
    generated: dict[int, float] = {}
    recording: dict[str, Any] = {}
    with bench_database(kind) as url:
        application = product_app(url)
        with disposing(application):
            generator = Generator(application, buildings=BUILDINGS)
            for size in sizes:
                started = time.perf_counter()
                counts = generator.grow(size)
                generated[size] = time.perf_counter() - started
                added = ", ".join(f"{name} +{n:,}" for name, n in counts.items())
                log(f"{NAME} [{kind}]: {size:,} residents in {len(generator.buildings)} "
                    f"buildings ({added}) in {generated[size]:.0f} s")
                if baseline is None:
                    dashboard_once(application)  # warm-up: caches, statistics, plans
                    times = [dashboard_once(application) for _ in range(runs)]
                    peak = traced_peak(application)
                else:
                    (times, peak), old = _by_turns(url, baseline)
                    before[size] = _figures(*old)
                    log(f"{NAME} [{kind}]: {size:,}: baseline median "
                        f"{median(old[0]) * 1000:.0f} ms, peak {kib(old[1])}")
                results[size] = _figures(times, peak)
                log(f"{NAME} [{kind}]: {size:,}: median {median(times) * 1000:.0f} ms, "
                    f"peak {kib(peak)}")
                reconciled[size] = reconcile_once(application)
                log(f"{NAME} [{kind}]: {size:,}: reconcile {reconciled[size]}")
            recording = recording_ratio(application, generator.dwellings)
            log(f"{NAME} [{kind}]: recording a visit {recording}")
    rows = []
    largest, smallest = sizes[-1], sizes[0]
    for size, data in results.items():
        holds = None
        goal = "—"
        if kind == "postgres" and size == largest:
            goal = f"< {GOAL_SECONDS} s"
            holds = data["median_s"] < GOAL_SECONDS
        measured = _shown(data)
        if size in before:
            measured += f"; baseline {_shown(before[size])}"
            data = dict(data, baseline=before[size])
        rows.append(Row(NAME, f"insight dashboard, {size:,} residents in {BUILDINGS} "
                              f"buildings ({kind})", measured, goal, holds, data))
    ratio = results[largest]["median_s"] / results[smallest]["median_s"]
    measured = f"{ratio:.1f}×"
    if before:
        measured += f"; baseline {before[largest]['median_s'] / before[smallest]['median_s']:.1f}×"
    rows.append(Row(NAME, f"insight time {largest // 1000}k / {smallest // 1000}k residents "
                          f"({kind})", measured, f"≤ {RATIO_GOAL:.0f}×",
                    ratio <= RATIO_GOAL, {"ratio": ratio}))
    rows.append(_recording_row(kind, largest, recording))
    for size, data in reconciled.items():
        rise = data["peak_rss_rise_bytes"]
        rows.append(Row(NAME, f"insight reconcile, {size:,} residents ({kind})",
                        f"{data['seconds']:.1f} s, {data['differences']} differences in "
                        f"{data['counts']:,} counts, memory +{kib(rise) if rise else '?'}",
                        "0 differences", data["differences"] == 0, data))
    if kind == "postgres" and largest >= 1_000_000:
        rows.append(Row(NAME, f"generating {largest:,} residents ({kind})",
                        f"{sum(generated.values()):.0f} s",
                        f"≤ {GENERATE_GOAL_SECONDS // 60} min",
                        sum(generated.values()) <= GENERATE_GOAL_SECONDS,
                        {"seconds": generated}))
    return rows


def measure_recording(kind: str, size: int) -> list[Row]:
    """Only recording a visit, counts kept and not, at `size` residents."""
    with bench_database(kind) as url:
        application = product_app(url)
        with disposing(application):
            generator = Generator(application, buildings=BUILDINGS)
            started = time.perf_counter()
            generator.grow(size)
            log(f"{NAME} [{kind}]: {size:,} residents in {time.perf_counter() - started:.0f} s")
            recording = recording_ratio(application, generator.dwellings)
            log(f"{NAME} [{kind}]: recording a visit {recording}")
    return [_recording_row(kind, size, recording)]


def _recording_row(kind: str, size: int, recording: dict[str, Any]) -> Row:
    return Row(NAME, f"recording a visit, counts kept / not, {size:,} residents ({kind})",
               f"{recording['ratio']:.2f}× ({recording['with_s'] * 1000:.1f} / "
               f"{recording['without_s'] * 1000:.1f} ms)", f"≤ {RECORDING_GOAL}×",
               recording["ratio"] <= RECORDING_GOAL, recording)


def _by_turns(url: str, baseline: Path) -> tuple[tuple[list[float], int], tuple[list[float], int]]:
    """(times, peak) of this code and of the baseline's, timed by turns."""
    here = Path(__file__).resolve().parents[1]
    found: dict[Path, tuple[list[float], int]] = {here: ([], 0), baseline: ([], 0)}
    for turn in range(BASELINE_ROUNDS):
        for root in (here, baseline) if turn % 2 else (baseline, here):
            result = timed_elsewhere(root, url, BASELINE_RUNS, peak=turn == 0)
            times, peak = found[root]
            found[root] = (times + result["times"], result["peak"] or peak)
    return found[here], found[baseline]


def _figures(times: list[float], peak: int) -> dict[str, Any]:
    return {"median_s": median(times), "times_s": times, "tracemalloc_peak_bytes": peak,
            "load_average": os.getloadavg()[0]}


def _shown(data: dict[str, Any]) -> str:
    return f"{data['median_s'] * 1000:.0f} ms (peak {kib(data['tracemalloc_peak_bytes'])})"


def run(args: argparse.Namespace) -> list[Row]:
    million = getattr(args, "million", False) or os.environ.get("BENCH_INSIGHT_MILLION") == "1"
    sizes = QUICK_SIZES if args.quick else MILLION_SIZES if million else SIZES
    runs = 3 if args.quick else RUNS
    baseline = getattr(args, "baseline", None)
    if getattr(args, "recording", False):
        return per_database(NAME, db_kinds(args.db), "recording a visit",
                            f"≤ {RECORDING_GOAL}×",
                            lambda kind: measure_recording(kind, sizes[-1]))
    return per_database(NAME, db_kinds(args.db), "insight dashboard", f"< {GOAL_SECONDS:.0f} s",
                        lambda kind: measure(kind, sizes, runs, baseline))


def generate(url: str, n: int, password: str, buildings: int | None = None) -> None:
    application = product_app(url)
    with disposing(application):
        from sqlalchemy import func, select

        from app.auth.models import User
        from app.db import db

        with application.app_context():
            if db.session.execute(select(func.count(User.id))).scalar_one():
                raise SystemExit("The database is not empty: give a fresh one.")
        started = time.perf_counter()
        counts = Generator(application, password=password, buildings=buildings).grow(n)
        log(f"{NAME}: generated {', '.join(f'{k} {v:,}' for k, v in counts.items())} in "
            f"{time.perf_counter() - started:.0f} s; log in as coordinator@bench.test")


def main(argv: list[str] | None = None) -> None:
    from bench.common import add_common_arguments, format_table, verdict

    parser = argparse.ArgumentParser(prog=f"python -m bench.{NAME}", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(parser)
    parser.add_argument("--generate", type=int, metavar="N",
                        help="only fill --database-url with N residents (no measuring)")
    parser.add_argument("--database-url", help="with --generate: the (empty) database")
    parser.add_argument("--password", default="buurtpad-demo",
                        help="with --generate: the password of the bench users")
    parser.add_argument("--buildings", type=int, metavar="B",
                        help=f"with --generate: B buildings growing taller (the measured "
                             f"neighbourhood has {BUILDINGS}), instead of a city of full ones")
    parser.add_argument("--million", action="store_true",
                        help="measure at 10 000 and 1 000 000 residents (about 15 minutes on "
                             "PostgreSQL; also BENCH_INSIGHT_MILLION=1)")
    parser.add_argument("--recording", action="store_true",
                        help="measure only recording a visit with the counts kept and not, "
                             "at the largest size (100 000 residents, or 1 000 000 with "
                             "--million)")
    parser.add_argument("--baseline", type=Path, metavar="DIR",
                        help="also time the code of an earlier commit, extracted to DIR "
                             "(git archive REV | tar -x -C DIR), by turns with this code")
    args = parser.parse_args(argv)
    if args.baseline is not None and not (args.baseline / "bench" / "insight.py").is_file():
        parser.error("--baseline needs a directory holding a commit's files")
    args.baseline = args.baseline.resolve() if args.baseline is not None else None
    quiet_logging()
    if args.generate:
        if not args.database_url:
            parser.error("--generate needs --database-url")
        generate(args.database_url, args.generate, args.password, args.buildings)
        return
    rows = run(args)
    print(format_table(rows), flush=True)
    sys.exit(verdict(rows))


if __name__ == "__main__":
    main(sys.argv[1:])
