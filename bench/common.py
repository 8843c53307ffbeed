"""Shared machinery: result rows, throwaway databases, the app under test, the floor app,
seeding with SQLAlchemy core, interleaved timing and memory probes."""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "bench horse battery staple"  # noqa: S105 - throwaway benchmark accounts
DB_KINDS = ("sqlite", "postgres")


# --------------------------------------------------------------------------- output


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Row:
    """One line of the table: a figure, what was measured, the goal, and whether it holds
    (None: informational, or could not be measured)."""

    benchmark: str
    figure: str
    measured: str
    goal: str
    holds: bool | None
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"benchmark": self.benchmark, "figure": self.figure, "measured": self.measured,
                "goal": self.goal, "holds": self.holds, "data": self.data}


def holds_text(holds: bool | None) -> str:
    return {True: "yes", False: "NO", None: "—"}[holds]


def format_table(rows: Sequence[Row]) -> str:
    header = ("figure", "measured", "goal", "holds?")
    lines = [(r.figure, r.measured, r.goal, holds_text(r.holds)) for r in rows]
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h)
              for i, h in enumerate(header)]

    def fmt(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [fmt(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out.extend(fmt(line) for line in lines)
    return "\n".join(out)


def shortfalls(rows: Sequence[Row]) -> list[Row]:
    """The rows whose goal does not hold (informational and unmeasured rows are not)."""
    return [row for row in rows if row.holds is False]


def verdict(rows: Sequence[Row]) -> int:
    """The exit status of a bench run: 1, naming each row whose goal does not hold, else 0."""
    missed = shortfalls(rows)
    for row in missed:
        print(f"goal not met: {row.figure}: measured {row.measured}, goal {row.goal}",
              file=sys.stderr, flush=True)
    return 1 if missed else 0


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def kib(n_bytes: float) -> str:
    return f"{n_bytes / 1024:.1f} KiB"


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both",
                        help="which database(s) to measure (default: both)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")


def db_kinds(choice: str) -> tuple[str, ...]:
    return DB_KINDS if choice == "both" else (choice,)


def quiet_logging() -> None:
    """A root handler at WARNING keeps Alembic from configuring INFO logging to stderr."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr)


def standalone(name: str, run: Callable[[argparse.Namespace], list[Row]],
               argv: Sequence[str] | None = None) -> None:
    """`python -m bench.<name>`: run one benchmark, print its rows, and exit non-zero when a
    goal does not hold."""
    parser = argparse.ArgumentParser(prog=f"python -m bench.{name}")
    add_common_arguments(parser)
    args = parser.parse_args(argv)
    quiet_logging()
    rows = run(args)
    print(format_table(rows), flush=True)
    sys.exit(verdict(rows))


# --------------------------------------------------------------------------- databases


def per_database(name: str, kinds: Any, figure: str, goal: str,
                 measure: Callable[[str], Any]) -> list[Row]:
    """`measure(kind)` (a Row or a list of them) for each database; PostgreSQL is reported as
    not measured when no server answers."""
    rows: list[Row] = []
    for kind in kinds:
        if kind == "postgres" and not postgres_available():
            rows.append(Row(name, f"{figure} ({kind})", "not measured: PostgreSQL unreachable",
                            goal, None))
            continue
        result = measure(kind)
        rows += result if isinstance(result, list) else [result]
    return rows


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - any failure means: not available
        return False


@contextlib.contextmanager
def throwaway_database(kind: str, label: str) -> Iterator[str]:
    """A fresh, empty database URL that is removed afterwards (SQLite: a temp file;
    PostgreSQL: a database of its own, dropped with FORCE)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"buurtpad-bench-{label}-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        return
    import psycopg

    name = f"buurtpad_bench_{label}_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def dispose(app: Any) -> None:
    from app.db import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@contextlib.contextmanager
def disposing(*apps: Any) -> Iterator[None]:
    try:
        yield
    finally:
        for application in apps:
            with contextlib.suppress(Exception):
                dispose(application)


# --------------------------------------------------------------------------- the product


def product_app(url: str, *, migrate: bool = True) -> Any:
    """The real application (create_app) on `url`, its schema built by the migrations."""
    from app import create_app
    from app.db import db

    application = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                              "SECRET_KEY": secrets.token_hex(16)})
    if migrate:
        from flask_migrate import upgrade

        with application.app_context():
            upgrade()
            db.session.remove()
    return application


