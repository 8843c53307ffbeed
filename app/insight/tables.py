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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from policies.small_cells import (
    MARKS,
    SumRelation,
    Suppression,
    rate_suppression,
    statistic_suppression,
    suppress,
)

COUNT = "count"  # people (or their households, cases, handovers): suppressed when small
PUBLIC = "public"  # a count anyone can observe (front doors, activities held): always shown
RATE = "rate"  # a count column over another count (of the same row, or of a row of the block)
DAYS = "days"  # a statistic over the people counted in another column of the row

ALL = "all"


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
    """One row of a table: in block `block` (a building, or "all"), shown in `views`."""

    __slots__ = ("block", "key", "label", "values", "level", "parent", "chart", "views",
                 "group", "id")

    def __init__(self, block: str, key: str, label: str, values: dict[str, Any], level: int,
                 parent: str | None, chart: bool, views: frozenset[str],
                 group: str | None) -> None:
        self.block, self.key, self.label, self.values = block, key, label, values
        self.level, self.parent, self.chart, self.views = level, parent, chart, views
        self.group = group
        self.id = f"{block}/{key}"


@lru_cache(maxsize=4096)
def _own_view(block: str) -> frozenset[str]:
    return frozenset({block})


def _cell(row_id: str, column: str) -> str:
    return f"{row_id}:{column}"


@dataclass
class Table:
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
    relations: list[SumRelation] = field(default_factory=list)
    _by_id: dict[str, Row] = field(default_factory=dict)

    def add(self, block: str, key: str, label: str, values: dict[str, Any] | None = None, *,
            level: int = 0, parent: str | None = None, chart: bool = True,
            views: Iterable[str] | None = None, group: str | None = None) -> Row:
        row = Row(block, key, label, dict(values) if values else {}, level, parent, chart,
                  frozenset(views) if views is not None else _own_view(block), group)
        self.rows.append(row)
        self._by_id[row.id] = row
        return row

    @property
    def row_ids(self) -> Iterable[str]:
        return self._by_id.keys()

    def row(self, block: str, key: str) -> Row:
        return self._by_id[f"{block}/{key}"]

    def counted_columns(self) -> list[str]:
        return [c.id for c in self.columns if c.kind in (COUNT, PUBLIC)]

    def sums(self, block: str, total: str, parts: Iterable[str],
             columns: Iterable[str] | None = None) -> None:
        """In `block`, row `total` is the sum of rows `parts`, column by column (filled in)."""
        self.relate([(block, total)], [(block, p) for p in parts], columns)

    def relate(self, totals: list[tuple[str, str]], parts: Iterable[tuple[str, str]],
               columns: Iterable[str] | None = None) -> None:
        """Row (block, key) `totals[0]` is the sum of the rows `parts`, column by column."""
        total = self._by_id[f"{totals[0][0]}/{totals[0][1]}"]
        part_rows = [self._by_id[f"{b}/{k}"] for b, k in parts]
        for column in columns if columns is not None else self.counted_columns():
            if total.values.get(column) is None:
                total.values[column] = sum(int(r.values.get(column) or 0) for r in part_rows)
            if not part_rows:
                continue
            self.relations.append(SumRelation(
                _cell(total.id, column), tuple(_cell(r.id, column) for r in part_rows)))

    def across(self, block: str, key: str, total: str, parts: Iterable[str]) -> None:
        """In row (block, key), column `total` is the sum of columns `parts`."""
        row = self.row(block, key)
        parts = list(parts)
        if row.values.get(total) is None:
            row.values[total] = sum(int(row.values.get(c) or 0) for c in parts)
        self.relations.append(SumRelation(_cell(row.id, total),
                                          tuple(_cell(row.id, c) for c in parts)))

    def blocks_add_up(self, blocks: Sequence[str], keys: Iterable[str]) -> None:
        """Block "all" is the sum of `blocks`, row by row (rows a block lacks count 0)."""
        for key in keys:
            present = [(b, key) for b in blocks if f"{b}/{key}" in self._by_id]
            self.relate([(ALL, key)], present)

    # ----------------------------------------------------------------- what leaves

    def build(self, view: str = ALL) -> dict[str, Any]:
        """The panel as it leaves: only the rows of `view`, after suppression over all rows."""
        counted = [c for c in self.columns if c.kind in (COUNT, PUBLIC)]
        counts: dict[str, int] = {}
        public: set[str] = set()
        for row in self.rows:
            for column in counted:
                key = _cell(row.id, column.id)
                counts[key] = int(row.values.get(column.id) or 0)
                if column.kind == PUBLIC:
                    public.add(key)
        hidden = suppress(counts, self.relations, public=public)
        shown = [row for row in self.rows if (ALL if self.scope_wide else view) in row.views]
        out_id = {row.id: row.key for row in shown}
        rows = [{
            "id": row.key, "label": row.label, "level": row.level, "parent": row.parent,
            "group": row.group, "chart": row.chart,
            "cells": {c.id: self._cell_out(row, c, counts, hidden) for c in self.columns},
        } for row in shown]
        relations = []
        for relation in self.relations:
            cells = relation.cells()
            if all(c.rpartition(":")[0] in out_id for c in cells):
                relations.append({"total": self._out(relation.total, out_id),
                                  "parts": [self._out(p, out_id) for p in relation.parts]})
        empty = not any(counts[_cell(r.id, c.id)] for r in shown for c in counted
                        if c.kind == COUNT)
        return {
            "id": self.id, "title": self.title, "question": self.question, "unit": self.unit,
            "note": self.note, "empty": empty, "scope_wide": self.scope_wide,
            "columns": [c.as_dict() for c in self.columns],
            "chart": {"columns": list(self.chart_columns)},
            "rows": rows, "relations": relations,
        }

    @staticmethod
    def _out(cell: str, out_id: dict[str, str]) -> str:
        row, _sep, column = cell.rpartition(":")
        return _cell(out_id[row], column)

    def _cell_out(self, row: Row, column: Column, counts: dict[str, int],
                  hidden: dict[str, Suppression]) -> dict[str, Any]:
        key = _cell(row.id, column.id)
        if column.kind in (COUNT, PUBLIC):
            return _shown(counts[key], str(counts[key]), hidden.get(key))
        if column.kind == RATE:
            numerator = _cell(row.id, column.of[0])
            denominator_row = row.id if len(column.of) < 3 else f"{row.block}/{column.of[2]}"
            denominator = _cell(denominator_row, column.of[1])
            if counts[denominator] == 0:
                return _empty()
            reason = rate_suppression(numerator, denominator, counts, hidden)
            rate = counts[numerator] / counts[denominator]
            return _shown(round(rate, 4), f"{round(rate * 100)}%", reason)
        people = _cell(row.id, column.of[0])
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
