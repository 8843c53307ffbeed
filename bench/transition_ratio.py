"""One case transition through the real stack versus the floor of that stack.

Product: POST /api/v1/cases/{id}/transitions through the Flask test client — bearer token,
case loaded in the coach's scope, workflow guard, state write with the version check, audit
chain append, one real commit, the case serialised back. Triggers pause/resume alternate on
a pool of cases; each request uses the version the previous response returned.

Floor: a bare Flask + Flask-SQLAlchemy app on the same database and engine options whose
endpoint validates the same JSON body with marshmallow and inserts one row with one commit.

Same-work floor: the same bare app doing, bare, the statements a transition needs (token
lookup, the row locked, version and state checked, the update, one hash-chained event, one
commit) on a pool of subjects of its own.

All three run in this process, interleaved call by call; each figure is
median(floor) / median(product): 1.0 means the product costs no more than that floor.
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
from bench.floor import FloorCaller, SameWorkCaller, dispose_floor, floor_app, seed_same_work
from bench.floor import engine_of as floor_engine

NAME = "transition_ratio"
GOAL = 0.5
SAME_WORK_GOAL = 0.6
POOL = 50


def measure(kind: str, n: int) -> list[Row]:
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
                seed_same_work(floor, POOL)
                bare = SameWorkCaller(floor.test_client(), POOL)
                for _ in range(2 * POOL):  # warm up caches and connection pools
                    fire()
                    insert_one()
                    bare()
                product_sql = statements_per_call(engine_of(product), fire)
                floor_sql = statements_per_call(floor_engine(floor), insert_one)
                same_work_sql = statements_per_call(floor_engine(floor), bare)
                log(f"{NAME} [{kind}]: {n} transitions, {n} floor inserts and {n} same-work "
                    "transitions, interleaved")
                times = interleaved({"product": fire, "floor": insert_one, "same_work": bare},
                                    n)
            finally:
                dispose_floor(floor)
    product_median, floor_median = median(times.wall["product"]), median(times.wall["floor"])
    ratio = floor_median / product_median
    cpu_ratio = median(times.cpu["floor"]) / median(times.cpu["product"])
    pq, fq = quartiles(times.wall["product"]), quartiles(times.wall["floor"])
    same_work_median = median(times.wall["same_work"])
    same_work_ratio = same_work_median / product_median
    same_work_cpu = median(times.cpu["same_work"]) / median(times.cpu["product"])
    return [Row(
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
    ), Row(
        NAME,
        f"transition same-work/product ratio ({kind})",
        f"{same_work_ratio:.2f} (CPU-time {same_work_cpu:.2f}; same work "
        f"{ms(same_work_median)} / product {ms(product_median)}; "
        f"SQL/req {same_work_sql:.0f} vs {product_sql:.0f})",
        f"≥ {SAME_WORK_GOAL}",
        same_work_ratio >= SAME_WORK_GOAL,
        {"db": kind, "n": n, "ratio": same_work_ratio, "cpu_time_ratio": same_work_cpu,
         "product_median_s": product_median, "same_work_median_s": same_work_median,
         "same_work_iqr_s": quartiles(times.wall["same_work"]),
         "product_sql_per_request": product_sql, "same_work_sql_per_request": same_work_sql},
    )]


def run(args: argparse.Namespace) -> list[Row]:
    n = 150 if args.quick else 400
    return per_database(NAME, db_kinds(args.db), "transition floor/product ratio", f"≥ {GOAL}",
                        lambda kind: measure(kind, n))


if __name__ == "__main__":
    standalone(NAME, run)
