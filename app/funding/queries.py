"""The aggregates behind a funder's account, computed in the database: counts grouped by
building, theme, organisation or outcome, never a resident's row.

`Reach` says what a stream's account counts: in each funded building, what happened while
the stream paid for a coach there (`Window`s); for a stream that funds themes of support
without a building, what happened anywhere in the period — narrowed, when the stream names
themes, to the residents whose help question names one of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Select,
    String,
    and_,
    case,
    distinct,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased

from app.buildings.models import Building, Dwelling
from app.buurtkamer.models import Activity
from app.cases.models import Case, CheckIn, HelpQuestion
from app.db import db
from app.funding.models import ActivityFunding
from app.handovers.models import Handover
from app.insight.queries import dialect
from app.residents.models import Resident
from app.visits.models import Visit, VisitOutcome


@dataclass(frozen=True)
class Window:
    """In this building the stream paid for a coach from `since` up to `until`."""

    building_id: int
    since: datetime
    until: datetime


@dataclass(frozen=True)
class Reach:
    since: datetime
    until: datetime
    # None: every building over [since, until) — a stream funding themes, not buildings.
    windows: tuple[Window, ...] | None
    themes: tuple[str, ...] = ()

    @property
    def building_ids(self) -> list[int]:
        return sorted({w.building_id for w in self.windows or ()})

    def at(self, query: Select[Any], building: Any, moment: Any) -> Select[Any]:
        """Only what happened at `moment` within a funded window of its `building`."""
        if self.windows is None:
            return query.where(moment >= self.since, moment < self.until)
        return query.where(or_(false(), *[
            and_(building.in_(ids), moment >= since, moment < until)
            for (since, until), ids in self._spans()]))

    def during(self, query: Select[Any], building: Any, start: Any, end: Any) -> Select[Any]:
        """Only what was going on (from `start`, until `end` or still) during a funded window
        of its `building`."""
        if self.windows is None:
            return query.where(start < self.until, or_(end.is_(None), end >= self.since))
        return query.where(or_(false(), *[
            and_(building.in_(ids), start < until, or_(end.is_(None), end >= since))
            for (since, until), ids in self._spans()]))

    def _spans(self) -> list[tuple[tuple[datetime, datetime], list[int]]]:
        """The windows grouped by their span: most streams pay for every building over the
        same days, which makes one condition (a list of buildings and two moments) instead
        of one per building."""
        spans: dict[tuple[datetime, datetime], list[int]] = {}
        for window in self.windows or ():
            spans.setdefault((window.since, window.until), []).append(window.building_id)
        return sorted(spans.items())

    def themed(self, query: Select[Any]) -> Select[Any]:
        """Only cases whose help question names one of the stream's themes (all cases when
        the stream names none)."""
        if not self.themes:
            return query
        theme = dialect().json_elements(HelpQuestion.themes, "funded_theme")
        named = (select(HelpQuestion.case_id).join(theme, true())
                 .where(theme.c.value.in_(self.themes)))
        return query.where(Case.id.in_(named))


def _all(query: Any) -> list[Any]:
    return list(db.session.connection().execute(query).all())


def buildings(reach: Reach) -> list[tuple[int, str, int]]:
    """(building id, name, front doors) of every funded building."""
    if not reach.building_ids:
        return []
    return [(row[0], row[1], row[2]) for row in _all(
        select(Building.id, Building.name, func.count(Dwelling.id))
        .join(Dwelling, Dwelling.building_id == Building.id, isouter=True)
        .where(Building.id.in_(reach.building_ids))
        .group_by(Building.id, Building.name).order_by(Building.name, Building.id))]


def doors(reach: Reach) -> list[Any]:
    """(building id, doors knocked, conversations): dwellings with a visit in a funded
    window, and the visits where someone talked."""
    query = (select(Dwelling.building_id, func.count(distinct(Visit.dwelling_id)),
                    func.count(case((Visit.outcome == VisitOutcome.TALKED, 1))))
             .select_from(Visit).join(Dwelling, Dwelling.id == Visit.dwelling_id))
    return _all(reach.at(query, Dwelling.building_id, Visit.visited_at)
                .group_by(Dwelling.building_id))


def residents_reached(reach: Reach) -> list[Any]:
    """(building id, residents) spoken with at a door in a funded window, or on a path with
    a coach (a case open) during one of the building they live in; each counted once, in
    that building. Anonymised residents are left out."""
    door = aliased(Dwelling, name="door")
    talked = reach.at(select(Visit.resident_id).join(door, door.id == Visit.dwelling_id)
                      .where(Visit.outcome == VisitOutcome.TALKED),
                      door.building_id, Visit.visited_at)
    on_path = reach.during(select(Case.resident_id), Dwelling.building_id, Case.opened_at,
                           Case.closed_at)
    if dialect().postgresql:
        # Two hashed lists of residents, each probed once per resident.
        reached = or_(Resident.id.in_(talked.where(Visit.resident_id.is_not(None))),
                      Resident.id.in_(on_path.join(Resident, Resident.id == Case.resident_id)
                                      .join(Dwelling, Dwelling.id == Resident.dwelling_id)))
    else:
        # SQLite: per resident, an index lookup of a visit and of a case.
        reached = or_(talked.where(Visit.resident_id == Resident.id).exists(),
                      on_path.where(Case.resident_id == Resident.id).exists())
    query = (select(Dwelling.building_id, func.count()).select_from(Resident)
             .join(Dwelling, Dwelling.id == Resident.dwelling_id)
             .where(Resident.anonymised_at.is_(None), reached))
    if reach.windows is not None:
        query = query.where(Dwelling.building_id.in_(reach.building_ids))
    return _all(query.group_by(Dwelling.building_id))


def _cases(reach: Reach, *columns: Any) -> Select[Any]:
    return reach.themed(select(*columns).select_from(Case)
                        .join(Resident, Resident.id == Case.resident_id)
                        .join(Dwelling, Dwelling.id == Resident.dwelling_id))


def help_question_themes(reach: Reach) -> tuple[int, dict[str, int]]:
    """Residents with a help question on a path open during the reach (naming one of the
    stream's themes, when it names any), and per theme the residents whose question names
    it. Anonymised residents are left out."""
    theme = dialect().json_elements(HelpQuestion.themes, "theme")

    def counted(*columns: Any) -> Select[Any]:
        query = (_cases(reach, *columns).join(HelpQuestion, HelpQuestion.case_id == Case.id)
                 .join(theme, true()).where(Resident.anonymised_at.is_(None)))
        if reach.themes:
            query = query.where(theme.c.value.in_(reach.themes))
        return reach.during(query, Dwelling.building_id, Case.opened_at, Case.closed_at)

    residents = func.count(distinct(Case.resident_id))
    total = _all(counted(residents))[0][0]
    per_theme = {row[0]: row[1] for row in _all(counted(theme.c.value, residents)
                                                .group_by(theme.c.value))}
    return total, per_theme


def handovers(reach: Reach) -> dict[int, dict[str, int]]:
    """Per receiving organisation: handovers offered in the reach, and handovers completed in
    it (help has started)."""
    found: dict[int, dict[str, int]] = {}
    for column, moment in (("offered", Handover.offered_at), ("help_started",
                                                             Handover.completed_at)):
        query = (_cases(reach, Handover.organization_id, func.count())
                 .join(Handover, Handover.case_id == Case.id).where(moment.is_not(None)))
        for organization_id, n in _all(reach.at(query, Dwelling.building_id, moment)
                                       .group_by(Handover.organization_id)):
            found.setdefault(organization_id, {})[column] = n
    return found


def checkins(reach: Reach) -> dict[str, int]:
    """Check-ins recorded in the reach, by outcome."""
    query = (_cases(reach, CheckIn.outcome, func.count())
             .join(CheckIn, CheckIn.case_id == Case.id)
             .where(CheckIn.recorded_at.is_not(None)))
    return {row[0]: row[1] for row in _all(
        reach.at(query, Dwelling.building_id, CheckIn.recorded_at).group_by(CheckIn.outcome))}


def activities(stream_id: int, since: datetime, until: datetime) -> list[Any]:
    """('theme', theme, activities held, participants counted) and ('month', 'YYYY-MM', held,
    participants) of the stream's activities that took place in [since, until)."""
    held = (func.count(), func.coalesce(func.sum(Activity.participant_count), 0))
    parts = []
    month = dialect().month_of(Activity.starts_at)
    for name, value in (("theme", Activity.theme), ("month", month)):
        parts.append(select(literal(name, String), value, *held).select_from(Activity)
                     .join(ActivityFunding, ActivityFunding.activity_id == Activity.id)
                     .where(ActivityFunding.stream_id == stream_id,
                            Activity.cancelled_at.is_(None), Activity.starts_at >= since,
                            Activity.starts_at < until)
                     .group_by(value))
    return _all(union_all(*parts))

