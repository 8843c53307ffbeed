"""Load and fault test: Buurtpad served by gunicorn on PostgreSQL, under a realistic mix of
the four roles' work, bounded in time and in requests.

    .venv/bin/python -m bench.load              # load only
    .venv/bin/python -m bench.load --faults     # and, during the load, kill -9 one gunicorn
                                                # worker and restart PostgreSQL

It runs a PostgreSQL cluster of its own (Debian's `pg_createcluster`, created when missing,
trust authentication on 127.0.0.1, never the server on port 5432: faults restart it), makes a
fresh database there with two roles of its own as in production (the owner of the tables runs
the migrations, the application's role has rows only), migrates it, loads the demo
neighbourhood as the application, starts gunicorn on a free
port of 127.0.0.1, logs in the demo users and lets coaches, professionals and the privacy
officer work concurrently. Every request carries its own `X-Request-Id`, which the audit log
keeps, so afterwards every event can be matched to the request that caused it.

Afterwards it reports throughput and p50/p95/p99 per request type, and checks (see
`bench.load_integrity`): no 5xx and no lost connection outside a fault; `flask audit verify`
and `flask insight reconcile`
valid; every acknowledged create is in the database with its creation event; every
acknowledged transition is logged once, with the answered state and version; no refused
request left anything behind; every case, handover and consent is in the state and at the
version its log explains. With --faults also: the service answered again within a few
seconds after each fault, and failures happened only while a fault lasted. And the run did
enough to prove something: each role's acknowledged creates, transitions or audit
verifications reach their floors (FLOORS), and few requests were refused (4xx).

A readable report goes to stdout, progress to stderr, everything to bench/results/load.json.
Exit status 0 when every check holds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import Row, format_table, log, shortfalls
from bench.load_integrity import (
    CREATION_EVENTS,
    Acknowledged,
    Baseline,
    LogEvent,
    StoredObject,
    account,
    explain,
    latency_summary,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
VENV_BIN = Path(sys.executable).parent
DEMO_PASSWORD = "buurtpad-load-" + secrets.token_hex(4)
COACHES = ("coach@buurtpad.test", "coach2@buurtpad.test")
PROFESSIONALS = ("buurtteam@buurtpad.test", "schuldhulp@buurtpad.test")
PRIVACY_OFFICER = "privacy@buurtpad.test"
CATEGORIES = ["identity", "contact", "help_question"]
# A failure this long after a fault's recovery still counts as part of the fault: a request
# that was sent while the database was gone may come back a little later.
GRACE_SECONDS = 2.0
RECOVERY_GOAL_SECONDS = 5.0
# Floors for FLOOR_SECONDS of load, scaled to --duration (never below one):
# about a third of what a 30 s run with --faults acknowledged on a shared 2-core machine
# (343 creates and 288 transitions by the coaches, 159 transitions by the professionals,
# 24 audit verify answers, 0.3 % answered 4xx).
FLOOR_SECONDS = 30.0
FLOORS = {
    ("flatcoach", "creates"): 100,
    ("flatcoach", "transitions"): 90,
    ("professional", "transitions"): 50,
    ("privacy_officer", "audit verify answers"): 1,
}
ACKNOWLEDGED_WORK = {
    "creates": lambda call: call.creates,
    "transitions": lambda call: call.trigger is not None,
    "audit verify answers": lambda call: call.kind == "GET /audit/verify",
}
# Conflicts (409) and refused transitions (422) belong to concurrent work; a surge of them
# means the clients no longer do what they mean to.
MAX_SHARE_4XX = 0.05
ACCEPTABLE = (
    "Acceptable during a fault: a lost connection for the requests the killed worker was",
    "serving; 5xx while PostgreSQL is down and up to 2 s after the service answers again. A",
    "request answered 5xx or not at all has an unknown outcome (the commit may have landed",
    "before the database went away): the client re-reads, and a retry with the old version",
    "gets 409, never a second change. Not acceptable: any 5xx or lost connection outside a",
    "fault, an acknowledged request missing from the database or the log, anything refused",
    "(4xx) that changed something, a state or version the log does not explain.",
)


# --------------------------------------------------------------------------- PostgreSQL


def _run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    """A Debian PostgreSQL cluster the load test may start, restart and stop."""

    def __init__(self, spec: str) -> None:
        version, _, name = spec.rpartition("/")
        if not version:
            installed = sorted((p.name for p in Path("/usr/lib/postgresql").iterdir()),
                               key=lambda v: [int(x) for x in v.split(".") if x.isdigit()])
            version = installed[-1]
        if name == "main":
            raise SystemExit("refusing to use the cluster 'main': others' tests run on it and "
                             "the fault test restarts its cluster; pick another name")
        self.version, self.name = version, name
        self.started_here = False

    @property
    def label(self) -> str:
        return f"{self.version}/{self.name}"

    def _status(self) -> dict[str, str] | None:
        output = _run(["pg_lsclusters", "--no-header"]).stdout
        for line in output.splitlines():
            parts = line.split()
            if parts[:2] == [self.version, self.name]:
                return {"port": parts[2], "status": parts[3]}
        return None

    def ensure_running(self) -> int:
        status = self._status()
        if status is None:
            port = free_port()
            log(f"creating PostgreSQL cluster {self.label} on port {port}")
            _run(["pg_createcluster", self.version, self.name, "-p", str(port),
                  "--start-conf=manual", "--", "--auth-host=trust", "--auth-local=trust"])
            conf = Path(f"/etc/postgresql/{self.version}/{self.name}/conf.d/90-load.conf")
            conf.write_text("listen_addresses = '127.0.0.1'\n")
            status = self._status()
            assert status is not None
        if status["status"] != "online":
            self.ctl("start")
            self.started_here = True
        port = int(status["port"])
        wait_for_postgres(port, 30)
        return port

    def ctl(self, action: str, *extra: str) -> None:
        _run(["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action,
              *extra])

    def restart(self, mode: str) -> None:
        self.ctl("restart", "-m", mode)

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.ctl("stop", "-m", "fast")


def admin_dsn(port: int, database: str = "postgres") -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/{database}"


def wait_for_postgres(port: int, seconds: float) -> None:
    import psycopg

    deadline = time.monotonic() + seconds
    while True:
        try:
            with psycopg.connect(admin_dsn(port), connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def database_roles(database: str) -> tuple[str, str]:
    """The owner of the database's tables and the application's role."""
    return f"{database}_owner", f"{database}_app"


def database_url(port: int, database: str, role: str) -> str:
    return f"postgresql+psycopg://{role}@127.0.0.1:{port}/{database}"


@contextlib.contextmanager
def fresh_database(port: int, keep: bool) -> Iterator[str]:
    """A new database owned by a new role, and the application's role beside it."""
    import psycopg

    name = f"buurtpad_load_{datetime.now(UTC):%Y%m%d_%H%M%S}_{os.getpid()}"
    owner, application = database_roles(name)
    with psycopg.connect(admin_dsn(port), autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{owner}" LOGIN')
        admin.execute(f'CREATE ROLE "{application}" LOGIN')
        admin.execute(f'CREATE DATABASE "{name}" OWNER "{owner}"')
    try:
        yield name
    finally:
        if keep:
            log(f"kept database {name} and roles {owner}, {application} on port {port}")
        else:
            with contextlib.suppress(Exception), \
                    psycopg.connect(admin_dsn(port), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'DROP ROLE IF EXISTS "{application}"')
                admin.execute(f'DROP ROLE IF EXISTS "{owner}"')


def flask(env: dict[str, str], *arguments: str, check: bool = True
          ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VENV_BIN / "flask"), "--app", "app", *arguments], cwd=ROOT,
                          env=env, capture_output=True, text=True, check=check)


