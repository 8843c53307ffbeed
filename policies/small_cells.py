"""Small cells: what a table of neighbourhood insight may show.

Neighbourhood insight (processing activity `neighbourhood_insight`) shows counts over
groups, never one resident. A count of a few people can still point at someone ("the one
household of seven on the fourth floor"), so:

1. **Primary suppression.** A cell that counts 1 to 4 people is shown as "<5"
   (`Suppression.SMALL`). Zero stays 0: nobody is described by it.
2. **Complementary suppression.** A hidden cell must not be computable from what is shown.
   Tables declare their sum relations (a total and its parts: floors add up to a building,
   months to a year, outcomes to "closed"). Where a hidden value could be worked out from
   a shown total and the other shown parts — or narrowed down to one value by combining
   relations — further cells are hidden and marked "•" (`Suppression.COMPLEMENTARY`):
   the smallest shown part first, the total when no part is left. Zeros are never hidden.
   When even that cannot help (four parts of "<5" under a total of "<5" can only be
   1+1+1+1 = 4), a "<5" cell is hidden as "•" instead, which says less about it.
3. **Statistics over few people.** A rate, median or percentile over fewer than 5 people
   is not shown (`Suppression.TOO_FEW`); neither is a rate whose numerator or
   denominator is hidden, since it would give that count away.

What a reader of the table knows about a hidden cell (`DOMAINS`): "<5" lies in 1..4 and
"•" is at least 1 (it may hide a small count or a large one). `pinned()` propagates those
intervals through every declared relation to a fixpoint — the way someone trying to undo
the suppression would — and `suppress()` keeps hiding cells until no hidden value is
pinned down to a single number.

Plain Python: no web framework, no database.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from enum import StrEnum
from itertools import filterfalse
from typing import Any

THRESHOLD = 5


class Suppression(StrEnum):
    SMALL = "small"  # counts 1 to 4 people
    COMPLEMENTARY = "complementary"  # hidden so that another hidden cell cannot be worked out
    TOO_FEW = "too_few"  # a rate or statistic over fewer than THRESHOLD people


MARKS: Mapping[Suppression, str] = {
    Suppression.SMALL: "<5",
    Suppression.COMPLEMENTARY: "•",
    Suppression.TOO_FEW: "n<5",
}

INFINITY = math.inf

# What anyone reading a table knows about the value behind each mark.
DOMAINS: Mapping[Suppression, tuple[float, float]] = {
    Suppression.SMALL: (1, THRESHOLD - 1),
    Suppression.COMPLEMENTARY: (1, INFINITY),
}


@dataclass(frozen=True, slots=True)
class SumRelation:
    """`total` is the sum of `parts` (cell ids)."""

    total: str
    parts: tuple[str, ...]

    def cells(self) -> tuple[str, ...]:
        return (self.total, *self.parts)

    def __iter__(self) -> Iterator[Any]:  # total, parts = relation
        return iter((self.total, self.parts))


class InconsistentTable(ValueError):
    """The counts do not satisfy the declared relations: a bug in the table, never data."""


def is_small(count: int) -> bool:
    return 1 <= count < THRESHOLD


def statistic_suppression(people: int, people_hidden: Suppression | None = None
                          ) -> Suppression | None:
    """A median, percentile or average over `people` people, counted in a cell hidden for
    `people_hidden` (None: shown). Over a cell hidden as "•" it is hidden the same way:
    "n<5" would say that cell is small."""
    if people_hidden is Suppression.SMALL or (people_hidden is None and people < THRESHOLD):
        return Suppression.TOO_FEW
    return people_hidden


def rate_suppression(numerator: Any, denominator: Any, counts: Mapping[Any, int] | Sequence[int],
                     hidden: Mapping[Any, Suppression]) -> Suppression | None:
    """A rate numerator/denominator of two cells of a table (by id or by number). Shown
    only when both are."""
    over = hidden.get(denominator)
    if over is Suppression.SMALL or (over is None and counts[denominator] < THRESHOLD):
        return Suppression.TOO_FEW
    if over is not None or numerator in hidden:
        return Suppression.COMPLEMENTARY
    return None


# --------------------------------------------------------------------------- the rule


def suppress(counts: Mapping[str, int], relations: Iterable[SumRelation], *,
             public: Collection[str] = ()) -> dict[str, Suppression]:
    """The cells of a table to hide, and why.

    `counts` are the true counts of people by cell id; `relations` every sum relation the
    table shows (or that a reader can know). `public` cells are facts anyone can observe
    (how many front doors a floor has): never hidden, and only in relations of their own.
    """
    cells = list(counts)
    index = {cell: i for i, cell in enumerate(cells)}
    numbered: list[tuple[int, tuple[int, ...]]] = []
    for relation in relations:
        named = relation.cells()
        if len(set(named)) != len(named):
            raise InconsistentTable(f"a cell appears twice in the relation of {relation.total}")
        missing = [c for c in named if c not in index]
        if missing:
            raise InconsistentTable(f"relation names unknown cells: {missing}")
        numbered.append((index[relation.total], tuple(map(index.__getitem__, relation.parts))))
    hidden = suppress_cells(list(counts.values()), numbered,
                            public={index[c] for c in public if c in index},
                            name=cells.__getitem__)
    return {cells[i]: reason for i, reason in hidden.items()}


Relation = tuple[int, tuple[int, ...]]  # (total, parts) by cell number


def suppress_cells(counts: Sequence[int], relations: Sequence[Relation], *,
                   public: AbstractSet[int] = frozenset(),
                   name: Callable[[int], str]) -> dict[int, Suppression]:
    """`suppress` for cells numbered 0..n-1 (`counts[i]` is cell i): what a table with
    thousands of cells hands over, so that no cell needs a name of its own until two cells
    of the same count compete to be hidden (the first `name` wins, as in `suppress`)."""
    _check(counts, relations, public)
    hidden = {cell: Suppression.SMALL for cell, count in enumerate(counts)
              if 0 < count < THRESHOLD and cell not in public}
    if not hidden:
        return hidden
    cells_of = [(total, *parts) for total, parts in relations]
    totals = {total for total, _parts in relations}
    for _round in range(2 * len(counts) + 2):
        bounds = Bounds(counts, {cell: DOMAINS[reason] for cell, reason in hidden.items()},
                        relations)
        pins = bounds.pinned(hidden)
        if not pins:
            return hidden
        member_of = _membership(cells_of, pins)
        touched: set[int] = set()
        progress = False
        for cell in _first_causes(pins, cells_of, bounds):
            if any(i in touched for i in member_of.get(cell, ())):
                continue  # this round already added protection there; look again next round
            remedy = _remedy(cell, counts, hidden, relations, cells_of,
                             member_of.get(cell, []), public, bounds, totals, name)
            if remedy is None:
                continue
            target, relation = remedy
            hidden[target] = Suppression.COMPLEMENTARY
            touched.add(relation)
            progress = True
        if not progress:
            _hide_around(pins, counts, hidden, cells_of, _membership(cells_of), public)
    raise AssertionError("suppression did not settle")  # pragma: no cover - each round hides


def _first_causes(pins: set[int], cells_of: Sequence[tuple[int, ...]],
                  bounds: Bounds) -> list[int]:
    """The pinned cells to protect this round: not those pinned through a relation in which
    another cell is pinned through a relation of its own (protecting that one frees them
    too)."""
    pinned_elsewhere: dict[int, bool] = {}
    is_pinned = pins.__contains__

    def has_cause(index: int) -> bool:
        if index not in pinned_elsewhere:
            pinned_elsewhere[index] = any(index not in bounds.sources(other)
                                          for other in filter(is_pinned, cells_of[index]))
        return pinned_elsewhere[index]

    ordered = sorted(pins)
    first = [cell for cell in ordered if not any(has_cause(i) for i in bounds.sources(cell))]
    return first or ordered[:1]


def pinned(counts: Mapping[str, int], hidden: Mapping[str, Suppression],
           relations: Sequence[SumRelation]) -> set[str]:
    """Hidden cells whose value follows from what is shown (their interval is one number)."""
    return Bounds.of(counts, hidden, relations).pinned(hidden)


class Bounds:
    """Interval bounds of every cell in a relation after applying each relation until
    nothing changes, and which relation last narrowed each bound.

    For total = sum(parts): the total lies between the sums of the parts' bounds, and each
    part between the total's bounds minus the other parts' bounds. Relations are
    `SumRelation`s or (total, parts) pairs."""

    def __init__(self, exact: Any, unknown: Mapping[Any, tuple[float, float]],
                 relations: Sequence[Any], max_steps: int | None = None) -> None:
        self.exact = exact  # the value of every cell that is not unknown (by cell)
        self.lo = {cell: float(bound[0]) for cell, bound in unknown.items()}
        self.hi = {cell: float(bound[1]) for cell, bound in unknown.items()}
        self.lo_from: dict[Any, int] = {}
        self.hi_from: dict[Any, int] = {}
        self.converged = self._run(relations, max_steps)

    @classmethod
    def of(cls, counts: Mapping[str, int], hidden: Mapping[str, Suppression],
           relations: Sequence[SumRelation]) -> Bounds:
        return cls(counts, {cell: DOMAINS[reason] for cell, reason in hidden.items()},
                   relations)

    def pinned(self, hidden: Iterable[Any]) -> set[Any]:
        if not self.converged:  # no fixpoint within the step budget: assume the worst
            return set(hidden)
        lo, hi = self.lo, self.hi
        return {cell for cell in hidden if lo[cell] == hi[cell]}

    def sources(self, cell: Any) -> list[int]:
        """The relations that narrowed the cell's bounds last."""
        return [i for i in (self.hi_from.get(cell), self.lo_from.get(cell)) if i is not None]

    def _run(self, relations: Sequence[Any], max_steps: int | None) -> bool:
        # Shown numbers never move: each relation keeps its unknown cells and the sum of its
        # shown parts. A relation of shown numbers only has nothing to narrow.
        lo, hi, exact = self.lo, self.hi, self.exact
        unknown_cell, value = lo.__contains__, exact.__getitem__
        compact: list[tuple[int, Any, float, tuple[Any, ...]]] = []
        member_of: dict[Any, list[int]] = defaultdict(list)
        for index, (total, parts) in enumerate(relations):
            unknown = tuple(filter(unknown_cell, parts))
            if not unknown and total not in lo:
                continue
            shown = float(sum(map(value, filterfalse(unknown_cell, parts))))
            if total not in lo:
                lo[total] = hi[total] = float(exact[total])
            position = len(compact)
            member_of[total].append(position)
            for cell in unknown:
                member_of[cell].append(position)
            compact.append((index, total, shown, unknown))
        queue = deque(range(len(compact)))
        queued = set(queue)
        budget = max_steps if max_steps is not None else 200 * len(compact) + 1000
        take, enqueue, tighten = queue.popleft, queue.append, self._tighten
        while queue:
            budget -= 1
            if budget < 0:
                return False
            position = take()
            queued.discard(position)
            for cell in tighten(*compact[position]):
                if lo[cell] > hi[cell]:
                    raise InconsistentTable(f"cell {cell} has no possible value")
                for other in member_of[cell]:
                    if other not in queued:
                        queued.add(other)
                        enqueue(other)
        return True


    def _tighten(self, index: int, total: Any, shown: float,
                 parts: tuple[Any, ...]) -> list[Any]:
        """total = shown + sum(parts): narrow the total and each part."""
        lo, hi = self.lo, self.hi
        changed: list[Any] = []
        parts_lo = list(map(lo.__getitem__, parts))
        parts_hi = list(map(hi.__getitem__, parts))
        lo_sum = shown + sum(parts_lo)
        finite_hi = [bound for bound in parts_hi if bound != INFINITY]
        unbounded = len(parts) - len(finite_hi)
        finite_sum = shown + sum(finite_hi)
        if lo_sum > lo[total]:
            lo[total] = lo_sum
            self.lo_from[total] = index
            changed.append(total)
        if not unbounded and finite_sum < hi[total]:
            hi[total] = finite_sum
            self.hi_from[total] = index
            changed.append(total)
        t_lo, t_hi = lo[total], hi[total]
        for part, part_lo, part_hi in zip(parts, parts_lo, parts_hi, strict=True):
            if part_hi == INFINITY:
                others_hi = INFINITY if unbounded > 1 else finite_sum
            else:
                others_hi = INFINITY if unbounded else finite_sum - part_hi
            new_lo = t_lo - others_hi
            new_hi = t_hi - (lo_sum - part_lo)
            if new_lo > part_lo:
                lo[part] = new_lo
                self.lo_from[part] = index
                changed.append(part)
            if new_hi < part_hi:
                hi[part] = new_hi
                self.hi_from[part] = index
                changed.append(part)
        return changed


