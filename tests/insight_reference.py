"""Neighbourhood insight as it was computed before the counts were kept: the panels that
read `InsightCount` now, each as a query over the raw rows. The comparison tests put these
in place of `app.insight.queries`' own and require the same dashboard, byte for byte."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    String,
    Text,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    literal_column,
    select,
    true,
    union_all,
)

from app.buildings.models import Dwelling
from app.cases.models import Case, HelpQuestion
from app.db import db
from app.handovers.models import Alert, AlertKind, Handover
from app.insight.dialect import Dialect
from app.insight.queries import (
    AGE_BANDS,
    LARGEST_HOUSEHOLD,
    LEAD_TIME_STAGES,
    PERCENTILES,
    UNKNOWN,
    Scope,
    _all,
    _handovers,
    dialect,
)
from app.residents.models import Resident
from app.visits.models import LatestAnswer, Visit, VisitOutcome

REPLACED = ("coverage", "latest_conversations", "help_question_themes", "case_funnel",
            "age_bands", "household_sizes", "languages", "lead_times", "acceptance",
            "first_answer_times", "decline_reasons", "escalations")


def coverage(scope: Scope) -> list[Any]:
    """(building_id, floor, dwellings, knocked, talked) per floor: dwellings with any visit,
    and with a visit where someone talked (both read from indexes of the visits)."""
    knocked = _visited_dwellings(scope).subquery("knocked")
    talked = _visited_dwellings(scope, Visit.outcome == VisitOutcome.TALKED).subquery("talked")
    return _all(
        select(Dwelling.building_id, Dwelling.floor, func.count(),
               func.count(knocked.c.dwelling_id), func.count(talked.c.dwelling_id))
        .select_from(Dwelling)
        .outerjoin(knocked, knocked.c.dwelling_id == Dwelling.id)
        .outerjoin(talked, talked.c.dwelling_id == Dwelling.id)
        .where(scope.where(Dwelling.building_id))
        .group_by(Dwelling.building_id, Dwelling.floor)
    )


def _visited_dwellings(scope: Scope, *conditions: Any) -> Select[Any]:
    query = (select(Visit.dwelling_id).where(*conditions, *scope.during(Visit.visited_at))
             .distinct())
    if scope.everything:
        return query
    return query.join(Dwelling, Dwelling.id == Visit.dwelling_id).where(
        scope.where(Dwelling.building_id))


def latest_conversations(scope: Scope) -> list[Any]:
    """(list, value, building_id, households) from the latest conversation at the door of
    each household (the latest visit where someone talked): the themes, offers and wishes
    it named, and its willingness ('0'..'3'). What a household says now, counted once.

    Recording a conversation keeps each household's latest answers as rows of their own
    (`LatestAnswer`, with the building), so this counts rows instead of finding every
    dwelling's latest visit and unpacking its JSON lists."""
    return _all(
        select(LatestAnswer.question, LatestAnswer.answer, LatestAnswer.building_id,
               func.count())
        .where(scope.where(LatestAnswer.building_id))
        .group_by(LatestAnswer.building_id, LatestAnswer.question, LatestAnswer.answer)
    )


def help_question_themes(scope: Scope) -> list[Any]:
    """(theme, building_id, residents) whose help question names the theme; anonymised
    residents are left out."""
    theme = dialect().json_elements(HelpQuestion.themes, "theme")
    return _all(
        select(theme.c.value, Dwelling.building_id, func.count(distinct(Case.resident_id)))
        .select_from(HelpQuestion)
        .join(Case, Case.id == HelpQuestion.case_id)
        .join(Resident, Resident.id == Case.resident_id)
        .join(Dwelling, Dwelling.id == Resident.dwelling_id)
        .join(theme, true())
        .where(Resident.anonymised_at.is_(None), scope.where(Dwelling.building_id))
        .group_by(theme.c.value, Dwelling.building_id)
    )


def _cases(scope: Scope, *columns: Any) -> Select[Any]:
    return (select(*columns).select_from(Case)
            .join(Resident, Resident.id == Case.resident_id)
            .join(Dwelling, Dwelling.id == Resident.dwelling_id)
            .where(scope.where(Dwelling.building_id)))


def case_funnel(scope: Scope) -> list[Any]:
    """(building_id, state, outcome of closed cases, cases)."""
    outcome = case((Case.state == "closed", func.coalesce(Case.outcome, UNKNOWN)), else_=None)
    return _all(_cases(scope, Dwelling.building_id, Case.state, outcome, func.count())
                .where(*scope.during(Case.opened_at))
                .group_by(Dwelling.building_id, Case.state, outcome))