# --------------------------------------------------------------------------- gunicorn


class Server:
    """gunicorn with several sync workers, bound to 127.0.0.1 on a free port."""

    def __init__(self, env: dict[str, str], workers: int, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log_path = log_path
        self._log = log_path.open("w")
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "--workers", str(workers),
             "--bind", f"127.0.0.1:{self.port}", "--timeout", "30", "--graceful-timeout", "5",
             "app:create_app()"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self, seconds: float = 60) -> None:
        import requests

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/api/openapi.json", timeout=2).ok \
                        and len(self.worker_pids()) == self.workers:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {seconds} s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                # The command may contain spaces and parentheses: the ppid follows the last ')'.
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    pids.append(int(entry.name))
        return sorted(pids)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._log.close()


# --------------------------------------------------------------------------- the client


@dataclass
class Call:
    """One request and what came of it; `started`/`ended` are seconds since the load began."""

    kind: str
    trigger: str | None
    started: float
    ended: float
    status: int | None
    error: str | None
    request_id: str
    object_type: str | None = None
    object_id: str | None = None
    state: str | None = None
    version: int | None = None
    creates: bool = False
    role: str = ""

    @property
    def outcome(self) -> str:
        if self.status is None:
            return self.error or "no answer"
        if self.status >= 500:
            return "5xx"
        if self.status >= 400:
            return str(self.status)
        return "ok"


class Budget:
    """The bounds of the run: a deadline and a number of requests, shared by every thread."""

    def __init__(self, seconds: float, requests: int) -> None:
        self.t0 = time.monotonic()
        self.deadline = self.t0 + seconds
        self.remaining = requests
        self._lock = threading.Lock()
        self.stopped = threading.Event()

    def now(self) -> float:
        return time.monotonic() - self.t0

    def take(self) -> bool:
        with self._lock:
            if self.remaining <= 0 or time.monotonic() >= self.deadline or self.stopped.is_set():
                self.stopped.set()
                return False
            self.remaining -= 1
            return True


class Client:
    """One person's HTTP client (one thread); every call is recorded."""

    def __init__(self, base: str, token: str, budget: Budget, calls: list[Call]) -> None:
        import requests

        self.base = base + "/api/v1"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.budget = budget
        self.calls = calls
        self.role = ""  # set by the work this client does

    def call(self, method: str, path: str, kind: str, *, json_body: Any = None,
             params: dict[str, Any] | None = None, trigger: str | None = None,
             object_type: str | None = None, object_id: str | None = None,
             creates: bool = False) -> Any | None:
        """The JSON answer of a 2xx, else None. Raises Exhausted when the budget is spent."""
        import requests

        if not self.budget.take():
            raise Exhausted
        request_id = secrets.token_hex(12)
        started = self.budget.now()
        status: int | None = None
        error: str | None = None
        body: Any = None
        try:
            response = self.session.request(
                method, self.base + path, json=json_body, params=params, timeout=(3, 20),
                headers={"X-Request-Id": request_id})
            status = response.status_code
            if response.ok and response.content:
                body = response.json()
        except requests.Timeout:
            error = "timeout"
        except requests.ConnectionError:
            error = "connection"
        except requests.RequestException as exc:
            error = type(exc).__name__
        record = Call(kind, trigger, started, self.budget.now(), status, error, request_id,
                      object_type, object_id, creates=creates, role=self.role)
        if isinstance(body, dict):
            record.object_id = record.object_id or (str(body["id"]) if "id" in body else None)
            record.state = body.get("state")
            record.version = body.get("version")
        self.calls.append(record)
        return body if status is not None and 200 <= status < 300 else None


class Exhausted(Exception):
    """The run's time or request budget is spent."""


def login(base: str, email: str) -> str:
    import requests

    for _attempt in range(5):
        response = requests.post(f"{base}/api/v1/auth/token",
                                 json={"email": email, "password": DEMO_PASSWORD}, timeout=30)
        if response.status_code == 201:
            return str(response.json()["token"])
        time.sleep(1)
    raise RuntimeError(f"login of {email} failed: {response.status_code} {response.text[:200]}")


def in_days(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0).isoformat()


