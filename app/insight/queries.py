"""The aggregates behind each panel, computed in the database: every query groups by
building (and what the panel counts) and returns counts, never a resident's row.

What follows the residents (door knocks, latest answers, help-question themes, cases,
age, household size, languages) and what follows the handovers (answers, decline reasons,
lead times, escalations) is read from the counts kept as the data changes (`InsightCount`,
see `app.insight.counts`): a row per building and category, so these queries cost what the
panels show, not how many people live there. The percentiles of lead times and answer
times are read from their spans' histograms, then the few spans at their ranks from an
index (`app.insight.spans`). Check-ins and activities count their own (far fewer) rows.

`Scope` is the viewer's buildings (None: every building). Lists stored as JSON (themes,
offers, wishes, languages) are unnested by the database (`Dialect.json_elements`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)

from app.buildings.models import Building, Dwelling
from app.buurtkamer.models import Activity
from app.cases.models import Case, CheckIn
from app.db import db
from app.handovers.models import (
    LEAD_TIME_STAGES,
    Handover,
    first_answer_span,
    lead_time_spans,
)
from app.insight import spans
from app.insight.dialect import Dialect
from app.insight.models import InsightCount
from app.residents.models import Resident

Rows = Sequence[Any]
logger = logging.getLogger(__name__)

AGE_BANDS = (("0-17", 0, 17), ("18-29", 18, 29), ("30-44", 30, 44), ("45-64", 45, 64),
             ("65-79", 65, 79), ("80+", 80, None))
UNKNOWN = "unknown"
LARGEST_HOUSEHOLD = 5  # households of 5 or more are counted together
PERCENTILES = ((1, 2), (9, 10))  # median and 90th percentile
ALL_TIME = ""  # the period of every count kept for all time


@dataclass(frozen=True)
class Scope:
    """The buildings a panel covers (None: every building), and the period whose events it
    counts (None: all time) — doors knocked, cases opened and handovers offered in it."""

    building_ids: tuple[int, ...] | None
    since: datetime | None = None
    until: datetime | None = None
    period: str = ALL_TIME  # the key of the period from `since` to `until`

    def where(self, building_column: Any) -> ColumnElement[bool]:
        if self.building_ids is None:
            return true()
        return building_column.in_(self.building_ids)

    def during(self, moment_column: Any) -> list[ColumnElement[bool]]:
        """The conditions that the event at `moment_column` happened in the period (none for
        all time, so the queries of all time stay as they are)."""
        conditions = []
        if self.since is not None:
            conditions.append(moment_column >= self.since)
        if self.until is not None:
            conditions.append(moment_column < self.until)
        return conditions

    @property
    def everything(self) -> bool:
        return self.building_ids is None


def dialect() -> Dialect:
    return Dialect(db.session.get_bind().dialect.name)


def _all(query: Any) -> list[Any]:
    # On the session's connection as plain rows: aggregates need no ORM loading.
    return list(db.session.connection().execute(query).all())


def buildings(scope: Scope) -> list[Any]:
    return _all(select(Building.id, Building.name).where(scope.where(Building.id))
                .order_by(Building.name, Building.id))


# --------------------------------------------------------------------------- door knocks


def _counted(scope: Scope, *measures: str, period: str = ALL_TIME) -> list[Any]:
    return [InsightCount.measure.in_(measures), InsightCount.period == period,
            scope.where(InsightCount.building_id)]


def _sum(measure: str) -> Any:
    return func.sum(case((InsightCount.measure == measure, InsightCount.n), else_=0))


def coverage(scope: Scope) -> list[Any]:
    """(building_id, floor, dwellings, knocked, talked) per floor: dwellings with any visit,
    and with a visit where someone talked, in the scope's period."""
    dwellings = _sum("dwellings")
    return _all(
        select(InsightCount.building_id, cast(InsightCount.category, Integer), dwellings,
               _sum("knocked"), _sum("talked"))
        .where(scope.where(InsightCount.building_id),
               or_(and_(InsightCount.measure == "dwellings", InsightCount.period == ALL_TIME),
                   and_(InsightCount.measure.in_(("knocked", "talked")),
                        InsightCount.period == scope.period)))
        .group_by(InsightCount.building_id, InsightCount.category)
        .having(dwellings > 0)
    )



def latest_conversations(scope: Scope) -> list[Any]:
    """(list, value, building_id, households) from the latest conversation at the door of
    each household (the latest visit where someone talked): the themes, offers and wishes
    it named, and its willingness ('0'..'3'). What a household says now, counted once."""
    households = func.sum(InsightCount.n)
    return _all(
        select(InsightCount.category, InsightCount.detail, InsightCount.building_id, households)
        .where(*_counted(scope, "answer"))
        .group_by(InsightCount.building_id, InsightCount.category, InsightCount.detail)
        .having(households > 0)
    )