def _residents(scope: Scope, *columns: Any) -> Select[Any]:
    return (select(*columns).select_from(Resident)
            .join(Dwelling, Dwelling.id == Resident.dwelling_id)
            .where(Resident.anonymised_at.is_(None), scope.where(Dwelling.building_id)))


def age_bands(scope: Scope, year: int) -> list[Any]:
    """(building_id, age band, residents); anonymised residents are left out."""
    age = year - Resident.birth_year
    whens = [(age <= top, name) for name, _bottom, top in AGE_BANDS if top is not None]
    band = case((Resident.birth_year.is_(None), UNKNOWN), *whens, else_=AGE_BANDS[-1][0])
    return _all(_residents(scope, Dwelling.building_id, band, func.count())
                .group_by(Dwelling.building_id, band))


def household_sizes(scope: Scope) -> list[Any]:
    """(building_id, size (LARGEST_HOUSEHOLD: that many or more), households)."""
    size = case((Dwelling.household_size >= LARGEST_HOUSEHOLD, LARGEST_HOUSEHOLD),
                else_=Dwelling.household_size)
    return _all(select(Dwelling.building_id, size, func.count())
                .where(Dwelling.household_size.is_not(None), scope.where(Dwelling.building_id))
                .group_by(Dwelling.building_id, size))


def languages(scope: Scope, shown: int) -> list[Any]:
    """The `shown` languages most spoken in the scope (by at least 5 residents), as
    (building_id, language, residents), and per building the residents who speak any other
    language (building_id, None, residents). Anonymised residents are left out.

    Residents are counted per building and list of languages first (most of them share a
    list with their neighbours), so each distinct list is unpacked once, not once per
    resident; a language named twice in one list counts its resident once."""
    from policies.small_cells import THRESHOLD

    sql = dialect()
    listed = cast(Resident.languages, Text)
    lists = _residents(scope, Dwelling.building_id.label("building_id"),
                       listed.label("list"), func.count().label("residents")
                       ).group_by(Dwelling.building_id, listed).cte("lists")
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


# --------------------------------------------------------------------------- handovers


def percentile_columns(value: Any, fractions: tuple[tuple[int, int], ...]) -> list[Any]:
    """PostgreSQL: each percentile of `value` as an aggregate column (rows where it is
    NULL are skipped), to put beside other aggregates of the same pass."""
    return [func.percentile_cont(a / b).within_group(value) for a, b in fractions]