class CoachWork:
    """A flatcoach at the doors of their buildings: visits, new residents, cases moved along,
    consents asked and given, handovers prepared and offered, introductions held, cases
    closed once help has started."""

    ROLE = "flatcoach"

    def __init__(self, client: Client, dwellings: list[int], organizations: list[int],
                 rng: random.Random) -> None:
        self.c, self.dwellings, self.organizations, self.rng = client, dwellings, organizations, rng
        client.role = self.ROLE
        self.cases: dict[str, str] = {}  # case id -> resident id
        self.notes = 0

    def step(self) -> None:
        roll = self.rng.random()
        if roll < 0.22:
            self.visit()
        elif (roll < 0.36 and len(self.cases) < 25) or not self.cases:
            self.new_resident()
        else:
            self.advance(self.rng.choice(list(self.cases)))

    def visit(self) -> None:
        outcome = self.rng.choice(["not_home", "not_home", "talked", "declined", "revisit"])
        talked = outcome == "talked"
        self.c.call("POST", "/visits", "POST /visits", creates=True, object_type="visit",
                    json_body={"dwelling_id": self.rng.choice(self.dwellings), "outcome": outcome,
                               "themes": ["loneliness"] if talked else [],
                               "offers": ["cooking"] if talked else [],
                               "willingness": 2 if talked else None,
                               "notes": "Tevreden over de flat, wil graag buren leren kennen."
                               if talked else ""})

    def new_resident(self) -> None:
        resident = self.c.call("POST", "/residents", "POST /residents", creates=True,
                               object_type="resident", json_body={
                                   "dwelling_id": self.rng.choice(self.dwellings),
                                   "display_name": f"Bewoner {self.rng.randint(100, 999)}",
                                   "birth_year": self.rng.randint(1940, 2000),
                                   "languages": ["nl"]})
        if resident is None:
            return
        case = self.c.call("POST", "/cases", "POST /cases", creates=True, object_type="case",
                           json_body={"resident_id": resident["id"]})
        if case is not None:
            self.cases[case["id"]] = resident["id"]

    def fire(self, kind: str, object_type: str, object_id: str, trigger: str, version: int,
             **arguments: Any) -> Any:
        plural = {"case": "cases", "handover": "handovers", "consent": "consents"}[object_type]
        return self.c.call("POST", f"/{plural}/{object_id}/transitions", kind, trigger=trigger,
                           object_type=object_type, object_id=object_id,
                           json_body={"trigger": trigger, "version": version, **arguments})

    def fire_case(self, case: dict[str, Any], trigger: str, **arguments: Any) -> Any:
        return self.fire("POST /cases/{id}/transitions", "case", case["id"], trigger,
                         case["version"], **arguments)

    def fire_handover(self, handover: dict[str, Any], trigger: str, **arguments: Any) -> Any:
        return self.fire("POST /handovers/{id}/transitions", "handover", handover["id"],
                         trigger, handover["version"], **arguments)

    def fire_consent(self, consent: dict[str, Any], trigger: str, **arguments: Any) -> Any:
        return self.fire("POST /consents/{id}/transitions", "consent", consent["id"], trigger,
                         consent["version"], **arguments)

    def advance(self, case_id: str) -> None:
        case = self.c.call("GET", f"/cases/{case_id}", "GET /cases/{id}")
        if case is None:
            return
        state, roll = case["state"], self.rng.random()
        if state == "closed":
            del self.cases[case_id]
        elif state == "contacted":
            self.fire_case(case, "start_exploring")
        elif state == "paused":
            self.fire_case(case, "resume")
        elif state != "referred" and roll < 0.05:
            self.fire_case(case, "pause", reason="Bewoner is een paar weken op familiebezoek.")
        elif roll < 0.12:
            self.notes += 1
            self.c.call("PATCH", f"/cases/{case_id}", "PATCH /cases/{id}",
                        object_type="case", object_id=case_id,
                        json_body={"version": case["version"], "household_size": 2,
                                   "coach_notes": f"Gesprek {self.notes}: gaat iets beter."})
        elif state == "exploring":
            if case["help_question"] is None and self.c.call(
                    "PUT", f"/cases/{case_id}/help-question", "PUT /cases/{id}/help-question",
                    json_body={"text": "Ik wil hulp bij het regelen van mijn rekeningen.",
                               "themes": ["finances"], "urgency": "normal"}) is None:
                return
            self.fire_case(case, "formulate_question")
        elif state == "question_formulated":
            self.toward_handover(case)
        elif state in ("referred", "supported"):
            self.follow_handovers(case)

    def toward_handover(self, case: dict[str, Any]) -> None:
        waiting = [h for h in case["handovers"] if h["state"] in ("draft", "awaiting_consent")]
        if waiting:
            handover = self.c.call("GET", f"/handovers/{waiting[0]['id']}", "GET /handovers/{id}")
            if handover is not None:
                self.finish_offer(handover)
            return
        if self.rng.random() < 0.08:
            self.fire_case(case, "revise_question")
            return
        consent = self.c.call("POST", f"/residents/{self.cases[case['id']]}/consents",
                              "POST /residents/{id}/consents", creates=True,
                              object_type="consent", json_body={
                                  "purpose": "warm_handover",
                                  "recipient_organization_id": self.rng.choice(self.organizations),
                                  "data_categories": CATEGORIES})
        if consent is None:
            return
        if self.rng.random() < 0.1:
            self.fire_consent(consent, "refuse")
            return
        if self.rng.random() < 0.7:
            consent = self.fire_consent(consent, "give", method="verbal",
                                        notice_version="2026-01")
            if consent is None:
                return
        handover = self.c.call("POST", f"/cases/{case['id']}/handovers",
                               "POST /cases/{id}/handovers", creates=True,
                               object_type="handover", json_body={
                                   "organization_id": consent["recipient_organization_id"],
                                   "purpose": "warm_handover", "data_categories": CATEGORIES,
                                   "consent_id": consent["id"],
                                   "note": "Graag samen kennismaken in de Buurtkamer."})
        if handover is not None:
            self.finish_offer(handover)

    def finish_offer(self, handover: dict[str, Any]) -> None:
        """Give the linked consent if the resident has not yet, then offer."""
        consent_id = handover.get("consent_id")
        if consent_id is None:
            self.fire_handover(handover, "withdraw", reason="Opnieuw beginnen met toestemming.")
            return
        consent = self.c.call("GET", f"/consents/{consent_id}", "GET /consents/{id}")
        if consent is None:
            return
        if consent["state"] == "requested":
            if handover["state"] == "draft":
                handover = self.fire_handover(handover, "request_consent")
                if handover is None:
                    return
            if self.fire_consent(consent, "give", method="written",
                                 notice_version="2026-01") is None:
                return
        elif consent["state"] != "given":
            self.fire_handover(handover, "withdraw", reason="Toestemming geweigerd.")
            return
        self.fire_handover(handover, "offer")

    def follow_handovers(self, case: dict[str, Any]) -> None:
        active = [h for h in case["handovers"]
                  if h["state"] in ("offered", "accepted", "intro_scheduled", "intro_held")]
        if case["state"] == "supported" and not any(
                h["state"] not in ("completed", "declined", "withdrawn") for h in case["handovers"]):
            self.fire_case(case, "close", outcome="help_started")
            return
        if not active:
            return
        handover = self.c.call("GET", f"/handovers/{self.rng.choice(active)['id']}",
                               "GET /handovers/{id}")
        if handover is None:
            return
        roll = self.rng.random()
        if handover["state"] == "offered" and roll < 0.06 and handover.get("consent_id"):
            # The resident changes their mind: the consent ends, and with it the handover.
            consent = self.c.call("GET", f"/consents/{handover['consent_id']}",
                                  "GET /consents/{id}")
            if consent is not None and consent["state"] == "given":
                self.fire_consent(consent, "withdraw", reason="Bewoner wil het toch zelf doen.")
        elif handover["state"] == "accepted" and roll < 0.5:
            self.fire_handover(handover, "schedule_intro", intro_at=in_days(3),
                               place="Buurtkamer Overvecht")
        elif handover["state"] == "intro_scheduled" and roll < 0.5:
            self.fire_handover(handover, "record_intro")