def propagate(intervals: Mapping[str, tuple[float, float]], relations: Sequence[SumRelation],
              max_steps: int | None = None) -> dict[str, tuple[float, float]] | None:
    """The bounds of every cell at the fixpoint (None when the step budget runs out)."""
    exact = {cell: bound[0] for cell, bound in intervals.items() if bound[0] == bound[1]}
    unknown = {cell: bound for cell, bound in intervals.items() if bound[0] != bound[1]}
    bounds = Bounds(exact, unknown, relations, max_steps)
    if not bounds.converged:
        return None
    return {cell: (bounds.lo[cell], bounds.hi[cell]) if cell in bounds.lo
            else (float(exact[cell]), float(exact[cell])) for cell in intervals}


def _membership(cells_of: Sequence[tuple[int, ...]],
                cells: AbstractSet[int] | None = None) -> dict[int, list[int]]:
    """The relations each cell (of `cells`, or every cell) is in, in order."""
    member_of: dict[int, list[int]] = defaultdict(list)
    for index, members in enumerate(cells_of):
        for cell in members if cells is None else filter(cells.__contains__, members):
            member_of[cell].append(index)
    return member_of


def _remedy(cell: int, counts: Sequence[int], hidden: Mapping[int, Suppression],
            relations: Sequence[Relation], cells_of: Sequence[tuple[int, ...]],
            indexes: list[int], public: AbstractSet[int], bounds: Bounds, totals: set[int],
            name: Callable[[int], str]) -> tuple[int, int] | None:
    """One more cell to hide for a pinned `cell`, looking first in the relations that
    narrowed its bounds.

    A "<5" total whose hidden parts already add up to at least 4 can only be 4: it becomes
    "•". Otherwise the smallest shown part of the relation is hidden (parts that are not
    totals themselves first), else its total; failing that, a "<5" total (or the cell
    itself) becomes "•"."""
    sources = list(dict.fromkeys(bounds.sources(cell)))
    others = [i for i in indexes if i not in sources]
    is_hidden = hidden.__contains__

    def order(index: int) -> tuple[int, int]:
        """After the sources: the relations with the fewest hidden cells first."""
        return sum(map(is_hidden, cells_of[index])), index

    ordered: list[int] = []

    def candidates() -> Iterator[int]:
        yield from sources
        if len(ordered) < len(others):  # sorted only when the sources are not enough
            ordered[:] = sorted(others, key=order)
        yield from ordered

    def total_of_four(index: int) -> bool:
        total = relations[index][0]
        return hidden.get(total) is Suppression.SMALL and bounds.lo[total] >= THRESHOLD - 1

    for index in sources:
        if total_of_four(index):
            return relations[index][0], index
    fours = [i for i in others if total_of_four(i)]
    if fours:
        index = min(fours, key=order)
        return relations[index][0], index

    def smallest(choice: list[int]) -> int:
        least = min(map(counts.__getitem__, choice))
        return min((p for p in choice if counts[p] == least), key=name)

    for index in candidates():
        total, parts = relations[index]
        hideable_parts = [p for p in parts if p != cell and p not in hidden
                          and p not in public and counts[p] > 0]
        # A part that is itself a total would need protection of its own parts in turn.
        leaves = [p for p in hideable_parts if p not in totals]
        if leaves:
            return smallest(leaves), index
        if total != cell and total not in hidden and total not in public and counts[total] > 0:
            return total, index
        if hideable_parts:
            return smallest(hideable_parts), index
    for index in candidates():
        total = relations[index][0]
        if hidden.get(total) is Suppression.SMALL:
            return total, index
    if hidden.get(cell) is Suppression.SMALL:
        return cell, [*candidates()][0]
    for index in candidates():
        for part in relations[index][1]:
            if hidden.get(part) is Suppression.SMALL:
                return part, index
    return None


