"""Door-knock progress and the last visit of each door, for the coach's pages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, distinct, func, select

from app.buildings.models import Building, Dwelling
from app.db import db
from app.visits.models import Visit, VisitOutcome


@dataclass(frozen=True)
class Progress:
    dwellings: int
    knocked: int
    talked: int

    @property
    def percent(self) -> int:
        return round(100 * self.knocked / self.dwellings) if self.dwellings else 0


def building_progress(buildings: Iterable[Building]) -> list[tuple[Building, Progress]]:
    """Per building: its doors, the doors knocked on at least once, the doors talked at."""
    buildings = list(buildings)
    ids = [b.id for b in buildings]
    if not ids:
        return []
    totals = dict(db.session.execute(
        select(Dwelling.building_id, func.count(Dwelling.id))
        .where(Dwelling.building_id.in_(ids)).group_by(Dwelling.building_id)
    ).all())
    knocked = dict(db.session.execute(
        select(Dwelling.building_id, func.count(distinct(Visit.dwelling_id)))
        .join(Visit, Visit.dwelling_id == Dwelling.id)
        .where(Dwelling.building_id.in_(ids)).group_by(Dwelling.building_id)
    ).all())
    talked = dict(db.session.execute(
        select(Dwelling.building_id, func.count(distinct(Visit.dwelling_id)))
        .join(Visit, Visit.dwelling_id == Dwelling.id)
        .where(Dwelling.building_id.in_(ids), Visit.outcome == VisitOutcome.TALKED)
        .group_by(Dwelling.building_id)
    ).all())
    return [(b, Progress(totals.get(b.id, 0), knocked.get(b.id, 0), talked.get(b.id, 0)))
            for b in buildings]


def last_outcomes(building_id: int) -> dict[int, str]:
    """The outcome of the most recent visit to each door of the building that was visited."""
    latest = (
        select(Visit.dwelling_id, func.max(Visit.visited_at).label("at"))
        .join(Dwelling, Dwelling.id == Visit.dwelling_id)
        .where(Dwelling.building_id == building_id)
        .group_by(Visit.dwelling_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Visit.dwelling_id, Visit.outcome)
        .join(latest, and_(Visit.dwelling_id == latest.c.dwelling_id,
                           Visit.visited_at == latest.c.at))
    ).all()
    return {dwelling_id: str(outcome) for dwelling_id, outcome in rows}


def dwelling_visits(dwelling_id: int, limit: int = 10) -> list[Any]:
    return list(db.session.execute(
        select(Visit).where(Visit.dwelling_id == dwelling_id)
        .order_by(Visit.visited_at.desc()).limit(limit)
    ).scalars())


def conversations(*, dwelling_id: int | None = None, resident_id: Any = None,
                  limit: int = 6) -> list[Visit]:
    """The conversations held at a door or with a resident, latest first (by time at the
    door, then id, as the household's latest answers are chosen): the first is what the
    household answered last, the others its history."""
    query = select(Visit).where(Visit.outcome == VisitOutcome.TALKED)
    if dwelling_id is not None:
        query = query.where(Visit.dwelling_id == dwelling_id)
    if resident_id is not None:
        query = query.where(Visit.resident_id == resident_id)
    return list(db.session.execute(
        query.order_by(Visit.visited_at.desc(), Visit.id.desc()).limit(limit)).scalars())


def doors_to_come_back_to(visits: Select[Any], limit: int) -> list[Visit]:
    """Of the doors `visits` (a query of Visit rows in the caller's scope) reaches, those whose
    latest visit said "come back later": that visit, oldest first."""
    scoped = visits.subquery()
    latest = (
        select(scoped.c.dwelling_id, func.max(scoped.c.visited_at).label("at"))
        .group_by(scoped.c.dwelling_id)
        .subquery()
    )
    return list(db.session.execute(
        select(Visit)
        .join(latest, and_(Visit.dwelling_id == latest.c.dwelling_id,
                           Visit.visited_at == latest.c.at))
        .where(Visit.outcome == VisitOutcome.REVISIT)
        .order_by(Visit.visited_at)
        .limit(limit)
    ).scalars())