class ProfessionalWork:
    """A professional's inbox: read offered handovers, accept or decline them, schedule and
    hold the introduction, confirm that help has started."""

    ROLE = "professional"
    STATES = (("offered", 0.45), ("accepted", 0.2), ("intro_scheduled", 0.15),
              ("intro_held", 0.2))

    def __init__(self, client: Client, rng: random.Random) -> None:
        self.c, self.rng = client, rng
        client.role = self.ROLE

    def step(self) -> None:
        state = self.rng.choices([s for s, _ in self.STATES], [w for _, w in self.STATES])[0]
        items = self.c.call("GET", "/handovers", "GET /handovers",
                            params={"state": state, "page_size": 20})
        if not items:
            return
        handover = self.c.call("GET", f"/handovers/{self.rng.choice(items)['id']}",
                               "GET /handovers/{id}")
        if handover is None or handover["state"] != state:
            return
        roll = self.rng.random()
        if state == "offered":
            if roll < 0.85:
                self.fire(handover, "accept")
            else:
                self.fire(handover, "decline", decline_reason="not_our_field",
                          reason="Past niet bij ons aanbod, liever schuldhulp.")
        elif state == "accepted":
            self.fire(handover, "schedule_intro", intro_at=in_days(2), place="Buurtkamer")
        elif state == "intro_scheduled":
            if roll < 0.2:
                self.fire(handover, "reschedule_intro", intro_at=in_days(5), place="Buurtkamer")
            else:
                self.fire(handover, "record_intro")
        elif state == "intro_held":
            self.fire(handover, "complete")

    def fire(self, handover: dict[str, Any], trigger: str, **arguments: Any) -> None:
        self.c.call("POST", f"/handovers/{handover['id']}/transitions",
                    "POST /handovers/{id}/transitions", trigger=trigger, object_type="handover",
                    object_id=handover["id"],
                    json_body={"trigger": trigger, "version": handover["version"], **arguments})


class PrivacyWork:
    """The privacy officer reads the processing log and the audit events, and verifies the
    chains now and then."""

    ROLE = "privacy_officer"

    def __init__(self, client: Client, rng: random.Random) -> None:
        self.c, self.rng, self.turn = client, rng, 0
        client.role = self.ROLE
        self.verified = 0
        self.found_invalid: list[Any] = []  # verification answers that said "broken"

    def step(self) -> None:
        self.turn += 1
        if self.turn % 8 == 0:
            answer = self.c.call("GET", "/audit/verify", "GET /audit/verify")
            if answer is not None:
                self.verified += 1
                if not answer["valid"]:
                    self.found_invalid.append(answer["logs"])
        elif self.turn % 2:
            self.c.call("GET", "/audit/processing-log", "GET /audit/processing-log",
                        params={"page": self.rng.randint(1, 3), "page_size": 25})
        else:
            self.c.call("GET", "/audit/events", "GET /audit/events",
                        params={"event_type": "transition", "page_size": 25})
        time.sleep(0.05)  # reading, not hammering


def run_person(work: Any, errors: list[str]) -> None:
    try:
        while True:
            work.step()
    except Exhausted:
        return
    except Exception as error:  # noqa: BLE001 - a client bug must not hang the run; reported
        errors.append(f"{type(work).__name__}: {type(error).__name__}: {error}")


# --------------------------------------------------------------------------- faults


@dataclass
class Fault:
    kind: str
    started: float  # seconds since the load began
    action_done: float | None = None  # the kill was sent / PostgreSQL accepts connections again
    recovered: float | None = None  # first good answer of the service after the fault
    workers_back: float | None = None  # gunicorn has its full set of workers again
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def recovery_seconds(self) -> float | None:
        return None if self.recovered is None else round(self.recovered - self.started, 3)

    @property
    def window(self) -> tuple[float, float]:
        end = self.recovered if self.recovered is not None else float("inf")
        return self.started, end + GRACE_SECONDS

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["recovery_seconds"] = self.recovery_seconds
        data["after_action_seconds"] = (None if self.recovered is None or self.action_done is None
                                        else round(self.recovered - self.action_done, 3))
        return data


