"""The small-cell rule (`policies.small_cells`) cell by cell: which counts are small, when a
statistic or a rate is shown, worked examples of which cells are hidden and why, the interval
propagation an attacker would do, and the checks that refuse a table that is a bug."""

from __future__ import annotations

import pytest

from policies.small_cells import (
    INFINITY,
    MARKS,
    THRESHOLD,
    Bounds,
    InconsistentTable,
    SumRelation,
    Suppression,
    _hide_around,
    _membership,
    is_small,
    pinned,
    propagate,
    rate_suppression,
    statistic_suppression,
    suppress,
    suppress_cells,
)

SMALL, HIDDEN, TOO_FEW = Suppression.SMALL, Suppression.COMPLEMENTARY, Suppression.TOO_FEW


def test_a_count_of_one_to_four_is_small_zero_and_five_are_not():
    assert THRESHOLD == 5
    assert [count for count in range(7) if is_small(count)] == [1, 2, 3, 4]
    assert MARKS == {SMALL: "<5", HIDDEN: "•", TOO_FEW: "n<5"}


# --------------------------------------------------------------------------- statistics


@pytest.mark.parametrize(("people", "people_hidden", "shown_as"), [
    (4, None, TOO_FEW),  # a median of four people
    (5, None, None),
    (12, None, None),
    (3, SMALL, TOO_FEW),  # "<5" people: n<5 says no more than the count does
    (30, SMALL, TOO_FEW),
    (3, HIDDEN, HIDDEN),  # "•" people: "n<5" would tell that the hidden count is small
    (30, HIDDEN, HIDDEN),
])
def test_a_statistic_is_shown_over_five_people_or_more(people, people_hidden, shown_as):
    assert statistic_suppression(people, people_hidden) is shown_as


@pytest.mark.parametrize(("counts", "hidden", "shown_as"), [
    ({"part": 3, "all": 20}, {"part": SMALL}, HIDDEN),  # the rate would give the part away
    ({"part": 10, "all": 20}, {}, None),
    ({"part": 3, "all": 4}, {"part": SMALL, "all": SMALL}, TOO_FEW),
    ({"part": 0, "all": 4}, {"all": SMALL}, TOO_FEW),
    ({"part": 0, "all": 4}, {}, TOO_FEW),  # a shown denominator of four is still too few
    ({"part": 0, "all": 5}, {}, None),
    ({"part": 6, "all": 20}, {"all": HIDDEN}, HIDDEN),  # "•" over "•": no "n<5" either
    ({"part": 3, "all": 3}, {"all": HIDDEN}, HIDDEN),
])
def test_a_rate_is_shown_only_when_both_counts_are(counts, hidden, shown_as):
    assert rate_suppression("part", "all", counts, hidden) is shown_as


def test_a_rate_reads_cells_by_number_too():
    assert rate_suppression(0, 1, [3, 20], {0: SMALL}) is HIDDEN
    assert rate_suppression(0, 1, [3, 20], {}) is None
    assert rate_suppression(0, 1, [3, 20], {1: HIDDEN}) is HIDDEN


# --------------------------------------------------------------------------- worked examples


def buildings(*floors: list[int]) -> tuple[dict[str, int], list[SumRelation]]:
    """A neighbourhood ("all") of buildings b0, b1, … of floors b0f0, b0f1, …"""
    counts: dict[str, int] = {}
    relations = []
    for b, building in enumerate(floors):
        counts |= {f"b{b}f{f}": count for f, count in enumerate(building)}
        counts[f"b{b}"] = sum(building)
        relations.append(SumRelation(f"b{b}", tuple(f"b{b}f{f}" for f in range(len(building)))))
    relations.append(SumRelation("all", tuple(f"b{b}" for b in range(len(floors)))))
    return {"all": sum(map(sum, floors)), **counts}, relations


def grid(*rows: list[int]) -> tuple[dict[str, int], list[SumRelation]]:
    """Rows r0, r1, … by columns c0, c1, … with margins both ways and a grand total tt."""
    counts: dict[str, int] = {}
    relations = []
    width = len(rows[0])
    for r, row in enumerate(rows):
        counts |= {f"r{r}c{c}": count for c, count in enumerate(row)}
        counts[f"r{r}"] = sum(row)
        relations.append(SumRelation(f"r{r}", tuple(f"r{r}c{c}" for c in range(width))))
    for c in range(width):
        counts[f"c{c}"] = sum(row[c] for row in rows)
        relations.append(SumRelation(f"c{c}", tuple(f"r{r}c{c}" for r in range(len(rows)))))
    counts["tt"] = sum(map(sum, rows))
    relations.append(SumRelation("tt", tuple(f"c{c}" for c in range(width))))
    relations.append(SumRelation("tt", tuple(f"r{r}" for r in range(len(rows)))))
    return counts, relations


