"""The few SQL expressions that differ between SQLite and PostgreSQL, so every aggregate of
neighbourhood insight runs in the database on both."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, cast, func, literal_column, text
from sqlalchemy.sql.elements import ColumnElement


class Dialect:
    def __init__(self, name: str) -> None:
        self.postgresql = name == "postgresql"

    def prepare(self, session: Any) -> None:
        """For the rest of the transaction: no JIT compilation on PostgreSQL. The planner
        guesses 100 elements for every JSON list, so these short aggregates look costly
        enough to compile, and compiling takes longer than running them (seconds)."""
        if self.postgresql:
            session.execute(text("SET LOCAL jit = off"))
            session.execute(text("SET LOCAL work_mem = '64MB'"))

    def json_elements(self, column: Any, name: str) -> Any:
        """The elements of a JSON list column as rows of one text column `value`, to join
        beside the row holding the list (`JOIN … ON true`). The columns are JSON, not JSONB."""
        function = func.json_array_elements_text if self.postgresql else func.json_each
        return function(column).table_valued("value", joins_implicitly=True).alias(name)

    def json_of_text(self, text_value: Any) -> Any:
        """A JSON list held as text (e.g. a JSON column cast to text to group by it) as JSON
        again, for `json_elements`. SQLite keeps JSON as text already."""
        if self.postgresql:
            return cast(text_value, JSON)
        return text_value

    def seconds_between(self, start: Any, end: Any) -> ColumnElement[float]:
        if self.postgresql:
            return func.extract("epoch", end - start)
        return cast((func.julianday(end) - func.julianday(start)) * 86400.0, Float)

    def month_of(self, moment: Any) -> ColumnElement[str]:
        """'YYYY-MM' of a UTC timestamp."""
        if self.postgresql:
            return func.to_char(func.timezone("UTC", moment), "YYYY-MM")
        return func.strftime("%Y-%m", moment)

    def percentile_columns(self, value: Any,
                           fractions: tuple[tuple[int, int], ...]) -> list[Any]:
        """PostgreSQL: each percentile of `value` as an aggregate column (rows where it is
        NULL are skipped), to put beside other aggregates of the same pass."""
        return [func.percentile_cont(a / b).within_group(value) for a, b in fractions]

    def percentiles(self, value: Any, group: Any, fractions: tuple[tuple[int, int], ...],
                    source: Any) -> Any:
        """Per `group`: the number of values and each percentile (continuous, interpolated
        between the two nearest ranks, like PostgreSQL's `percentile_cont`) of `value`.

        `fractions` are (numerator, denominator) pairs, e.g. (1, 2) for the median, so the
        rank arithmetic stays in integers on every database."""
        from sqlalchemy import select

        if self.postgresql:
            return select(group.label("grp"), func.count().label("n"),
                          *[column.label(f"p{i}") for i, column in
                            enumerate(self.percentile_columns(value, fractions))]).select_from(
                source).group_by(group)
        ranked = select(
            group.label("grp"), value.label("v"),
            (func.row_number().over(partition_by=group, order_by=value) - 1).label("i"),
            func.count().over(partition_by=group).label("n"),
        ).select_from(source).subquery("ranked")
        columns = []
        for index, (a, b) in enumerate(fractions):
            position = (a * (ranked.c.n - 1)) // b  # the lower of the two ranks
            fraction = ((a * (ranked.c.n - 1)) % b) / float(b)
            columns.append(func.sum(
                literal_column("0.0")
                + _case_at(ranked.c.i == position, ranked.c.v * (1 - fraction))
                + _case_at(ranked.c.i == position + 1, ranked.c.v * fraction)
            ).label(f"p{index}"))
        return select(ranked.c.grp, func.max(ranked.c.n).label("n"), *columns).group_by(
            ranked.c.grp)


def _case_at(condition: Any, value: Any) -> Any:
    from sqlalchemy import case

    return case((condition, value), else_=0.0)