class FaultInjector:
    """Kills one gunicorn worker, later restarts PostgreSQL, and measures how long until the
    service answers a request that needs the database (GET /me: the token is looked up)."""

    def __init__(self, server: Server, cluster: Cluster | None, restart_mode: str,
                 budget: Budget, probe_token: str, duration: float) -> None:
        self.server, self.cluster, self.mode = server, cluster, restart_mode
        self.budget, self.token, self.duration = budget, probe_token, duration
        self.faults: list[Fault] = []
        self.errors: list[str] = []

    def run(self) -> None:
        try:
            self._wait_until(0.25 * self.duration)
            if not self.budget.stopped.is_set():
                self.kill_worker()
            self._wait_until(0.55 * self.duration)
            if not self.budget.stopped.is_set() and self.cluster is not None:
                self.restart_postgres()
        except Exception as error:  # noqa: BLE001 - reported with the results
            self.errors.append(f"{type(error).__name__}: {error}")

    def _wait_until(self, at: float) -> None:
        while self.budget.now() < at and not self.budget.stopped.is_set():
            time.sleep(0.05)

    def kill_worker(self) -> None:
        before = self.server.worker_pids()
        victim = random.choice(before)
        fault = Fault("kill -9 gunicorn worker", self.budget.now(),
                      detail={"pid": victim, "workers_before": len(before)})
        os.kill(victim, signal.SIGKILL)
        fault.action_done = self.budget.now()
        self.faults.append(fault)
        log(f"fault: killed gunicorn worker {victim}")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if fault.recovered is None and self._probe():
                fault.recovered = self.budget.now()
            pids = self.server.worker_pids()
            if fault.workers_back is None and victim not in pids \
                    and len(pids) == self.server.workers:
                fault.workers_back = self.budget.now()
                fault.detail["replacement"] = sorted(set(pids) - set(before))
            if fault.recovered is not None and fault.workers_back is not None:
                break
            time.sleep(0.05)

    def restart_postgres(self) -> None:
        assert self.cluster is not None
        fault = Fault(f"restart PostgreSQL (-m {self.mode})", self.budget.now(),
                      detail={"cluster": self.cluster.label})
        self.faults.append(fault)
        log(f"fault: restarting PostgreSQL cluster {self.cluster.label} (-m {self.mode})")
        self.cluster.restart(self.mode)
        fault.action_done = self.budget.now()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._probe():
                fault.recovered = self.budget.now()
                break
            time.sleep(0.05)
        log(f"fault: service answers again {fault.recovery_seconds} s after the restart began")

    def _probe(self) -> bool:
        import requests

        with contextlib.suppress(requests.RequestException):
            response = requests.get(f"{self.server.url}/api/v1/me", timeout=2,
                                    headers={"Authorization": f"Bearer {self.token}"})
            return response.status_code == 200
        return False


class LockSampler:
    """Samples, four times a second, how many of the database's sessions are running a
    statement and how many of those wait for a lock: appends to the hash-chained logs all
    lock their log's chain-head row, so under write load they queue there."""

    QUERY = ("SELECT count(*) FILTER (WHERE state = 'active'), "
             "count(*) FILTER (WHERE wait_event_type = 'Lock') "
             "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")

    def __init__(self, dsn: str, budget: Budget) -> None:
        self.dsn, self.budget = dsn, budget
        self.samples: list[tuple[int, int]] = []

    def run(self) -> None:
        import psycopg

        while not self.budget.stopped.is_set():
            with contextlib.suppress(psycopg.Error), \
                    psycopg.connect(self.dsn, autocommit=True, connect_timeout=2) as conn:
                while not self.budget.stopped.is_set():
                    self.samples.append(conn.execute(self.QUERY).fetchone())
                    time.sleep(0.25)
            time.sleep(0.25)

    def summary(self) -> dict[str, Any]:
        if not self.samples:
            return {"samples": 0}
        active = [a for a, _ in self.samples]
        waiting = [w for _, w in self.samples]
        return {"samples": len(self.samples),
                "active_mean": round(sum(active) / len(active), 2),
                "waiting_for_lock_mean": round(sum(waiting) / len(waiting), 2),
                "waiting_for_lock_max": max(waiting),
                "share_of_samples_with_a_lock_wait": round(
                    sum(1 for w in waiting if w) / len(waiting), 3)}


# --------------------------------------------------------------------------- checks


def fetch_log_and_objects(dsn: str, after_seq: int) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(dsn) as conn:
        events = [LogEvent(*row) for row in conn.execute(
            "SELECT seq, event_type, object_type, object_id, trigger, from_state, to_state, "
            "actor_role, request_id FROM audit_events WHERE seq > %s ORDER BY seq",
            (after_seq,))]
        objects = [StoredObject("case", str(i), s, v, p) for i, s, v, p in conn.execute(
            "SELECT id, state, version, paused_from FROM cases")]
        objects += [StoredObject("handover", str(i), s, v, None, str(c)) for i, s, v, c in
                    conn.execute("SELECT id, state, version, case_id FROM handovers")]
        objects += [StoredObject("consent", str(i), s, v) for i, s, v in conn.execute(
            "SELECT id, state, version FROM consents")]
    return {"events": events, "objects": objects}


def snapshot(dsn: str) -> tuple[int, dict[tuple[str, str], Baseline]]:
    """The audit log's last sequence number and every workflow object's state and version."""
    import psycopg

    data = fetch_log_and_objects(dsn, 0)
    with psycopg.connect(dsn) as conn:
        last_seq = conn.execute("SELECT coalesce(max(seq), 0) FROM audit_events").fetchone()[0]
    return last_seq, {(o.object_type, o.object_id): Baseline(o.state, o.version, o.paused_from)
                      for o in data["objects"]}


TABLES = {"visit": "visits", "resident": "residents", "case": "cases", "consent": "consents",
          "handover": "handovers"}


def check_writes(dsn: str, calls: list[Call], events: list[LogEvent]) -> dict[str, Any]:
    """Every acknowledged create is in its table, with its creation event in the same request;
    every other acknowledged write (help question, notes, transitions) left an audit event."""
    import psycopg

    creation = {(e.request_id, e.event_type, e.object_id) for e in events}
    logged_requests = {e.request_id for e in events}
    created: dict[str, list[Call]] = defaultdict(list)
    missing: list[str] = []
    other_writes = 0
    for c in calls:
        if c.outcome != "ok" or c.kind.startswith("GET "):
            continue
        if c.creates and c.object_type:
            created[c.object_type].append(c)
        else:
            other_writes += 1
            if c.request_id not in logged_requests:
                missing.append(f"{c.kind} ({c.request_id}) acknowledged, left no audit event")
    counts = {"other writes": other_writes}
    with psycopg.connect(dsn) as conn:
        for object_type, acknowledged in created.items():
            ids = [c.object_id for c in acknowledged]
            present = {str(row[0]) for row in conn.execute(
                f"SELECT id FROM {TABLES[object_type]} WHERE id::text = ANY(%s)",  # noqa: S608
                (ids,))}
            counts[object_type] = len(ids)
            for c in acknowledged:
                if c.object_id not in present:
                    missing.append(f"{object_type} {c.object_id} acknowledged, not in the "
                                   "database")
                elif (c.request_id, CREATION_EVENTS[object_type], c.object_id) not in creation:
                    missing.append(f"{object_type} {c.object_id} has no "
                                   f"{CREATION_EVENTS[object_type]} event")
    return {"acknowledged": counts, "problems": missing}