def hidden_as(hidden: dict[str, Suppression]) -> dict[str, str]:
    return {cell: MARKS[reason] for cell, reason in sorted(hidden.items())}


def suppressed(counts: dict[str, int], relations: list[SumRelation]) -> dict[str, str]:
    """`suppress`, held to its promises, in marks."""
    hidden = suppress(counts, relations)
    assert {cell for cell, count in counts.items() if is_small(count)} <= set(hidden)
    assert not {cell for cell, count in counts.items() if count == 0} & set(hidden)
    assert not pinned(counts, hidden, relations)
    return hidden_as(hidden)


def test_two_fours_and_a_zero_hide_the_total_and_show_the_zero():
    """8 = 4 + 0 + 4 pins both fours; the zero says nothing and no shown part is left."""
    counts = {"t": 8, "a": 4, "z": 0, "b": 4}
    assert suppressed(counts, [SumRelation("t", ("a", "z", "b"))]) == {
        "a": "<5", "b": "<5", "t": "•"}


def test_of_two_equal_parts_the_first_by_name_is_hidden_whatever_the_order():
    for parts in (("a", "z", "b"), ("a", "b", "z")):
        counts = {"t": 23, "a": 3, "z": 10, "b": 10}
        assert suppressed(counts, [SumRelation("t", parts)]) == {"a": "<5", "b": "•"}


def test_a_small_building_under_a_shown_neighbourhood_hides_the_neighbourhood():
    """The building's only other relation is the neighbourhood's, whose other part is a
    building (a total itself): the neighbourhood total goes, the building stays "<5"."""
    assert suppressed(*buildings([8], [1])) == {"all": "•", "b1": "<5", "b1f0": "<5"}
    assert suppressed(*buildings([3], [8])) == {"all": "•", "b0": "<5", "b0f0": "<5"}


def test_a_small_total_that_can_only_be_four_is_hidden_as_a_mark_that_says_less():
    """A building of one floor of 4 beside a building of 7 under 11: "<5" would be 4 for
    certain, so the building and its floor become "•", and the neighbourhood with them."""
    assert suppressed(*buildings([4], [7])) == {"all": "•", "b0": "•", "b0f0": "•"}
    assert suppressed(*buildings([4], [4])) == {"b0": "•", "b0f0": "•", "b1": "•",
                                                 "b1f0": "•"}


def test_worked_example_small_floors_in_three_buildings():
    assert suppressed(*buildings([1, 1], [1, 8], [1])) == {
        "all": "•", "b0": "•", "b0f0": "<5", "b0f1": "<5", "b1f0": "<5", "b1f1": "•",
        "b2": "<5", "b2f0": "<5"}
    assert suppressed(*buildings([5], [4, 30], [1, 1])) == {
        "all": "•", "b1f0": "<5", "b1f1": "•", "b2": "•", "b2f0": "•", "b2f1": "•"}


def test_worked_example_a_table_with_margins_both_ways():
    assert suppressed(*grid([4, 4], [6, 4])) == {
        "c0": "•", "c1": "•", "r0": "•", "r0c0": "<5", "r0c1": "•", "r1c0": "•",
        "r1c1": "<5", "tt": "•"}
    assert suppressed(*grid([30, 1], [12, 6])) == {
        "r0c0": "•", "r0c1": "<5", "r1c0": "•", "r1c1": "•"}


def test_public_cells_are_never_hidden_and_may_form_relations_of_their_own():
    doors = {"doors": 7, "d1": 3, "d2": 4, "knocked": 2}
    public = {"doors", "d1", "d2"}
    assert suppress(doors, [SumRelation("doors", ("d1", "d2"))], public=public) == {
        "knocked": SMALL}
    counts = {"t": 12, "a": 6, "b": 6, "doors": 3}
    assert suppress(counts, [SumRelation("t", ("a", "b"))], public={"doors"}) == {}


# --------------------------------------------------------------------------- a table that is a bug


