"""`POST /api/v1/sync`: recordings per second for a door round of 200 doors sent at once.

The batch a phone sends after a morning without a signal: one recording for each of 200 doors
of the coach's building — three in four "not home" or "come back later", one in four a
conversation with its answers (themes, offers, willingness, household size, a note) — each
with its own client id and time at the door. Measured through the Flask test client with a
bearer token, one real commit per batch, as the API answers it: every recording loaded on
its own, the doors in the coach's scope locked in one order, each applied in a savepoint with
its receipt (the idempotency key), the visit and its audit entry, the door's latest answers
kept. Each round sends a new batch (new client ids) to the same doors, so the doors' visit
history grows a little each round, as it does in use; the figure is the median round's rate.
Beside it, informational: the same batch sent again (every recording already applied).
"""

from __future__ import annotations

import argparse
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import (
    Row,
    build_world,
    db_kinds,
    disposing,
    log,
    login,
    median,
    per_database,
    product_app,
    standalone,
    throwaway_database,
)

NAME = "sync"
# recordings/s: a whole building's round (200 doors) is applied in under 4 s, even on a busy
# shared machine — the coach sees the answer within seconds of the signal coming back.
GOAL = 50
DOORS = 200
THEMES = ("finances", "loneliness", "housing", "health", "work_income")
OFFERS = ("cooking", "company", "odd_jobs", "language_practice")


def _doors(application: Any, building_id: int) -> list[int]:
    from sqlalchemy import insert, select

    from app.buildings.models import Dwelling
    from app.db import db

    with application.app_context(), db.engine.begin() as conn:
        conn.execute(insert(Dwelling), [
            {"building_id": building_id, "street": "Dreef Bench", "number": 100 + 2 * i,
             "addition": "", "postcode": "3561 AB", "floor": 1 + i // 20}
            for i in range(DOORS)])
        return list(conn.execute(select(Dwelling.id).where(
            Dwelling.building_id == building_id, Dwelling.number >= 100)
            .order_by(Dwelling.id)).scalars())


def _batch(coach_id: int, doors: list[int], round_no: int) -> list[dict[str, Any]]:
    start = datetime.now(UTC) - timedelta(hours=3)
    items = []
    for i, door in enumerate(doors):
        recorded_at = start + timedelta(seconds=40 * i + round_no)
        if i % 4 == 3:
            visit = {"dwelling_id": door, "outcome": "talked",
                     "themes": [THEMES[i % len(THEMES)], THEMES[(i + round_no) % len(THEMES)]],
                     "offers": [OFFERS[i % len(OFFERS)]], "willingness": i % 4,
                     "household_size": 1 + i % 5, "notes": "Koffie gedronken aan de deur."}
        else:
            visit = {"dwelling_id": door, "outcome": "revisit" if i % 8 == 1 else "not_home"}
        items.append({"client_id": str(uuid.uuid4()), "kind": "visit",
                      "recorded_at": recorded_at.isoformat(), "recorded_by": coach_id,
                      "visit": visit})
    return items


def _send(client: Any, headers: dict[str, str], items: list[dict[str, Any]], expect: str
          ) -> float:
    started = time.perf_counter()
    response = client.post("/api/v1/sync", json={"items": items}, headers=headers)
    elapsed = time.perf_counter() - started
    body = response.get_json()
    if response.status_code != 200 or body[expect] != len(items):
        raise RuntimeError(f"sync did not {expect} every recording: {response.status_code} "
                           f"{ {k: body.get(k) for k in ('applied', 'already_applied', 'refused')} }")
    return elapsed


def measure(kind: str, rounds: int) -> list[Row]:
    with throwaway_database(kind, "sync") as url:
        log(f"{NAME} [{kind}]: schema, a coach and a building of {DOORS} doors")
        application = product_app(url)
        with disposing(application):
            world = build_world(application)
            doors = _doors(application, world.building_id)
            client = application.test_client()
            headers = login(client, world.coach_email)
            _send(client, headers, _batch(world.coach_id, doors, 0), "applied")  # warm up
            fresh, again = [], []
            for round_no in range(1, rounds + 1):
                items = _batch(world.coach_id, doors, round_no)
                fresh.append(_send(client, headers, items, "applied"))
                again.append(_send(client, headers, items, "already_applied"))
            rate = DOORS / median(fresh)
            resend = DOORS / median(again)
            log(f"{NAME} [{kind}]: {rate:.0f} recordings/s applied, {resend:.0f}/s resent")
            return [
                Row(NAME, f"sync: a {DOORS}-door round applied ({kind})",
                    f"{rate:.0f} recordings/s ({median(fresh):.2f} s a batch)",
                    f">= {GOAL} recordings/s", rate >= GOAL,
                    {"seconds": fresh, "rounds": rounds, "doors": DOORS}),
                Row(NAME, f"sync: the same round sent again ({kind})",
                    f"{resend:.0f} recordings/s, nothing changed", "—", None,
                    {"seconds": again}),
            ]


def run(args: argparse.Namespace) -> list[Row]:
    rounds = 2 if args.quick else 3
    return per_database(NAME, db_kinds(args.db), f"sync: a {DOORS}-door round applied",
                        f">= {GOAL} recordings/s", lambda kind: measure(kind, rounds))


if __name__ == "__main__":
    standalone(NAME, run)