# --------------------------------------------------------------------------- report


def request_table(calls: list[Call], seconds: float) -> tuple[str, list[dict[str, Any]]]:
    by_kind: dict[str, list[Call]] = defaultdict(list)
    for c in calls:
        by_kind[c.kind].append(c)
    rows = []
    for kind in sorted(by_kind, key=lambda k: -len(by_kind[k])):
        group = by_kind[kind]
        outcomes = Counter(c.outcome for c in group)
        lat = latency_summary([c.ended - c.started for c in group if c.status is not None])
        rows.append({"request": kind, "count": len(group), "per_second": round(len(group) / seconds, 1),
                     "ok": outcomes.pop("ok", 0), "other": dict(sorted(outcomes.items())),
                     **lat, "by_trigger": dict(Counter(c.trigger for c in group if c.trigger))})
    total_lat = latency_summary([c.ended - c.started for c in calls if c.status is not None])
    outcomes = Counter(c.outcome for c in calls)
    rows.append({"request": "all", "count": len(calls),
                 "per_second": round(len(calls) / seconds, 1), "ok": outcomes.pop("ok", 0),
                 "other": dict(sorted(outcomes.items())), **total_lat, "by_trigger": {}})
    header = ("request", "n", "req/s", "ok", "not ok", "p50 ms", "p95 ms", "p99 ms")
    lines = [(r["request"], str(r["count"]), f"{r['per_second']:.1f}", str(r["ok"]),
              ", ".join(f"{k}:{v}" for k, v in r["other"].items()) or "-",
              *(f"{r[k]:.1f}" if r[k] is not None else "-"
                for k in ("p50_ms", "p95_ms", "p99_ms"))) for r in rows]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    text = "\n".join(
        "  ".join(cell.rjust(w) if i else cell.ljust(w)
                  for i, (cell, w) in enumerate(zip(line, widths, strict=True)))
        for line in [header, *lines])
    return text, rows


def floor_rows(calls: list[Call], duration: float) -> list[Row]:
    """A run that did little proves little, however clean: each role's acknowledged work must
    reach its floor (scaled to the run's length), and refusals must stay a small share."""
    scale = duration / FLOOR_SECONDS
    rows = []
    for (role, work), per_run in FLOORS.items():
        done = sum(1 for c in calls if c.role == role and c.status is not None
                   and 200 <= c.status < 300 and ACKNOWLEDGED_WORK[work](c))
        floor = max(1, round(per_run * scale))
        rows.append(Row("floors", f"{role}: acknowledged {work}", str(done), f">= {floor}",
                        done >= floor))
    answered = [c for c in calls if c.status is not None]
    refused = sum(1 for c in answered if 400 <= c.status < 500)  # type: ignore[operator]
    share = refused / len(answered) if answered else 1.0
    rows.append(Row("floors", "4xx among answered requests",
                    f"{100 * share:.1f} % ({refused} of {len(answered)})",
                    f"<= {100 * MAX_SHARE_4XX:.0f} %", bool(answered) and share <= MAX_SHARE_4XX))
    return rows


def failures_outside_faults(calls: list[Call], faults: list[Fault]) -> dict[str, Any]:
    """5xx and lost connections, split by whether they ended while a fault lasted."""
    inside: Counter[str] = Counter()
    outside: list[dict[str, Any]] = []
    for c in calls:
        if c.status is not None and c.status < 500:
            continue
        fault = next((f for f in faults if f.window[0] <= c.ended <= f.window[1]), None)
        if fault is not None:
            inside[f"{fault.kind}: {c.outcome}"] += 1
        else:
            outside.append({"kind": c.kind, "outcome": c.outcome, "at": round(c.ended, 2)})
    return {"inside_faults": dict(inside), "outside_faults": outside}


# --------------------------------------------------------------------------- the run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (default 60)")
    parser.add_argument("--max-requests", type=int, default=30000,
                        help="stop after this many requests (default 30000)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--coach-threads", type=int, default=2,
                        help="concurrent clients per coach (default 2)")
    parser.add_argument("--professional-threads", type=int, default=1,
                        help="concurrent clients per professional (default 1)")
    parser.add_argument("--faults", action="store_true",
                        help="kill -9 a gunicorn worker at 25 %% and restart PostgreSQL at 55 %% "
                        "of the run")
    parser.add_argument("--restart-mode", choices=("fast", "immediate"), default="fast",
                        help="how PostgreSQL is stopped for the restart (immediate: as after a "
                        "crash, with recovery on start)")
    parser.add_argument("--cluster", default="buurtpad_load",
                        help="Debian cluster [VERSION/]NAME to run (created when missing; never "
                        "'main'; default buurtpad_load)")
    parser.add_argument("--postgres-port", type=int,
                        help="use the PostgreSQL server on this port of 127.0.0.1 as it is "
                        "instead of managing a cluster (no restart fault then)")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--keep-cluster-running", action="store_true")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--output", type=Path, default=RESULTS / "load.json")
    args = parser.parse_args(argv)

    seed = args.seed if args.seed is not None else secrets.randbelow(10**6)
    RESULTS.mkdir(exist_ok=True)
    cluster = None if args.postgres_port else Cluster(args.cluster)
    if cluster is None and args.postgres_port == 5432 and args.faults:
        log("the server on port 5432 is shared: the restart fault is skipped")
    started = time.perf_counter()
    try:
        port = args.postgres_port or cluster.ensure_running()  # type: ignore[union-attr]
        with fresh_database(port, args.keep_database) as database:
            result = run(args, cluster, port, database, seed)
    finally:
        if cluster is not None and cluster.started_here and not args.keep_cluster_running:
            cluster.stop()
    result["seconds_total"] = round(time.perf_counter() - started, 1)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(result["report"], flush=True)
    log(f"done in {result['seconds_total']} s; results in {args.output}")
    return 0 if result["holds"] else 1