@pytest.mark.parametrize(("counts", "relations", "message"), [
    ({"t": 4, "a": 2}, [SumRelation("t", ("a", "a"))],
     "a cell appears twice in the relation of t"),
    ({"t": 4, "a": 4}, [SumRelation("t", ("a", "x"))],
     r"relation names unknown cells: \['x'\]"),
    ({"t": 5, "a": 2, "b": 2}, [SumRelation("t", ("a", "b"))],
     "the parts of cell 0 do not add up to it"),
    ({"t": -1, "a": -1}, [SumRelation("t", ("a",))], "counts are never negative"),
])
def test_a_table_that_does_not_add_up_is_refused(counts, relations, message):
    with pytest.raises(InconsistentTable, match=f"^{message}$"):
        suppress(counts, relations)


def test_public_and_suppressible_cells_never_share_a_relation():
    with pytest.raises(InconsistentTable,
                       match="^relation of cell 0 mixes public and suppressible cells$"):
        suppress({"t": 5, "a": 5}, [SumRelation("t", ("a",))], public={"t"})


@pytest.mark.parametrize(("relation", "message"), [
    ((0, (1, 1)), "a cell appears twice in the relation of cell 0"),
    ((0, (1, 2)), "relation of cell 0 names unknown cells"),
    ((0, (-1,)), "relation of cell 0 names unknown cells"),
    ((2, (1,)), "relation of cell 2 names unknown cells"),
])
def test_numbered_cells_must_exist_and_appear_once(relation, message):
    with pytest.raises(InconsistentTable, match=f"^{message}$"):
        suppress_cells([3, 3], [relation], name=str)


# --------------------------------------------------------------------------- what an attacker works out


def test_propagation_needs_its_steps_and_says_when_it_ran_out():
    intervals = {"t": (10, 10), "a": (1, 4), "b": (0, INFINITY)}
    relations = [SumRelation("t", ("a", "b"))]
    # One step narrows b to 6..9, a second finds nothing more.
    assert propagate(intervals, relations, max_steps=2) == {
        "t": (10, 10), "a": (1, 4), "b": (6, 9)}
    assert propagate(intervals, relations, max_steps=1) is None
    assert propagate(intervals, relations, max_steps=0) is None


def test_a_cell_in_no_relation_keeps_its_value():
    assert propagate({"x": (3, 3), "y": (1, 4)}, []) == {"x": (3.0, 3.0), "y": (1.0, 4.0)}


def test_bounds_that_did_not_settle_assume_every_hidden_cell_pinned():
    unsettled = Bounds({"t": 10}, {"a": (1, 4), "b": (0, INFINITY)}, [("t", ("a", "b"))],
                       max_steps=0)
    assert not unsettled.converged
    assert unsettled.pinned({"a", "b"}) == {"a", "b"}
    settled = Bounds({"t": 10}, {"a": (1, 4), "b": (0, INFINITY)}, [("t", ("a", "b"))])
    assert settled.pinned({"a", "b"}) == set()
    assert settled.sources("b") == [0, 0]  # both of b's bounds came from relation 0
    assert settled.sources("a") == []


def test_intervals_that_cannot_be_met_are_a_bug():
    with pytest.raises(InconsistentTable, match="^cell t has no possible value$"):
        propagate({"t": (10, 10), "a": (1, 4), "b": (1, 4)}, [SumRelation("t", ("a", "b"))])


# --------------------------------------------------------------------------- the last resort


def test_the_last_resort_hides_every_count_connected_to_a_pinned_cell():
    """Relations 0: cell 0 = 1 + 2, 1: cell 3 = 2 + 4; cell 5 is elsewhere, cell 6 public,
    cell 4 a zero; cell 7, a one, is in no relation."""
    counts = [10, 4, 6, 6, 0, 9, 2, 1]
    cells_of = [(0, 1, 2), (3, 2, 4), (5,), (6,)]
    hidden = {1: SMALL, 7: SMALL}
    _hide_around({1, 7}, counts, hidden, cells_of, _membership(cells_of), public={6})
    assert hidden == {0: HIDDEN, 1: HIDDEN, 2: HIDDEN, 3: HIDDEN, 7: HIDDEN}


def test_membership_lists_each_cells_relations_in_order():
    cells_of = [(0, 1, 2), (3, 2), (2,)]
    assert dict(_membership(cells_of)) == {0: [0], 1: [0], 2: [0, 1, 2], 3: [1]}
    assert dict(_membership(cells_of, {2, 3})) == {2: [0, 1, 2], 3: [1]}
