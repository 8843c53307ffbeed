from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import db

FILLFACTOR = 70  # percent of a page the counts fill when written


class InsightCount(db.Model):
    """One cell's count of neighbourhood insight, kept by the commands that change what it
    counts (`app.insight.counts`), so a view reads a row per building and category instead
    of every resident, visit and case.

    `measure` names what is counted (`app.insight.counts.MEASURES`), `category` and `detail`
    the row of the panel (a floor, a question and its answer, a state and its outcome…),
    `period` the calendar year ("2026") or quarter ("2026-Q3") of the event, or "" for all
    time. A row may hold 0 once what it counted is gone."""

    __tablename__ = "insight_counts"
    # Every command that changes what is counted updates a few of these rows in place:
    # room left on each page keeps the new versions there (PostgreSQL's HOT updates), so
    # an update writes no entry in the primary key's index.
    __table_args__ = {"postgresql_with": {"fillfactor": FILLFACTOR}}

    # The key begins with what every view asks for (a measure in a period), then the
    # buildings: a view of all of them reads its measures' rows, not the whole table.
    measure: Mapped[str] = mapped_column(String(20), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(1000), primary_key=True)
    detail: Mapped[str] = mapped_column(String(100), primary_key=True)
    n: Mapped[int]