def run(args: argparse.Namespace, cluster: Cluster | None, port: int, database: str,
        seed: int) -> dict[str, Any]:
    dsn = admin_dsn(port, database)
    owner, application = database_roles(database)
    # The application's processes know their own role only; the owner's URL is for migrating.
    env = {**os.environ, "DATABASE_URL": database_url(port, database, application),
           "SECRET_KEY": secrets.token_hex(32), "FLASK_DEBUG": "0"}
    env.pop("MIGRATION_DATABASE_URL", None)
    log(f"database {database} on port {port}: migrating as its owner, loading the demo as "
        "the application")
    flask({**env, "MIGRATION_DATABASE_URL": database_url(port, database, owner)}, "db", "upgrade")
    flask(env, "demo", "--password", DEMO_PASSWORD)
    gunicorn_log = RESULTS / "load-gunicorn.log"
    server = Server(env, args.workers, gunicorn_log)
    try:
        server.wait_ready()
        log(f"gunicorn with {args.workers} workers on {server.url}")
        outcome = load(args, server, cluster, dsn, seed)
    finally:
        server.stop()
    verify = flask(env, "audit", "verify", check=False)
    # Every count of neighbourhood insight kept through the run (and its faults) as the rows say.
    outcome["reconcile"] = flask(env, "insight", "reconcile", check=False)
    return report(args, outcome, verify, seed, port, database)


def load(args: argparse.Namespace, server: Server, cluster: Cluster | None, dsn: str,
         seed: int) -> dict[str, Any]:
    import requests

    tokens = {email: login(server.url, email)
              for email in (*COACHES, *PROFESSIONALS, PRIVACY_OFFICER)}
    organizations = {o["name"]: o["id"] for o in requests.get(
        f"{server.url}/api/v1/organizations", timeout=10,
        headers={"Authorization": f"Bearer {tokens[PRIVACY_OFFICER]}"}).json()}
    recipients = [organizations["Buurtteam Overvecht"], organizations["Schuldhulp Utrecht"]]
    dwellings: dict[str, list[int]] = {}
    for email in COACHES:
        headers = {"Authorization": f"Bearer {tokens[email]}"}
        buildings = requests.get(f"{server.url}/api/v1/buildings", headers=headers,
                                 timeout=10).json()
        dwellings[email] = [d["id"] for b in buildings for d in requests.get(
            f"{server.url}/api/v1/buildings/{b['id']}/dwellings", headers=headers,
            params={"page_size": 500}, timeout=10).json()]
    start_seq, baselines = snapshot(dsn)

    budget = Budget(args.duration, args.max_requests)
    calls: list[Call] = []
    client_errors: list[str] = []
    rng = random.Random(seed)
    people: list[Any] = []
    for email in COACHES:
        open_cases = [c for c in requests.get(
            f"{server.url}/api/v1/cases", params={"page_size": 100}, timeout=10,
            headers={"Authorization": f"Bearer {tokens[email]}"}).json()
            if c["state"] != "closed"]
        for thread in range(args.coach_threads):
            coach = CoachWork(Client(server.url, tokens[email], budget, calls),
                              dwellings[email], recipients, random.Random(rng.random()))
            # The demo's open cases are carried on too, each by one of the coach's clients.
            coach.cases.update((c["id"], c["resident_id"])
                               for c in open_cases[thread::args.coach_threads])
            people.append(coach)
    for email in PROFESSIONALS:
        for _ in range(args.professional_threads):
            people.append(ProfessionalWork(Client(server.url, tokens[email], budget, calls),
                                           random.Random(rng.random())))
    officer = PrivacyWork(Client(server.url, tokens[PRIVACY_OFFICER], budget, calls),
                          random.Random(rng.random()))
    people.append(officer)
    threads = [threading.Thread(target=run_person, args=(p, client_errors), daemon=True)
               for p in people]
    sampler = LockSampler(dsn, budget)
    threads.append(threading.Thread(target=sampler.run, daemon=True))
    injector = None
    if args.faults:
        injector = FaultInjector(server, cluster, args.restart_mode, budget,
                                 tokens[PRIVACY_OFFICER], args.duration)
        threads.append(threading.Thread(target=injector.run, daemon=True))
    log(f"load: {len(people)} clients for {args.duration:.0f} s or {args.max_requests} requests"
        f"{' with faults' if args.faults else ''}")
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(args.duration + 120)
    load_seconds = budget.now()
    budget.stopped.set()
    log(f"load done: {len(calls)} requests in {load_seconds:.1f} s; checking")
    return {"calls": calls, "seconds": load_seconds, "client_errors": client_errors,
            "faults": injector.faults if injector else [],
            "fault_errors": injector.errors if injector else [],
            "start_seq": start_seq, "baselines": baselines, "dsn": dsn,
            "clients": len(people),
            "locks": sampler.summary(),
            "verify_under_load": {"answers": officer.verified,
                                  "invalid": officer.found_invalid[:5],
                                  "invalid_count": len(officer.found_invalid)}}