def percentiles(sql: Dialect, value: Any, group: Any, fractions: tuple[tuple[int, int], ...],
                source: Any) -> Any:
    """Per `group`: the number of values and each percentile (continuous, interpolated
    between the two nearest ranks, like PostgreSQL's `percentile_cont`) of `value`, over
    every row: the handover statistics as they were computed before their spans were
    counted (`app.insight.spans`).

    `fractions` are (numerator, denominator) pairs, e.g. (1, 2) for the median, so the
    rank arithmetic stays in integers on every database."""
    if sql.postgresql:
        return select(group.label("grp"), func.count().label("n"),
                      *[column.label(f"p{i}") for i, column in
                        enumerate(percentile_columns(value, fractions))]).select_from(
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
    return case((condition, value), else_=0.0)


Spread = tuple[int, list[float]]  # (values, [median, 90th percentile])


def lead_times(scope: Scope) -> tuple[dict[str, int], dict[str, Spread]]:
    """stage -> handovers offered that went through it, and stage -> their spread in days
    (only the stages some handover went through)."""
    sql = dialect()
    if not sql.postgresql:
        return lead_time_counts(scope), lead_time_percentiles(scope)
    # One pass over the handovers: every stage's span is worked out per row and each
    # aggregate skips the rows without one (no second timestamp yet).
    offered = Handover.offered_at.is_not(None)
    spans = _spans(sql)
    row = db.session.execute(_handovers(scope, *[
        part for days in spans.values()
        for part in (func.count(days).filter(offered), func.count(days),
                     *percentile_columns(days, PERCENTILES))])).one()
    width = 2 + len(PERCENTILES)
    counts, spreads = {}, {}
    for i, stage in enumerate(spans):
        counted, n, *values = row[i * width:(i + 1) * width]
        counts[stage] = counted
        if n:
            spreads[stage] = (n, [float(v) for v in values])
    return counts, spreads


def lead_time_counts(scope: Scope) -> dict[str, int]:
    """stage -> handovers that went through it."""
    columns = [func.count(case((and_(getattr(Handover, start).is_not(None),
                                     getattr(Handover, end).is_not(None)), 1))).label(stage)
               for stage, start, end in LEAD_TIME_STAGES]
    row = db.session.execute(_handovers(scope, *columns)
                             .where(Handover.offered_at.is_not(None))).one()
    return dict(zip([stage for stage, _start, _end in LEAD_TIME_STAGES], row, strict=True))


def _days(sql: Dialect, start: Any, end: Any) -> Any:
    return sql.seconds_between(start, end) / 86400.0


def _spans(sql: Dialect) -> dict[str, Any]:
    """stage -> the handover's span through it in days (NULL until it went through)."""
    return {stage: _days(sql, getattr(Handover, start), getattr(Handover, end))
            for stage, start, end in LEAD_TIME_STAGES}


def lead_time_percentiles(scope: Scope) -> dict[str, Spread]:
    """stage -> (handovers, [median, 90th percentile] in days) over the scope, grouped by
    stage (`lead_times` takes them in one pass where the database can)."""
    sql = dialect()
    spans = _spans(sql)
    union = union_all(*[
        _handovers(scope, literal(stage).label("stage"), days.label("days"))
        .where(days.is_not(None)) for stage, days in spans.items()]).subquery("spans")
    query = percentiles(sql, union.c.days, union.c.stage, PERCENTILES, union)
    return {row[0]: (row[1], [float(v) for v in row[2:]]) for row in _all(query)}


ANSWERS = ("accepted", "declined", "withdrawn", "awaiting")


def acceptance(scope: Scope) -> list[Any]:
    """(organisation id, answer, handovers) for handovers that were offered: accepted (at
    some point), declined, withdrawn before an answer, or still awaiting one."""
    answer = case((Handover.accepted_at.is_not(None), "accepted"),
                  (Handover.state == "declined", "declined"),
                  (Handover.state == "withdrawn", "withdrawn"), else_="awaiting")
    return _all(_handovers(scope, Handover.organization_id, answer, func.count())
                .where(Handover.offered_at.is_not(None))
                .group_by(Handover.organization_id, answer))


def first_answer_times(scope: Scope) -> tuple[dict[int, tuple[int, list[float]]],
                                               tuple[int, list[float]]]:
    """From the offer to the receiving organisation's first answer (accepted or declined),
    in days: per organisation id (handovers answered, [median, 90th percentile]), and the
    same over all of them."""
    sql = dialect()
    answered_at = func.coalesce(Handover.accepted_at, Handover.declined_at)
    days = _days(sql, Handover.offered_at, answered_at)
    answered = (Handover.offered_at.is_not(None), answered_at.is_not(None))
    if sql.postgresql:
        # Per organisation and over all of them in one pass (ROLLUP adds the total, told
        # apart by GROUPING).
        rows = _all(_handovers(scope, func.grouping(Handover.organization_id),
                               Handover.organization_id, func.count(),
                               *percentile_columns(days, PERCENTILES))
                    .where(*answered).group_by(func.rollup(Handover.organization_id)))
        per_organisation = {row[1]: (row[2], [float(v) for v in row[3:]])
                            for row in rows if not row[0]}
        # Over no handovers at all, ROLLUP still gives its total: a count of 0.
        total = [(row[2], [float(v) for v in row[3:]]) for row in rows if row[0] and row[2]]
        return per_organisation, total[0] if total else (0, [])
    spans = (_handovers(scope, Handover.organization_id.label("organisation"),
                        days.label("days"))
             .where(*answered).subquery("answers"))
    per_organisation = {row[0]: (row[1], [float(v) for v in row[2:]]) for row in _all(
        percentiles(sql, spans.c.days, spans.c.organisation, PERCENTILES, spans))}
    overall = [(row[1], [float(v) for v in row[2:]]) for row in _all(
        percentiles(sql, spans.c.days, literal(0, Integer), PERCENTILES, spans))]
    return per_organisation, overall[0] if overall else (0, [])


def decline_reasons(scope: Scope) -> list[Any]:
    """(organisation id, decline reason (UNKNOWN: declined before reasons were asked),
    handovers declined)."""
    reason = func.coalesce(Handover.decline_reason, UNKNOWN)
    return _all(_handovers(scope, Handover.organization_id, reason, func.count())
                .where(Handover.state == "declined")
                .group_by(Handover.organization_id, reason))


def escalations(scope: Scope, since: datetime) -> list[Any]:
    """(organisation id, 'YYYY-MM', escalations) raised since `since`."""
    month = dialect().month_of(Alert.created_at)
    query = (select(Handover.organization_id, month, func.count()).select_from(Alert)
             .join(Handover, Handover.id == Alert.handover_id)
             .where(Alert.kind == AlertKind.ESCALATION, Alert.created_at >= since))
    if not scope.everything:
        query = (query.join(Case, Case.id == Handover.case_id)
                 .join(Resident, Resident.id == Case.resident_id)
                 .join(Dwelling, Dwelling.id == Resident.dwelling_id)
                 .where(scope.where(Dwelling.building_id)))
    return _all(query.group_by(Handover.organization_id, month))