def help_question_themes(scope: Scope) -> list[Any]:
    """(theme, building_id, residents) whose help question names the theme; anonymised
    residents are left out."""
    residents = func.sum(InsightCount.n)
    return _all(
        select(InsightCount.category, InsightCount.building_id, residents)
        .where(*_counted(scope, "help_theme"))
        .group_by(InsightCount.category, InsightCount.building_id)
        .having(residents > 0)
    )


# --------------------------------------------------------------------------- cases, handovers


def _cases(scope: Scope, *columns: Any) -> Select[Any]:
    return (select(*columns).select_from(Case)
            .join(Resident, Resident.id == Case.resident_id)
            .join(Dwelling, Dwelling.id == Resident.dwelling_id)
            .where(scope.where(Dwelling.building_id)))


def case_funnel(scope: Scope) -> list[Any]:
    """(building_id, state, outcome of closed cases, cases) of the cases opened in the
    scope's period."""
    cases = func.sum(InsightCount.n)
    return _all(select(InsightCount.building_id, InsightCount.category,
                       func.nullif(InsightCount.detail, ""), cases)
                .where(*_counted(scope, "case", period=scope.period))
                .group_by(InsightCount.building_id, InsightCount.category, InsightCount.detail)
                .having(cases > 0))


def _handovers(scope: Scope, *columns: Any) -> Select[Any]:
    """Handovers in the scope's buildings, offered in its period (drafts only in all time)."""
    query = select(*columns).select_from(Handover).where(*scope.during(Handover.offered_at))
    if scope.everything:
        return query
    return (query.join(Case, Case.id == Handover.case_id)
            .join(Resident, Resident.id == Case.resident_id)
            .join(Dwelling, Dwelling.id == Resident.dwelling_id)
            .where(scope.where(Dwelling.building_id)))


Spread = tuple[int, list[float]]  # (values, [median, 90th percentile])


def lead_time_seconds(sql: Dialect) -> dict[str, Any]:
    """stage -> the handover's span through it in seconds (`lead_time_spans`)."""
    return lead_time_spans(sql.seconds_between)


def answer_seconds(sql: Dialect) -> Any:
    """The handover's time to a first answer in seconds (`first_answer_span`)."""
    return first_answer_span(sql.seconds_between)


def _kept(scope: Scope, *measures: str) -> list[Any]:
    """(measure, category, detail, count) of the handovers, in the scope's buildings and
    period."""
    counted = func.sum(InsightCount.n)
    return _all(select(InsightCount.measure, InsightCount.category, InsightCount.detail,
                       counted)
                .where(*_counted(scope, *measures, period=scope.period))
                .group_by(InsightCount.measure, InsightCount.category, InsightCount.detail)
                .having(counted > 0))


def _spreads(scope: Scope, histograms: dict[Any, dict[int, int]],
             span: dict[Any, Any], within: dict[Any, Any]) -> dict[Any, Spread]:
    """group -> (spans, [median, 90th percentile] in days) from the spans' histograms: the
    values at the percentiles' ranks are read in one statement, each from its bucket at its
    offset (`spans.locate`), in the order of the group's `span` (seconds, as the buckets
    count them); `within` adds a group's own condition (an organisation), if any."""
    postgresql = dialect().postgresql
    groups = list(histograms)
    totals = [sum(histograms[group].values()) for group in groups]
    places: list[dict[int, spans.Place]] = []  # per group: rank -> where it is
    first: dict[tuple[int, int], int] = {}  # (group's number, bucket) -> first offset read
    reads = []
    for number, group in enumerate(groups):
        ranks = {rank for fraction in PERCENTILES
                 for rank in spans.ranks(totals[number], fraction, postgresql)}
        places.append(spans.locate(histograms[group], ranks))
        offsets: dict[int, list[int]] = {}
        for place in places[number].values():
            offsets.setdefault(place.bucket, []).append(place.offset)
        for bucket, found in offsets.items():
            first[(number, bucket)] = min(found)
            reads.append(_bucket_read(scope, number, bucket, min(found),
                                      max(found) + 1 - min(found), span[group],
                                      within.get(group)))
    values: dict[tuple[int, int], list[float]] = {}
    if reads:
        for number, bucket, days in _all(union_all(*[select(read) for read in reads])):
            values.setdefault((number, bucket), []).append(float(days))
    spreads = {}
    for number, (group, n) in enumerate(zip(groups, totals, strict=True)):
        try:
            at = {rank: sorted(values[(number, place.bucket)])[
                      place.offset - first[(number, place.bucket)]]
                  for rank, place in places[number].items()}
        except (KeyError, IndexError):
            # Counts that differ from the rows (data loaded around the commands): no figure
            # rather than a wrong one, until they are set right.
            logger.warning("insight: a span counted is not among the handovers; run "
                           "`flask --app app insight reconcile --repair`")
            continue
        spreads[group] = (n, [spans.interpolate(at, n, fraction, postgresql)
                              for fraction in PERCENTILES])
    return spreads


