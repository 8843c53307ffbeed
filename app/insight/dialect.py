"""The few SQL expressions that differ between SQLite and PostgreSQL, so every aggregate of
neighbourhood insight runs in the database on both."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, cast, func, text
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
