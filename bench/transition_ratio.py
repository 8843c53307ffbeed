"""One case transition through the real stack versus the floor of that stack.

Product: POST /api/v1/cases/{id}/transitions through the Flask test client — bearer token,
case loaded in the coach's scope, workflow guard, state write with the version check, audit
chain append, one real commit, the case serialised back. Triggers pause/resume alternate on
a pool of cases; each request uses the version the previous response returned.

Floor: a bare Flask + Flask-SQLAlchemy app on the same database and engine options whose
endpoint validates the same JSON body with marshmallow and inserts one row with one commit.

Both run in this process, interleaved call by call; the figure is
median(floor) / median(product): 1.0 means the product costs no more than the floor.
"""

from __future__ import annotations

import argparse

from bench.common import (
    CaseToggler,
    Row,
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
    seed_cases,
    standalone,
    statements_per_call,
    throwaway_database,
)
from bench.floor import FloorCaller, dispose_floor, floor_app
from bench.floor import engine_of as floor_engine

NAME = "transition_ratio"
GOAL = 0.5
POOL = 50


def measure(kind: str, n: int) -> Row:
    with throwaway_database(kind, "tr") as url:
        log(f"{NAME} [{kind}]: building schema and world")
        product = product_app(url)
        floor = floor_app(url, product.config["SQLALCHEMY_ENGINE_OPTIONS"])
        with disposing(product):
            try:
                world = build_world(product)
                cases = seed_cases(product, world, POOL)
                client = product.test_client()
                fire = CaseToggler(client, login(client, world.coach_email), cases)
                insert_one = FloorCaller(floor.test_client())
                for _ in range(2 * POOL):  # warm up caches and connection pools
                    fire()
                    insert_one()
                product_sql = statements_per_call(engine_of(product), fire)
                floor_sql = statements_per_call(floor_engine(floor), insert_one)
                log(f"{NAME} [{kind}]: {n} transitions and {n} floor inserts, interleaved")
                times = interleaved({"product": fire, "floor": insert_one}, n)
            finally:
                dispose_floor(floor)
    product_median, floor_median = median(times.wall["product"]), median(times.wall["floor"])
    ratio = floor_median / product_median
    cpu_ratio = median(times.cpu["floor"]) / median(times.cpu["product"])
    pq, fq = quartiles(times.wall["product"]), quartiles(times.wall["floor"])
    return Row(
        NAME,
        f"transition floor/product ratio ({kind})",
        f"{ratio:.2f} (CPU-time {cpu_ratio:.2f}; floor {ms(floor_median)} / product "
        f"{ms(product_median)}; "
        f"SQL/req {floor_sql:.0f} vs {product_sql:.0f})",
        f"≥ {GOAL}",
        ratio >= GOAL,
        {"db": kind, "n": n, "ratio": ratio, "cpu_time_ratio": cpu_ratio, "product_median_s": product_median,
         "floor_median_s": floor_median, "product_iqr_s": pq, "floor_iqr_s": fq,
         "product_sql_per_request": product_sql, "floor_sql_per_request": floor_sql},
    )


def run(args: argparse.Namespace) -> list[Row]:
    n = 150 if args.quick else 400
    return per_database(NAME, db_kinds(args.db), "transition floor/product ratio", f"≥ {GOAL}",
                        lambda kind: measure(kind, n))


if __name__ == "__main__":
    standalone(NAME, run)
