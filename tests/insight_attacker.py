"""Someone trying to undo the suppression of a neighbourhood insight panel, written apart
from `policies.small_cells` so that the two check each other.

From a panel as it leaves the API (shown numbers, marks of hidden ones, the declared sum
relations), the attacker knows: a shown count exactly; "<5" lies in 1..4; "•" is at least 1
(zeros are never hidden). They narrow every interval through every relation, again and
again until nothing changes, and report each hidden cell whose interval closed on a single
number. Several answers (all buildings, each building) can be combined into one puzzle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

INF = float("inf")
KNOWN = {"small": (1, 4), "complementary": (1, INF)}


@dataclass
class Puzzle:
    bounds: dict[str, list[Any]] = field(default_factory=dict)  # cell -> [lo, hi]
    hidden: set[str] = field(default_factory=set)
    relations: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def learn(self, cell: str, lo: Any, hi: Any, hidden: bool) -> None:
        if cell in self.bounds:
            old = self.bounds[cell]
            self.bounds[cell] = [max(old[0], lo), min(old[1], hi)]
        else:
            self.bounds[cell] = [lo, hi]
        if hidden:
            self.hidden.add(cell)

    def add_panel(self, panel: Mapping[str, Any], prefix: str = "") -> None:
        counted = {c["id"] for c in panel["columns"] if c["kind"] in ("count", "public")}
        for row in panel["rows"]:
            for column, cell in row["cells"].items():
                if column not in counted:
                    continue
                name = f"{prefix}{row['id']}:{column}"
                if cell["suppressed"]:
                    lo, hi = KNOWN[cell["suppressed"]]
                    self.learn(name, lo, hi, hidden=True)
                else:
                    value = Fraction(cell["value"])
                    self.learn(name, value, value, hidden=False)
        for relation in panel["relations"]:
            self.relations.append((prefix + relation["total"],
                                   tuple(prefix + p for p in relation["parts"])))

    def relate(self, total: str, parts: Iterable[str]) -> None:
        self.relations.append((total, tuple(parts)))

    def solve(self, max_sweeps: int = 10_000) -> dict[str, Any]:
        """Hidden cells pinned to one value, with that value."""
        for _sweep in range(max_sweeps):
            if not self._sweep():
                break
        else:
            raise AssertionError("the attacker did not reach a fixpoint")
        return {cell: self.bounds[cell][0] for cell in self.hidden
                if self.bounds[cell][0] == self.bounds[cell][1]}

    def _sweep(self) -> bool:
        changed = False
        for total, parts in self.relations:
            b = self.bounds
            for cell in (total, *parts):
                b.setdefault(cell, [0, 0])  # a part no answer shows: nothing there
            lo_parts = sum(b[p][0] for p in parts)
            hi_parts = sum(b[p][1] for p in parts)
            changed |= self._narrow(total, lo_parts, hi_parts)
            for part in parts:
                others_lo = sum(b[p][0] for p in parts if p != part)
                others_hi = sum(b[p][1] for p in parts if p != part)
                changed |= self._narrow(part, b[total][0] - others_hi, b[total][1] - others_lo)
        return changed

    def _narrow(self, cell: str, lo: Any, hi: Any) -> bool:
        current = self.bounds[cell]
        new = [max(current[0], lo), min(current[1], hi)]
        if new[0] > new[1]:
            raise AssertionError(f"contradiction at {cell}: the panel is not truthful")
        if new != current:
            self.bounds[cell] = new
            return True
        return False


def exposed(panel: Mapping[str, Any]) -> dict[str, Any]:
    puzzle = Puzzle()
    puzzle.add_panel(panel)
    return puzzle.solve()


def exposed_across_views(all_view: Mapping[str, Any],
                         building_views: Mapping[str, Mapping[str, Any]], *,
                         shared_rows: bool = False) -> dict[str, Any]:
    """One puzzle of a panel for all buildings and for each building. With `shared_rows`
    (door-knock coverage) a building's rows are rows of the answer for all (the building's
    own row, its floors): the same cells. Otherwise each cell for all buildings is the sum
    of that cell over the buildings (a row a building lacks counts 0 there)."""
    puzzle = Puzzle()
    puzzle.add_panel(all_view, "all/")
    for name, view in building_views.items():
        puzzle.add_panel(view, "all/" if shared_rows else f"{name}/")
    if not shared_rows:
        counted = [c["id"] for c in all_view["columns"] if c["kind"] in ("count", "public")]
        for row in all_view["rows"]:
            for column in counted:
                parts = [f"{name}/{row['id']}:{column}" for name, view in building_views.items()
                         if any(r["id"] == row["id"] for r in view["rows"])]
                puzzle.relate(f"all/{row['id']}:{column}", parts)
    return puzzle.solve()