def _bucket_read(scope: Scope, number: int, bucket: int, offset: int, count: int, span: Any,
                 condition: Any) -> Any:
    """The `count` spans of one bucket from `offset` on, in the order of their length, as
    (group number, bucket, days)."""
    low, high = spans.bounds(bucket)
    conditions = [span.is_not(None)]
    if low is not None:
        conditions.append(span >= low)
    if high is not None:
        conditions.append(span < high)
    if condition is not None:
        conditions.append(condition)
    return (_handovers(scope, literal(number).label("grp"), literal(bucket).label("bucket"),
                       (span / 86400.0).label("days"))
            .where(*conditions).order_by(span).offset(offset).limit(count).subquery())


def lead_times(scope: Scope) -> tuple[dict[str, int], dict[str, Spread]]:
    """stage -> handovers offered that went through it, and stage -> their spread in days
    (only the stages some handover went through)."""
    counts = {stage: 0 for stage, _start, _end in LEAD_TIME_STAGES}
    histograms: dict[str, dict[int, int]] = {}
    for measure, stage, detail, n in _kept(scope, "lead", "lead_days"):
        if measure == "lead":
            counts[stage] = n
        else:
            histograms.setdefault(stage, {})[int(detail)] = n
    return counts, _spreads(scope, histograms, lead_time_seconds(dialect()), {})


ANSWERS = ("accepted", "declined", "withdrawn", "awaiting")


def acceptance(scope: Scope) -> list[Any]:
    """(organisation id, answer, handovers) for handovers that were offered: accepted (at
    some point), declined, withdrawn before an answer, or still awaiting one."""
    return [(int(organisation), answer, n) for _measure, organisation, answer, n
            in _kept(scope, "handover")]


def first_answer_times(scope: Scope) -> tuple[dict[int, tuple[int, list[float]]],
                                               tuple[int, list[float]]]:
    """From the offer to the receiving organisation's first answer (accepted or declined),
    in days: per organisation id (handovers answered, [median, 90th percentile]), and the
    same over all of them."""
    histograms: dict[int | None, dict[int, int]] = {}
    every: dict[int, int] = {}
    for _measure, organisation, bucket, n in _kept(scope, "answer_days"):
        histograms.setdefault(int(organisation), {})[int(bucket)] = n
        every[int(bucket)] = every.get(int(bucket), 0) + n
    within = {organisation: Handover.organization_id == organisation
              for organisation in histograms}
    if every:
        histograms[None] = every  # over all of them, in the same statement
    seconds = answer_seconds(dialect())
    found = _spreads(scope, histograms, dict.fromkeys(histograms, seconds), within)
    overall = found.pop(None, (0, []))
    return found, overall


def decline_reasons(scope: Scope) -> list[Any]:
    """(organisation id, decline reason (UNKNOWN: declined before reasons were asked),
    handovers declined)."""
    return [(int(organisation), reason, n) for _measure, organisation, reason, n
            in _kept(scope, "declined")]


CHECKIN_ANSWERS = ("on_time", "late", "missed", "open")


def checkins(scope: Scope, now: datetime, window: timedelta) -> list[Any]:
    """(building_id, answer, check-ins) of the planned check-ins whose date has come (or that
    were done early): done on time (within the window after the due date), done late,
    missed (left undone past the window, or ended while due), or still open. Planned ones
    that ended before their date (help stopped, no more contact) never came due."""
    sql = dialect()
    done = CheckIn.recorded_at.is_not(None)
    late = sql.seconds_between(CheckIn.due_at, CheckIn.recorded_at) > window.total_seconds()
    answer = case(
        (and_(done, ~late), "on_time"),
        (done, "late"),
        (CheckIn.ended_at.is_not(None), "missed"),
        (CheckIn.due_at < now - window, "missed"),
        else_="open")
    return _all(
        _cases(scope, Dwelling.building_id, answer, func.count())
        .join(CheckIn, CheckIn.case_id == Case.id)
        .where(CheckIn.due_at.is_not(None),
               done | ((CheckIn.due_at <= now)
                       & (CheckIn.ended_at.is_(None) | (CheckIn.ended_at >= CheckIn.due_at))))
        .group_by(Dwelling.building_id, answer))


