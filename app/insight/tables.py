"""A panel of neighbourhood insight as a table: rows, columns, the sum relations between its
cells, and the small-cell rule (`policies.small_cells`) applied before anything leaves.

One table holds the whole scope of the viewer: a block of rows for every building and one
for all of them together ("all"), tied by sum relations (all = the sum of the buildings).
The small-cell rule runs once over that whole table; choosing a building only selects the
rows to show (`build(view)`), it never computes suppression anew. So the answers for all
buildings and for each building are parts of one suppressed table, and subtracting one from
another gives nothing away that the table itself does not.

Cell ids in what leaves are `"<row id>:<column id>"`; relations name cells by those ids, so
whoever reads a panel (a chart, a CSV, an auditor) sees which shown numbers add up to which.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from policies.small_cells import (
    MARKS,
    Relation,
    Suppression,
    rate_suppression,
    statistic_suppression,
    suppress_cells,
)

COUNT = "count"  # people (or their households, cases, handovers): suppressed when small
PUBLIC = "public"  # a count anyone can observe (front doors, activities held): always shown
RATE = "rate"  # a count column over another count (of the same row, or of a row of the block)
DAYS = "days"  # a statistic over the people counted in another column of the row

ALL = "all"


@lru_cache(maxsize=4096)
def building_view(building_id: int) -> str:
    return f"b{building_id}"


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    kind: str = COUNT
    # RATE: (numerator column, denominator column[, row key of the denominator in the block]);
    # DAYS: (column counting the people the statistic is over,)
    of: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "kind": self.kind}


class Row:
    """One row of a table: in block `block` (a building, or "all"), shown in `views`;
    `number` is its place in the table."""

    __slots__ = ("block", "key", "label", "values", "level", "parent", "chart", "views",
                 "group", "number")

    def __init__(self, block: str, key: str, label: str, values: dict[str, Any], level: int,
                 parent: str | None, chart: bool, views: frozenset[str],
                 group: str | None, number: int) -> None:
        self.block, self.key, self.label, self.values = block, key, label, values
        self.level, self.parent, self.chart, self.views = level, parent, chart, views
        self.group, self.number = group, number

    @property
    def id(self) -> str:
        return f"{self.block}/{self.key}"


@lru_cache(maxsize=4096)
def _own_view(block: str) -> frozenset[str]:
    return frozenset({block})


# A row of a block: key, label, level, parent, chart, group (as `Table.add` takes them).
RowSpec = tuple[str, str, int, str | None, bool, str | None]


@dataclass
class Table:
    """Rows, columns and sum relations. Counted cells are numbered row by row (the counted
    columns of row 0, then of row 1, …), and relations name cells by number: a dashboard
    holds tens of thousands of them, and only the few that leave need a name."""

    id: str
    title: str
    question: str
    unit: str
    columns: Sequence[Column]
    chart_columns: Sequence[str]
    note: str = ""
    # The same rows whichever building is chosen: counts over all the viewer's buildings
    # (the organisations' answers), so that no building's share can be subtracted out.
    scope_wide: bool = False
    rows: list[Row] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    _blocks: dict[str, dict[str, Row]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._counted = [c.id for c in self.columns if c.kind in (COUNT, PUBLIC)]
        self._place = {column: i for i, column in enumerate(self._counted)}

    def add(self, block: str, key: str, label: str, values: dict[str, Any] | None = None, *,
            level: int = 0, parent: str | None = None, chart: bool = True,
            views: Iterable[str] | None = None, group: str | None = None) -> Row:
        rows = self._blocks.get(block)
        if rows is None:
            rows = self._blocks[block] = {}
        if key in rows:
            raise ValueError(f"row {block}/{key} is in the table already")
        row = Row(block, key, label, dict(values) if values else {}, level, parent, chart,
                  frozenset(views) if views is not None else _own_view(block), group,
                  len(self.rows))
        self.rows.append(row)
        rows[key] = row
        return row

    def add_block(self, block: str, specs: Sequence[RowSpec],
                  values: Mapping[str, dict[str, Any]]) -> None:
        """`add` for the rows `specs` of a block (see `row_specs`), with `values[key]`: a
        block per building makes tens of thousands of rows."""
        rows = self._blocks.setdefault(block, {})
        views = _own_view(block)
        table_rows = self.rows
        for key, label, level, parent, chart, group in specs:
            if key in rows:
                raise ValueError(f"row {block}/{key} is in the table already")
            given = values.get(key)
            row = Row(block, key, label, dict(given) if given else {}, level, parent, chart,
                      views, group, len(table_rows))
            table_rows.append(row)
            rows[key] = row

    @staticmethod
    def row_specs(keys: Iterable[tuple[str, str]],
                  options: Callable[[str], Mapping[str, Any]] | None = None) -> list[RowSpec]:
        """(key, label) with `add`'s keyword arguments `options(key)`, for `add_block`."""
        specs = []
        for key, label in keys:
            option = options(key) if options is not None else {}
            specs.append((key, label, option.get("level", 0), option.get("parent"),
                          option.get("chart", True), option.get("group")))
        return specs

    def row(self, block: str, key: str) -> Row:
        return self._blocks[block][key]

    def counted_columns(self) -> list[str]:
        return list(self._counted)

    def cell(self, row: Row, column: str) -> int:
        """The number of a counted cell."""
        return row.number * len(self._counted) + self._place[column]

    def sums(self, block: str, total: str, parts: Iterable[str],
             columns: Iterable[str] | None = None) -> None:
        """In `block`, row `total` is the sum of rows `parts`, column by column (filled in)."""
        rows = self._blocks[block]
        self._relate(rows[total], [rows[p] for p in parts], columns)

    def relate(self, totals: list[tuple[str, str]], parts: Iterable[tuple[str, str]],
               columns: Iterable[str] | None = None) -> None:
        """Row (block, key) `totals[0]` is the sum of the rows `parts`, column by column."""
        self._relate(self.row(*totals[0]), [self.row(b, k) for b, k in parts], columns)

    def _relate(self, total: Row, part_rows: list[Row], columns: Iterable[str] | None) -> None:
        width = len(self._counted)
        for column in columns if columns is not None else self._counted:
            if total.values.get(column) is None:
                total.values[column] = sum([int(value) for r in part_rows
                                            if (value := r.values.get(column))])
            if not part_rows:
                continue
            place = self._place[column]
            self.relations.append((total.number * width + place,
                                   tuple(r.number * width + place for r in part_rows)))

    def across(self, block: str, key: str, total: str, parts: Iterable[str]) -> None:
        """In row (block, key), column `total` is the sum of columns `parts`."""
        row = self.row(block, key)
        parts = list(parts)
        if row.values.get(total) is None:
            row.values[total] = sum(int(row.values.get(c) or 0) for c in parts)
        self.relations.append((self.cell(row, total), tuple(self.cell(row, c) for c in parts)))

    def blocks_add_up(self, blocks: Sequence[str], keys: Iterable[str]) -> None:
        """Block "all" is the sum of `blocks`, row by row (rows a block lacks count 0)."""
        block_rows = [self._blocks.get(b, {}) for b in blocks]
        totals = self._blocks[ALL]
        for key in keys:
            self._relate(totals[key], [rows[key] for rows in block_rows if key in rows], None)

    # ----------------------------------------------------------------- what leaves

    def build(self, view: str = ALL) -> dict[str, Any]:
        """The panel as it leaves: only the rows of `view`, after suppression over all rows."""
        counted = [c for c in self.columns if c.kind in (COUNT, PUBLIC)]
        names = [c.id for c in counted]
        width = len(counted)
        counts = [int(values.get(column) or 0)
                  for values in [row.values for row in self.rows] for column in names]
        public_places = [place for place, c in enumerate(counted) if c.kind == PUBLIC]
        public = {row.number * width + place for row in self.rows for place in public_places}
        hidden = suppress_cells(counts, self.relations, public=public, name=self._name)
        target = ALL if self.scope_wide else view
        shown = [row for row in self.rows if target in row.views]
        numbers = {row.number for row in shown}
        places = [(c, self._place.get(c.id)) for c in self.columns]
        rows = []
        for row in shown:
            cells = {}
            first = row.number * width
            for column, place in places:
                if place is None:
                    cells[column.id] = self._cell_out(row, column, counts, hidden)
                    continue
                count = counts[first + place]
                reason = hidden.get(first + place)
                cells[column.id] = _shown(count, str(count), reason)
            rows.append({"id": row.key, "label": row.label, "level": row.level,
                         "parent": row.parent, "group": row.group, "chart": row.chart,
                         "cells": cells})
        relations = []
        for total, parts in self.relations:
            if total // width in numbers and all(p // width in numbers for p in parts):
                relations.append({"total": self._out(total), "parts": list(map(self._out, parts))})
        count_places = [place for place, c in enumerate(counted) if c.kind == COUNT]
        empty = not any(counts[row.number * width + place] for row in shown
                        for place in count_places)
        return {
            "id": self.id, "title": self.title, "question": self.question, "unit": self.unit,
            "note": self.note, "empty": empty, "scope_wide": self.scope_wide,
            "columns": [c.as_dict() for c in self.columns],
            "chart": {"columns": list(self.chart_columns)},
            "rows": rows, "relations": relations,
        }

    def _name(self, cell: int) -> str:
        """A cell's id within the table: the tie-break between equal counts."""
        width = len(self._counted)
        return f"{self.rows[cell // width].id}:{self._counted[cell % width]}"

    def _out(self, cell: int) -> str:
        """A cell's id as it leaves: the row's key and the column."""
        width = len(self._counted)
        return f"{self.rows[cell // width].key}:{self._counted[cell % width]}"

    def _cell_out(self, row: Row, column: Column, counts: list[int],
                  hidden: dict[int, Suppression]) -> dict[str, Any]:
        """A rate or a statistic (counted cells are written out by `build`)."""
        if column.kind == RATE:
            numerator = self.cell(row, column.of[0])
            denominator_row = row if len(column.of) < 3 else self.row(row.block, column.of[2])
            denominator = self.cell(denominator_row, column.of[1])
            if counts[denominator] == 0:
                return _empty()
            reason = rate_suppression(numerator, denominator, counts, hidden)
            rate = counts[numerator] / counts[denominator]
            return _shown(round(rate, 4), f"{round(rate * 100)}%", reason)
        people = self.cell(row, column.of[0])
        value = row.values.get(column.id)
        if counts[people] == 0 or value is None:
            return _empty()
        days = round(float(value), 1)
        return _shown(days, f"{days:.1f}", statistic_suppression(counts[people],
                                                                 hidden.get(people)))


def _empty() -> dict[str, Any]:
    return {"value": None, "display": "", "suppressed": None}


def _shown(value: Any, display: str, reason: Suppression | None) -> dict[str, Any]:
    if reason is None:
        return {"value": value, "display": display, "suppressed": None}
    return {"value": None, "display": MARKS[reason], "suppressed": str(reason)}