@dataclass
class World:
    coach_id: int
    coach_email: str
    professional_id: int
    professional_email: str
    organization_id: int  # the professional's organisation (the handover recipient)
    building_id: int
    other_building_id: int
    dwelling_id: int


def build_world(application: Any) -> World:
    """A coach with a building, a professional of a buurtteam, through the ORM (once)."""
    from app.auth.models import User
    from app.auth.passwords import hash_password
    from app.auth.permissions import Role
    from app.buildings.models import Building, CoachAssignment, Dwelling, Neighbourhood
    from app.db import db
    from app.organizations.models import Organization, OrganizationKind

    with application.app_context():
        session = db.session
        welzijn = Organization(name="Welzijn Bench", kind=OrganizationKind("welzijn"))
        buurtteam = Organization(name="Buurtteam Bench", kind=OrganizationKind("buurtteam"))
        hood = Neighbourhood(name="Wijk Bench", city="Utrecht")
        session.add_all([welzijn, buurtteam, hood])
        session.flush()
        # Sharing with an organisation needs a convenant it is a party to, besides consent.
        from datetime import date

        from app.convenants.operations import create_convenant, join
        from policies import REGISTER

        convenant = create_convenant(None, title="Convenant Bench", version="1",
                                     text="# Convenant Bench\n", valid_from=date(2020, 1, 1),
                                     valid_until=None,
                                     activities={a.id: a.categories for a in REGISTER.values()})
        for organization in (welzijn, buurtteam):
            join(None, convenant, organization_id=organization.id, joined_on=date(2020, 1, 1))
        password_hash = hash_password(PASSWORD)
        coach = User(email="coach@bench.test", name="Coach Bench", role=Role.FLATCOACH,
                     organization_id=welzijn.id, password_hash=password_hash)
        professional = User(email="pro@bench.test", name="Pro Bench", role=Role.PROFESSIONAL,
                            organization_id=buurtteam.id, password_hash=password_hash)
        building = Building(neighbourhood_id=hood.id, name="Dreef Bench", floors=12)
        other = Building(neighbourhood_id=hood.id, name="Laan Bench", floors=12)
        session.add_all([coach, professional, building, other])
        session.flush()
        session.add(CoachAssignment(user_id=coach.id, building_id=building.id))
        dwelling = Dwelling(building_id=building.id, street="Dreef Bench", number=1,
                            addition="", postcode="3561 AB", floor=1)
        session.add(dwelling)
        session.flush()
        world = World(coach.id, coach.email, professional.id, professional.email, buurtteam.id,
                      building.id, other.id, dwelling.id)
        session.commit()
        return world