def report(args: argparse.Namespace, outcome: dict[str, Any],
           verify: subprocess.CompletedProcess[str], seed: int, port: int,
           database: str) -> dict[str, Any]:
    calls: list[Call] = outcome["calls"]
    faults: list[Fault] = outcome["faults"]
    data = fetch_log_and_objects(outcome["dsn"], 0)
    events = [e for e in data["events"] if e.seq > outcome["start_seq"]]
    # Every object from its initial state through its whole log (the demo's history too);
    # versions from the snapshot before the run, since the demo backdates a few offers.
    history = explain(data["objects"], data["events"], check_versions=False)
    explanation = explain(data["objects"], events, outcome["baselines"])
    transition_requests = [
        Acknowledged(c.request_id, c.object_type or "", c.object_id or "", c.trigger or "",
                     c.status, c.state, c.version)
        for c in calls if c.trigger is not None]
    accounting = account(events, transition_requests, explanation.version_after)
    creates = check_writes(outcome["dsn"], calls, events)
    failures = failures_outside_faults(calls, faults)
    table, per_kind = request_table(calls, outcome["seconds"])
    five_xx = sum(1 for c in calls if c.outcome == "5xx")
    under_load = outcome["verify_under_load"]
    locks = outcome["locks"]

    rows = [
        Row("load", "requests", f"{len(calls)} in {outcome['seconds']:.1f} s "
            f"({len(calls) / outcome['seconds']:.1f}/s, {outcome['clients']} clients, "
            f"{args.workers} workers)", "bounded", None),
        Row("load", "sessions running a statement / waiting for a lock (mean, max wait)",
            f"{locks.get('active_mean', '-')} / {locks.get('waiting_for_lock_mean', '-')}, "
            f"max {locks.get('waiting_for_lock_max', '-')}; a lock wait in "
            f"{100 * locks.get('share_of_samples_with_a_lock_wait', 0):.0f} % of samples",
            "informational", None),
        Row("load", "5xx and lost connections" + (" outside faults" if args.faults else ""),
            str(len(failures["outside_faults"])), "0", not failures["outside_faults"]),
    ]
    if not args.faults:
        rows.append(Row("load", "5xx", str(five_xx), "0", five_xx == 0))
    for fault in faults:
        recovery = fault.recovery_seconds
        after = fault.as_dict()["after_action_seconds"]
        if fault.kind.startswith("restart"):
            rows.append(Row("faults", f"{fault.kind}: outage from the restart's start",
                            "never over" if recovery is None else f"{recovery:.2f} s",
                            "informational", None))
            rows.append(Row("faults", "service answers again after PostgreSQL is back",
                            "never" if after is None else f"{after:.2f} s",
                            f"<= {RECOVERY_GOAL_SECONDS:.0f} s",
                            after is not None and after <= RECOVERY_GOAL_SECONDS))
            continue
        rows.append(Row("faults", f"{fault.kind}: service answers again after",
                        "never" if recovery is None else f"{recovery:.2f} s",
                        f"<= {RECOVERY_GOAL_SECONDS:.0f} s",
                        recovery is not None and recovery <= RECOVERY_GOAL_SECONDS))
        if fault.workers_back is not None:
            rows.append(Row("faults", f"{fault.kind}: full set of workers again after",
                            f"{fault.workers_back - fault.started:.2f} s", "informational",
                            None))
    if args.faults:
        inside = failures["inside_faults"]
        rows.append(Row("faults", "failed requests while a fault lasted",
                        ", ".join(f"{k}: {v}" for k, v in sorted(inside.items())) or "none",
                        "allowed (reported)", None))
        expected = 1 if args.postgres_port else 2
        rows.append(Row("faults", "faults injected", str(len(faults)), str(expected),
                        len(faults) == expected and not outcome["fault_errors"]))
    rows += [
        Row("integrity", "flask audit verify", verify.stdout.strip().replace("\n", "; ")[:90],
            "exit 0", verify.returncode == 0),
        Row("integrity", "flask insight reconcile",
            (outcome["reconcile"].stdout.strip().splitlines() or ["no output"])[-1][:90],
            "exit 0", outcome["reconcile"].returncode == 0),
        Row("integrity", "acknowledged writes in the database with their audit event",
            f"{sum(creates['acknowledged'].values())} checked, {len(creates['problems'])} "
            "missing", "none missing", not creates["problems"]),
        Row("integrity", "transition events balance the client's requests",
            accounting.balance, "every event explained", accounting.holds),
        Row("integrity", "transitions without a 2xx that were applied all the same",
            ", ".join(accounting.ambiguous) or "none", "only during a fault (reported)",
            not accounting.ambiguous or bool(faults)),
        Row("integrity", "transitions without an answer that were not applied",
            str(accounting.not_applied_without_answer), "reported", None),
        Row("integrity", "every state explained by its whole log, from the initial state",
            f"{history.objects} objects, {history.transitions} transitions replayed, "
            f"{len(history.problems)} unexplained", "0 unexplained", history.holds),
        Row("integrity", "states and versions explained by the run's log",
            f"{explanation.transitions} transitions replayed from the snapshot before the "
            f"run, {len(explanation.problems)} unexplained", "0 unexplained",
            explanation.holds),
        Row("integrity", "GET /audit/verify under load says valid",
            f"{under_load['answers'] - under_load['invalid_count']} of {under_load['answers']}",
            "all", under_load["invalid_count"] == 0),
        Row("client", "client errors", str(len(outcome["client_errors"])), "0",
            not outcome["client_errors"]),
        *floor_rows(calls, args.duration),
    ]
    holds = all(r.holds is not False for r in rows)
    text = "\n".join([
        f"Buurtpad load test{' with faults' if args.faults else ''} — {len(calls)} requests, "
        f"{outcome['seconds']:.1f} s, gunicorn {args.workers} workers, PostgreSQL port {port}",
        "", table, "", format_table(rows), "",
        *(f"  problem: {p}" for p in (creates["problems"] + accounting.problems
                                      + history.problems + explanation.problems)[:30]),
        *(f"  failure outside faults: {f}" for f in failures["outside_faults"][:20]),
        *(f"  client error: {e}" for e in outcome["client_errors"][:10]),
        *(f"  fault error: {e}" for e in outcome["fault_errors"]),
        *(ACCEPTABLE if args.faults else ()),
        *(f"  does not hold: {r.figure}: {r.measured} (needs {r.goal})"
          for r in shortfalls(rows)),
        f"ALL CHECKS HOLD: {'yes' if holds else 'NO'}",
    ])
    return {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "holds": holds,
        "arguments": {k: str(v) for k, v in vars(args).items()},
        "seed": seed,
        "database": database,
        "python": sys.version.split()[0],
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "load_seconds": round(outcome["seconds"], 2),
        "requests": per_kind,
        "faults": [f.as_dict() for f in faults],
        "failures": failures,
        "audit_verify": {"exit": verify.returncode, "output": verify.stdout.strip()},
        "creates": creates,
        "accounting": {k: v for k, v in vars(accounting).items() if k != "problems"}
        | {"problems": accounting.problems, "balance": accounting.balance},
        "replay_whole_log": {"objects": history.objects, "transitions": history.transitions,
                             "problems": history.problems},
        "replay_run": {"objects": explanation.objects, "transitions": explanation.transitions,
                       "problems": explanation.problems},
        "verify_under_load": under_load,
        "database_sessions": locks,
        "client_errors": outcome["client_errors"],
        "fault_errors": outcome["fault_errors"],
        "checks": [r.as_dict() for r in rows],
        "report": text,
    }


if __name__ == "__main__":
    if shutil.which("pg_lsclusters") is None and "--postgres-port" not in " ".join(sys.argv):
        raise SystemExit("needs Debian's postgresql-common (pg_lsclusters, pg_createcluster)")
    sys.exit(main())
