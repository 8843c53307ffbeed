"""A consent-checked handover read by a professional versus the floor of the stack.

Product: GET /api/v1/handovers/{id} as the receiving professional through the Flask test
client — bearer token, handover loaded in the professional's scope, the consent gateway's
decision (`policies.decide` over the resident's consents), a processing-log chain append,
one real commit, the released categories serialised.

Floor: the same bare Flask + Flask-SQLAlchemy one-row insert with one commit as in
`transition_ratio`. Interleaved call by call; figure = median(floor) / median(product).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import (
    Row,
    World,
    build_world,
    db_kinds,
    disposing,
    engine_of,
    interleaved,
    log,
    login,
    median,
    ms,
    per_database,
    product_app,
    quartiles,
    standalone,
    statements_per_call,
    throwaway_database,
)
from bench.floor import FloorCaller, dispose_floor, floor_app
from bench.floor import engine_of as floor_engine

NAME = "read_ratio"
GOAL = 0.5
CATEGORIES = ["identity", "contact", "help_question"]


def offered_handover(application: Any, world: World) -> str:
    """A referred case with a help question, a given consent (and a few others) and a
    handover offered to the professional's organisation; returns the handover id."""
    from app.cases.models import Case, HelpQuestion
    from app.consent.models import Consent
    from app.db import db
    from app.handovers.models import Handover
    from app.residents.models import Resident

    now = datetime.now(UTC)
    with application.app_context():
        session = db.session
        resident = Resident(dwelling_id=world.dwelling_id, display_name="Fatima El Amrani",
                            birth_year=1958, phone="06-12345678",
                            languages=["Nederlands", "Arabisch"], created_by_id=world.coach_id)
        session.add(resident)
        session.flush()
        case = Case(resident_id=resident.id, coach_id=world.coach_id)
        case._write_state("referred")
        session.add(case)
        session.flush()
        session.add(HelpQuestion(case_id=case.id, text="Hulp bij de post en schulden",
                                 themes=["finances", "daily_administration"],
                                 updated_by_id=world.coach_id))
        consents = []
        for i, (purpose, state) in enumerate((("warm_handover", "given"),
                                              ("case_support", "given"),
                                              ("warm_handover", "withdrawn"),
                                              ("resident_connection", "given"))):
            consent = Consent(resident_id=resident.id, purpose=purpose,
                              recipient_organization_id=world.organization_id,
                              data_categories=list(CATEGORIES),
                              valid_until=now + timedelta(days=300 - i), method="verbal",
                              notice_version="2026-01", recorded_by_id=world.coach_id,
                              given_at=now)
            consent._write_state(state)
            session.add(consent)
            consents.append(consent)
        session.flush()
        handover = Handover(case_id=case.id, organization_id=world.organization_id,
                            purpose="warm_handover", data_categories=list(CATEGORIES),
                            consent_id=consents[0].id, created_by_id=world.coach_id,
                            offered_at=now, response_due_at=now + timedelta(days=10))
        handover._write_state("offered")
        session.add(handover)
        session.commit()
        return str(handover.id)


class HandoverReader:
    def __init__(self, client: Any, headers: dict[str, str], handover_id: str):
        self.client = client
        self.headers = headers
        self.url = f"/api/v1/handovers/{handover_id}"

    def __call__(self) -> None:
        response = self.client.get(self.url, headers=self.headers)
        if response.status_code != 200:
            raise RuntimeError(f"read failed: {response.status_code} {response.get_json()}")


def check_read(reader: HandoverReader) -> None:
    body = reader.client.get(reader.url, headers=reader.headers).get_json()
    if not body.get("access", {}).get("allowed") or not body.get("resident"):
        raise RuntimeError(f"the professional's read was not allowed: {body.get('access')}")


def measure(kind: str, n: int) -> Row:
    with throwaway_database(kind, "rr") as url:
        log(f"{NAME} [{kind}]: building schema, world and an offered handover")
        product = product_app(url)
        floor = floor_app(url, product.config["SQLALCHEMY_ENGINE_OPTIONS"])
        with disposing(product):
            try:
                world = build_world(product)
                handover_id = offered_handover(product, world)
                client = product.test_client()
                read = HandoverReader(client, login(client, world.professional_email),
                                      handover_id)
                check_read(read)
                insert_one = FloorCaller(floor.test_client())
                for _ in range(100):
                    read()
                    insert_one()
                product_sql = statements_per_call(engine_of(product), read)
                floor_sql = statements_per_call(floor_engine(floor), insert_one)
                log(f"{NAME} [{kind}]: {n} reads and {n} floor inserts, interleaved")
                times = interleaved({"product": read, "floor": insert_one}, n)
            finally:
                dispose_floor(floor)
    product_median, floor_median = median(times.wall["product"]), median(times.wall["floor"])
    ratio = floor_median / product_median
    cpu_ratio = median(times.cpu["floor"]) / median(times.cpu["product"])
    return Row(
        NAME,
        f"handover read floor/product ratio ({kind})",
        f"{ratio:.2f} (CPU-time {cpu_ratio:.2f}; floor {ms(floor_median)} / product "
        f"{ms(product_median)}; "
        f"SQL/req {floor_sql:.0f} vs {product_sql:.0f})",
        f"≥ {GOAL}",
        ratio >= GOAL,
        {"db": kind, "n": n, "ratio": ratio, "cpu_time_ratio": cpu_ratio, "product_median_s": product_median,
         "floor_median_s": floor_median, "product_iqr_s": quartiles(times.wall["product"]),
         "floor_iqr_s": quartiles(times.wall["floor"]), "product_sql_per_request": product_sql,
         "floor_sql_per_request": floor_sql},
    )


def run(args: argparse.Namespace) -> list[Row]:
    n = 150 if args.quick else 400
    return per_database(NAME, db_kinds(args.db), "handover read floor/product ratio",
                        f"≥ {GOAL}", lambda kind: measure(kind, n))


if __name__ == "__main__":
    standalone(NAME, run)