def login(client: Any, email: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    if response.status_code != 201:
        raise RuntimeError(f"login failed: {response.status_code} {response.get_json()}")
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def seed_cases(application: Any, world: World, n: int, *, in_scope_every: int = 1,
               chunk: int = 20_000) -> list[uuid.UUID]:
    """`n` residents with one case each, bulk-inserted with core executemany (not the API).

    Dwellings: 100 in the coach's building and 100 in another one; every
    `in_scope_every`-th resident lives in the coach's building, the others outside the
    coach's scope. Returns the ids of the cases in the coach's scope (state `exploring`)."""
    from sqlalchemy import insert

    from app.buildings.models import Dwelling
    from app.cases.models import Case
    from app.db import db
    from app.residents.models import Resident

    now = datetime.now(UTC)
    in_scope: list[uuid.UUID] = []
    with application.app_context():
        engine = db.engine
        with engine.begin() as conn:
            rows = []
            for building_id, base in ((world.building_id, 1000), (world.other_building_id, 1000)):
                rows += [{"building_id": building_id, "street": "Bench", "number": base + i,
                          "addition": "", "postcode": "3561 AB", "floor": i % 12}
                         for i in range(100)]
            conn.execute(insert(Dwelling), rows)
            mine = list(conn.execute(
                Dwelling.__table__.select().where(Dwelling.building_id == world.building_id,
                                                  Dwelling.number >= 1000)
            ).scalars())
            theirs = list(conn.execute(
                Dwelling.__table__.select().where(Dwelling.building_id == world.other_building_id)
            ).scalars())
        for start in range(0, n, chunk):
            residents, cases = [], []
            for i in range(start, min(n, start + chunk)):
                resident_id, case_id = uuid.uuid4(), uuid.uuid4()
                scoped = i % in_scope_every == 0
                dwellings = mine if scoped else theirs
                residents.append({
                    "id": resident_id, "dwelling_id": dwellings[i % len(dwellings)],
                    "display_name": f"Bewoner {i}", "birth_year": 1940 + i % 60,
                    "phone": "06-12345678", "languages": ["Nederlands"],
                    "created_at": now, "created_by_id": world.coach_id,
                })
                cases.append({
                    "id": case_id, "resident_id": resident_id, "coach_id": world.coach_id,
                    "state": "exploring", "version": 1, "opened_at": now,
                    "household_notes": "", "living_situation_notes": "", "finances_notes": "",
                    "health_notes": "", "safety_notes": "", "coach_notes": "",
                })
                if scoped:
                    in_scope.append(case_id)
            with engine.begin() as conn:
                conn.execute(insert(Resident), residents)
                conn.execute(insert(Case), cases)
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
    return in_scope


class CaseToggler:
    """Fires pause/resume alternately on a pool of cases through the API; the version
    for the next request comes from each response."""

    def __init__(self, client: Any, headers: dict[str, str], case_ids: Sequence[uuid.UUID]):
        self.client = client
        self.headers = headers
        self.pool = [[f"/api/v1/cases/{cid}/transitions", 1, False] for cid in case_ids]
        self.i = 0

    def __call__(self) -> None:
        entry = self.pool[self.i % len(self.pool)]
        self.i += 1
        url, version, paused = entry
        body = ({"trigger": "resume", "version": version} if paused
                else {"trigger": "pause", "version": version, "reason": "op vakantie"})
        response = self.client.post(url, json=body, headers=self.headers)
        if response.status_code != 200:
            raise RuntimeError(f"transition failed: {response.status_code} "
                               f"{response.get_json()}")
        entry[1] = response.get_json()["version"]
        entry[2] = not paused


# --------------------------------------------------------------------------- measuring


@dataclass
class Timings:
    """Seconds per call, by name: wall clock, and this process's CPU time (which other
    processes on the machine disturb less, but which leaves out the database server's
    work and every wait)."""

    wall: dict[str, list[float]]
    cpu: dict[str, list[float]]


def interleaved(calls: dict[str, Callable[[], None]], n: int) -> Timings:
    """Time each call `n` times, one at a time, interleaved A,B,A,B… (order flipped every
    other round so neither side always runs right after the other)."""
    names = list(calls)
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    clock, cpu_clock = time.perf_counter, time.process_time
    for i in range(n):
        for name in (names if i % 2 == 0 else names[::-1]):
            fn = calls[name]
            start, cpu_start = clock(), cpu_clock()
            fn()
            wall[name].append(clock() - start)
            cpu[name].append(cpu_clock() - cpu_start)
    return Timings(wall, cpu)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def quartiles(values: Sequence[float]) -> tuple[float, float]:
    q = statistics.quantiles(values, n=4)
    return q[0], q[2]


def engine_of(application: Any) -> Any:
    from app.db import db

    with application.app_context():
        return db.engine


def statements_per_call(engine: Any, fn: Callable[[], None], n: int = 20) -> float:
    """How many SQL statements one call of `fn` sends through `engine` (mean of n calls)."""
    from sqlalchemy import event

    counter = {"n": 0}

    def count(*_args: Any) -> None:
        counter["n"] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(n):
            fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return counter["n"] / n


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def reset_peak_rss() -> bool:
    """Reset VmHWM (Linux ≥ 4.0); False when not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def peak_rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def collect() -> None:
    gc.collect()
    gc.collect()