def _hide_around(pins: set[int], counts: Sequence[int], hidden: dict[int, Suppression],
                 cells_of: Sequence[tuple[int, ...]], member_of: Mapping[int, list[int]],
                 public: AbstractSet[int]) -> None:
    """The last resort: hide every count connected to a pinned cell through the relations.
    With no exact non-zero number left there, no interval can close."""
    seen: set[int] = set()
    stack = list(pins)
    while stack:
        cell = stack.pop()
        if cell in seen:
            continue
        seen.add(cell)
        if cell not in public and counts[cell] > 0:
            hidden[cell] = Suppression.COMPLEMENTARY
        for index in member_of.get(cell, ()):
            stack.extend(cells_of[index])


def _check(counts: Sequence[int], relations: Sequence[Relation],
           public: AbstractSet[int]) -> None:
    size, value = len(counts), counts.__getitem__
    for total, parts in relations:
        cells = (total, *parts)
        if len(set(cells)) != len(cells):
            raise InconsistentTable(f"a cell appears twice in the relation of cell {total}")
        if min(cells) < 0 or max(cells) >= size:
            raise InconsistentTable(f"relation of cell {total} names unknown cells")
        if min(map(value, cells)) < 0:
            raise InconsistentTable("counts are never negative")
        if counts[total] != sum(map(value, parts)):
            raise InconsistentTable(f"the parts of cell {total} do not add up to it")
        if public and 0 < sum(map(public.__contains__, cells)) < len(cells):
            raise InconsistentTable(f"relation of cell {total} mixes public and "
                                    "suppressible cells")
