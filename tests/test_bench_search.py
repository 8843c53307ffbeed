"""The search benchmark runs end to end on a tiny neighbourhood and reports its rows: a time
per size, the growth between sizes with its goal, and the ratio to the lookup timed beside it.
No times are asserted here: the machine running the tests decides those."""

from __future__ import annotations

from bench.search import GROWTH_GOAL, QUERIES, measure


def test_the_search_benchmark_reports_its_figures():
    rows = measure("sqlite", (400, 800), runs=2)
    assert [row.figure for row in rows] == [
        "search, 400 residents (sqlite)", "search, 800 residents (sqlite)",
        "search time 800 / 400 residents (sqlite)"]
    small, large, growth = rows
    assert small.holds is None and large.holds is not None
    assert set(large.data["per_query_s"]) == {*QUERIES, "lookup"}
    assert large.data["ratio_to_lookup"] > 0
    assert growth.goal == f"≤ {GROWTH_GOAL:.0f}×" and growth.data["ratio"] > 0