def escalations(scope: Scope, since: datetime) -> list[Any]:
    """(organisation id, 'YYYY-MM', escalations) raised since `since`, the start of a month
    (UTC)."""
    if (since.astimezone(UTC).day, since.astimezone(UTC).time()) != (1, time()):
        raise ValueError("escalations are counted per month, from the start of one")
    counted = func.sum(InsightCount.n)
    return [(int(organisation), month, n) for organisation, month, n in _all(
        select(InsightCount.category, InsightCount.detail, counted)
        .where(*_counted(scope, "escalation"),
               InsightCount.detail >= f"{since.astimezone(UTC):%Y-%m}")
        .group_by(InsightCount.category, InsightCount.detail)
        .having(counted > 0))]


def organisations(ids: set[int]) -> dict[int, str]:
    from app.organizations.models import Organization

    if not ids:
        return {}
    return dict(db.session.execute(select(Organization.id, Organization.name)
                                   .where(Organization.id.in_(sorted(ids)))).all())


# --------------------------------------------------------------------------- Buurtkamer


def activities(scope: Scope, since: datetime, until: datetime) -> list[Any]:
    """(building_id, 'theme', theme, activities held, participants counted) per theme, and
    (building_id, 'month', 'YYYY-MM', held, participants) per month."""
    held = (func.count(), func.coalesce(func.sum(Activity.participant_count), 0))
    parts = []
    for name, value in (("theme", Activity.theme),
                        ("month", dialect().month_of(Activity.starts_at))):
        parts.append(select(Activity.building_id, literal(name, String), value, *held)
                     .where(Activity.cancelled_at.is_(None), Activity.starts_at >= since,
                            Activity.starts_at < until, scope.where(Activity.building_id))
                     .group_by(Activity.building_id, value))
    return _all(union_all(*parts))


# --------------------------------------------------------------------------- demographics



def age_bands(scope: Scope, year: int) -> list[Any]:
    """(building_id, age band, residents); anonymised residents are left out."""
    birth_year = cast(func.nullif(InsightCount.category, ""), Integer)
    age = year - birth_year
    whens = [(age <= top, name) for name, _bottom, top in AGE_BANDS if top is not None]
    band = case((birth_year.is_(None), UNKNOWN), *whens, else_=AGE_BANDS[-1][0])
    residents = func.sum(InsightCount.n)
    return _all(select(InsightCount.building_id, band, residents)
                .where(*_counted(scope, "birth_year"))
                .group_by(InsightCount.building_id, band).having(residents > 0))


def household_sizes(scope: Scope) -> list[Any]:
    """(building_id, size (LARGEST_HOUSEHOLD: that many or more), households)."""
    households = func.sum(InsightCount.n)
    return _all(select(InsightCount.building_id, cast(InsightCount.category, Integer),
                       households)
                .where(*_counted(scope, "household"))
                .group_by(InsightCount.building_id, InsightCount.category)
                .having(households > 0))


def languages(scope: Scope, shown: int) -> list[Any]:
    """The `shown` languages most spoken in the scope (by at least 5 residents), as
    (building_id, language, residents), and per building the residents who speak any other
    language (building_id, None, residents). Anonymised residents are left out.

    Residents are counted per building and list of languages first (most of them share a
    list with their neighbours), so each distinct list is unpacked once, not once per
    resident; a language named twice in one list counts its resident once."""
    from policies.small_cells import THRESHOLD

    sql = dialect()
    counted = func.sum(InsightCount.n)
    lists = (select(InsightCount.building_id.label("building_id"),
                    InsightCount.category.label("list"), counted.label("residents"))
             .where(*_counted(scope, "languages"))
             .group_by(InsightCount.building_id, InsightCount.category)
             .having(counted > 0).cte("lists"))
    language = sql.json_elements(sql.json_of_text(lists.c.list), "language")
    spoken = (select(lists.c.building_id, lists.c.list, lists.c.residents,
                     language.c.value.label("language"))
              .select_from(lists).join(language, true()).distinct().cte("spoken"))
    residents = func.sum(spoken.c.residents)
    ranked = (select(spoken.c.language).group_by(spoken.c.language)
              .having(residents >= THRESHOLD)
              .order_by(residents.desc(), spoken.c.language).limit(shown)).cte("ranked")
    top = (select(spoken.c.building_id, spoken.c.language, cast(residents, Integer))
           .join(ranked, ranked.c.language == spoken.c.language)
           .group_by(spoken.c.building_id, spoken.c.language))
    other_lists = (select(spoken.c.building_id, spoken.c.list, spoken.c.residents)
                   .outerjoin(ranked, ranked.c.language == spoken.c.language)
                   .where(ranked.c.language.is_(None)).distinct().subquery("other_lists"))
    other = (select(other_lists.c.building_id, literal(None, String),
                    cast(func.sum(other_lists.c.residents), Integer))
             .group_by(other_lists.c.building_id))
    return _all(union_all(top, other))
