"""The counts behind neighbourhood insight, kept as the data changes.

A view of neighbourhood insight reads `InsightCount` rows — one per building and category
(and calendar period where the panel can be limited to one) — instead of every resident,
visit and case: its cost follows the cells it shows, not the people behind them.

What a dwelling and what a resident add to the counts is spelled once, here, as a query
over the raw rows (`contribution`); the same query over every dwelling and resident is
what the counts must be (`expected`, read by `reconcile`). A command that changes what is
counted runs inside `kept(dwellings=…, residents=…, handovers_of=…)`: the contribution of
those dwellings and residents (or of the residents' handovers: a handover's transition
changes nothing else a resident adds, a case's changes nothing a handover adds) before and
after the change, and the difference added to the counts, in the
command's own transaction (so a savepoint that is rolled back takes it along). Differences
are written in one statement in the order of their keys, so two transactions that count
the same cells lock them in the same order and wait, never deadlock.

Measures (`MEASURES`), with (category, detail):
- ``dwellings`` (floor, "") and ``household`` (size, capped at LARGEST_HOUSEHOLD, ""): per
  dwelling;
- ``knocked`` and ``talked`` (floor, "") per period: dwellings with any visit, or with a
  visit where someone talked, in the period;
- ``answer`` (question, answer): the household's latest answers (`LatestAnswer`);
- ``birth_year`` (year or "", "") and ``languages`` (the list as JSON text, ""): residents
  not anonymised;
- ``help_theme`` (theme, ""): residents not anonymised whose help question names it;
- ``case`` (state, outcome of a closed case or "") per period of the case's opening;
- of the handovers of residents' cases, per period of the offer (drafts in all time only):
  ``handover`` (organisation, its answer: accepted, declined, withdrawn or awaiting) of the
  ones offered; ``declined`` (organisation, decline reason or UNKNOWN); ``lead`` (stage,
  "") of the offered ones that went through a stage of `LEAD_TIME_STAGES`; ``lead_days``
  (stage, bucket of the span through it) and ``answer_days`` (organisation, bucket of the
  time to its first answer): the spans' histograms that exact percentiles are read from
  (`app.insight.spans`);
- ``escalation`` (organisation, 'YYYY-MM' in UTC) of the escalations raised, in all time.

Periods are "" (all time), the calendar year ("2026") and quarter ("2026-Q3") in local
time: the ones a viewer can choose (`app.insight.periods`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import cache, lru_cache
from operator import itemgetter
from typing import Any, Literal

from sqlalchemy import (
    Connection,
    Integer,
    String,
    Text,
    bindparam,
    case,
    cast,
    column,
    delete,
    distinct,
    func,
    literal_column,
    null,
    select,
    true,
    tuple_,
    union_all,
)

from app.audit import chain
from app.audit.models import AuditEvent, ProcessingLogEntry
from app.buildings.models import Dwelling
from app.cases.models import Case, HelpQuestion
from app.db import UTCDateTime, db
from app.handovers.models import Alert, AlertKind, Handover
from app.insight import spans
from app.insight.dialect import Dialect
from app.insight.models import InsightCount
from app.insight.queries import (
    LARGEST_HOUSEHOLD,
    UNKNOWN,
    answer_seconds,
    lead_time_seconds,
)
from app.residents.models import Resident
from app.visits.models import LatestAnswer, Visit, VisitOutcome
from app.web.formkit import local_zone

ALL_TIME = ""
MEASURES = ("dwellings", "household", "knocked", "talked", "answer", "birth_year", "languages",
            "help_theme", "case", "handover", "declined", "lead", "lead_days", "answer_days",
            "escalation")

TYPED_CATEGORIES = ("languages",)  # measures whose category is text someone typed
Key = tuple[int, str, str, str, str]  # building, measure, period, category, detail
_TRACKED = "insight_counts_tracked"
_STREAM = 5_000


def periods_of(moment: datetime, zone: tzinfo | None = None) -> tuple[str, str, str]:
    """All time, and the calendar year and quarter of `moment` in local time (`zone`, when
    the caller looked it up once for many moments)."""
    # Every zone's offset is a multiple of a quarter of an hour, so a quarter (and a year)
    # begins at the start of one of those: the periods of every moment in one are alike.
    return _periods_of_slot(int(moment.timestamp()) // _SLOT, zone or local_zone())


_SLOT = 15 * 60


@lru_cache(maxsize=65536)
def _periods_of_slot(slot: int, zone: tzinfo) -> tuple[str, str, str]:
    local = datetime.fromtimestamp(slot * _SLOT, zone)
    return ALL_TIME, f"{local.year}", f"{local.year}-Q{(local.month - 1) // 3 + 1}"


# --------------------------------------------------------------------------- contributions


_DWELLINGS = "dwelling_ids"
_RESIDENTS = "resident_ids"


# Which rows a contribution query reads: every one; those of one id, given as the parameter;
# or those of some ids, given as a list. A single dwelling (a visit at one door) is the
# common case: its statement is the same text every time, with no list to expand into it
# on each execution (PostgreSQL's `= ANY(array)` would be planned anew for every array).
Chosen = Literal["every", "one", "some"]


def _chosen(ids: Collection[Any]) -> Chosen:
    return "one" if len(ids) == 1 else "some"


def _parameter(chosen: Chosen, ids: list[Any]) -> Any:
    return ids[0] if chosen == "one" else ids


def _in(column: Any, chosen: Chosen, name: str) -> Any:
    """Every row, or those whose `column` is the one value or in the list passed as
    parameter `name`."""
    if chosen == "every":
        return true()
    if chosen == "one":
        return column == bindparam(name)
    return column.in_(bindparam(name, expanding=True))


def _constant(value: str | int) -> Any:
    """A constant written into the text of a contribution query: the statement is built once
    and run for every command, so its constants are not passed (and converted) as parameters
    each time it runs. Only the module's own names and numbers go here."""
    if isinstance(value, int):
        return literal_column(str(value), Integer)
    if "'" in value:
        raise ValueError("a quote in a constant of a query")
    return literal_column(f"'{value}'", String)


def _no_moment() -> Any:
    """NULL typed as the moments beside it in a union (PostgreSQL would take it for text)."""
    return cast(null(), UTCDateTime()).label("moment")


def _dwelling_rows(chosen: Chosen) -> list[Any]:
    """The parts of what dwellings add, as rows of one shape (kind, building, category,
    detail, moment, dwelling, n) — grouped in the database where no period is needed."""
    largest = _constant(LARGEST_HOUSEHOLD)
    size = case((Dwelling.household_size >= largest, largest), else_=Dwelling.household_size)
    nothing = _no_moment(), cast(null(), Integer).label("dwelling_id")
    dwellings = (select(_constant("dwellings").label("kind"), Dwelling.building_id,
                        cast(Dwelling.floor, String).label("category"),
                        _constant("").label("detail"), *nothing,
                        func.count().label("n"))
                 .where(_in(Dwelling.id, chosen, _DWELLINGS))
                 .group_by(Dwelling.building_id, Dwelling.floor))
    households = (select(_constant("household"), Dwelling.building_id,
                         cast(size, String), _constant(""), *nothing, func.count())
                  .where(_in(Dwelling.id, chosen, _DWELLINGS), Dwelling.household_size.is_not(None))
                  .group_by(Dwelling.building_id, size))
    answers = (select(_constant("answer"), LatestAnswer.building_id,
                      LatestAnswer.question, LatestAnswer.answer, *nothing, func.count())
               .where(_in(LatestAnswer.dwelling_id, chosen, _DWELLINGS))
               .group_by(LatestAnswer.building_id, LatestAnswer.question, LatestAnswer.answer))
    return [dwellings, households, answers]


def _visit_rows(chosen: Chosen) -> Any:
    """('visit', building, floor, 'talked' or '', visited at, dwelling, 1) per visit."""
    talked = case((Visit.outcome == _constant(VisitOutcome.TALKED.value), _constant("talked")),
                  else_=_constant(""))
    return (select(_constant("visit"), Dwelling.building_id,
                   cast(Dwelling.floor, String), talked, Visit.visited_at, Visit.dwelling_id,
                   _constant(1))
            .join(Dwelling, Dwelling.id == Visit.dwelling_id)
            .where(_in(Visit.dwelling_id, chosen, _DWELLINGS)))


def _resident_rows(chosen: Chosen, sql: Dialect) -> Any:
    """What residents add as rows of one shape (kind, building, category, detail, moment,
    n): birth years, lists of languages and help-question themes grouped, and each case
    with the moment it was opened."""
    listed = cast(Resident.languages, Text)
    shown = Resident.anonymised_at.is_(None)
    blank = _constant("").label("detail"), _no_moment()
    years = (select(_constant("birth_year").label("kind"), Dwelling.building_id,
                    func.coalesce(cast(Resident.birth_year, String), _constant(""))
                    .label("category"),
                    *blank, func.count().label("n"))
             .join(Dwelling, Dwelling.id == Resident.dwelling_id)
             .where(_in(Resident.id, chosen, _RESIDENTS), shown)
             .group_by(Dwelling.building_id, Resident.birth_year))
    languages = (select(_constant("languages"), Dwelling.building_id, listed, *blank,
                        func.count())
                 .join(Dwelling, Dwelling.id == Resident.dwelling_id)
                 .where(_in(Resident.id, chosen, _RESIDENTS), shown)
                 .group_by(Dwelling.building_id, listed))
    theme = sql.json_elements(HelpQuestion.themes, "theme")
    themes = (select(_constant("help_theme"), Dwelling.building_id, theme.c.value,
                     *blank, func.count(distinct(Case.resident_id)))
              .select_from(HelpQuestion)
              .join(Case, Case.id == HelpQuestion.case_id)
              .join(Resident, Resident.id == Case.resident_id)
              .join(Dwelling, Dwelling.id == Resident.dwelling_id)
              .join(theme, true())
              .where(_in(Resident.id, chosen, _RESIDENTS), shown)
              .group_by(Dwelling.building_id, theme.c.value))
    closed = func.coalesce(Case.outcome, _constant(UNKNOWN))
    outcome = case((Case.state == _constant("closed"), closed), else_=_constant(""))
    cases = (select(_constant("case"), Dwelling.building_id, Case.state, outcome,
                    Case.opened_at, _constant(1))
             .join(Resident, Resident.id == Case.resident_id)
             .join(Dwelling, Dwelling.id == Resident.dwelling_id)
             .where(_in(Case.resident_id, chosen, _RESIDENTS)))
    return union_all(years, languages, themes, cases)


def _handover_rows(chosen: Chosen, sql: Dialect) -> list[Any]:
    """What the handovers of the residents' cases add, as rows of the residents' shape (apart
    from what the residents themselves add: most commands change one or the other), each
    with the moment of the offer (NULL: a draft, counted in all time only): the answer of
    each one offered, the reason of each one declined, the bucket of each stage's span it
    went through (`lead_days`, also counted as `lead` when offered) and of the time to a
    first answer; and the escalations raised per organisation and month (all time)."""

    def of_handovers(kind: str, category: Any, detail: Any, *conditions: Any) -> Any:
        return (select(_constant(kind), Dwelling.building_id, category, detail,
                       Handover.offered_at, _constant(1))
                .select_from(Handover)
                .join(Case, Case.id == Handover.case_id)
                .join(Resident, Resident.id == Case.resident_id)
                .join(Dwelling, Dwelling.id == Resident.dwelling_id)
                .where(_in(Case.resident_id, chosen, _RESIDENTS), *conditions))

    organisation = cast(Handover.organization_id, String)
    offered = Handover.offered_at.is_not(None)
    declined = Handover.state == _constant("declined")
    answer = case((Handover.accepted_at.is_not(None), _constant("accepted")),
                  (declined, _constant("declined")),
                  (Handover.state == _constant("withdrawn"), _constant("withdrawn")),
                  else_=_constant("awaiting"))
    parts = [of_handovers("handover", organisation, answer, offered),
             of_handovers("declined", organisation,
                          func.coalesce(Handover.decline_reason, _constant(UNKNOWN)), declined)]
    for stage, seconds in lead_time_seconds(sql).items():
        parts.append(of_handovers("lead_days", _constant(stage),
                                  cast(spans.bucket_of(seconds), String), seconds.is_not(None)))
    answered = answer_seconds(sql)
    parts.append(of_handovers("answer_days", organisation,
                              cast(spans.bucket_of(answered), String),
                              offered, answered.is_not(None)))
    month = sql.month_of(Alert.created_at)
    parts.append(select(_constant("escalation"), Dwelling.building_id, organisation, month,
                        _no_moment(), func.count())
                 .select_from(Alert)
                 .join(Handover, Handover.id == Alert.handover_id)
                 .join(Case, Case.id == Handover.case_id)
                 .join(Resident, Resident.id == Case.resident_id)
                 .join(Dwelling, Dwelling.id == Resident.dwelling_id)
                 .where(Alert.kind == _constant(AlertKind.ESCALATION.value),
                        _in(Case.resident_id, chosen, _RESIDENTS))
                 .group_by(Dwelling.building_id, Handover.organization_id, month))
    return parts


@cache
def _of_some_dwellings(chosen: Chosen) -> Any:
    """What the dwelling or dwellings passed as a parameter add, their visits included: one
    query."""
    return union_all(*_dwelling_rows(chosen), _visit_rows(chosen))


@cache
def _of_every_dwelling() -> tuple[Any, Any]:
    """What every dwelling adds, and apart from it their visits in the order of their
    dwellings (read as a stream)."""
    return (union_all(*_dwelling_rows("every")),
            _visit_rows("every").order_by(Visit.dwelling_id))


@cache
def _of_residents(chosen: Chosen, dialect: str) -> Any:
    return _resident_rows(chosen, Dialect(dialect))


@cache
def _of_handovers(chosen: Chosen, dialect: str) -> Any:
    return union_all(*_handover_rows(chosen, Dialect(dialect)))


def _rows(connection: Connection, query: Any, stream: bool,
          parameters: dict[str, Any] | None = None) -> Iterable[Any]:
    if stream:
        return connection.execute(query.execution_options(yield_per=_STREAM), parameters)
    return connection.execute(query, parameters).all()


def contribution(dwellings: Collection[int] | None = (),
                 residents: Collection[Any] | None = (),
                 connection: Connection | None = None, *,
                 handovers_of: Collection[Any] | None = ()) -> Counter[Key]:
    """What the dwellings and residents given (None: all of them), and the handovers of the
    residents given as `handovers_of`, add to the counts, read on `connection` (the
    session's by default; a migration passes its own).

    A few dwellings and residents take one query each, built once and given their ids as
    a parameter: a command pays for running it, not for building it. All of them are read
    as a stream (the visits in the order of their dwellings): memory follows the cells,
    not the rows."""
    connection = connection or db.session.connection()
    found: Counter[Key] = Counter()
    if dwellings is None:
        counted, visits = _of_every_dwelling()
        _add_dwellings(found, _rows(connection, counted, True))
        _add_visits(found, _rows(connection, visits, True))
    elif dwellings:
        _add_some_dwellings(found, connection, sorted(dwellings))
    if residents is None or residents:
        _add_residents(found, connection, residents, _of_residents)
    if handovers_of is None or handovers_of:
        _add_residents(found, connection, handovers_of, _of_handovers)
    return found


def _add_some_dwellings(found: Counter[Key], connection: Connection, ids: list[int]) -> None:
    """The dwellings' rows in one read and one pass: counted as they come, the visits set
    apart and put in the order of their dwellings for `_add_visits`."""
    chosen = _chosen(ids)
    counted: list[Any] = []
    visits: list[Any] = []
    for row in _rows(connection, _of_some_dwellings(chosen), False,
                     {_DWELLINGS: _parameter(chosen, ids)}):
        (visits if row[0] == "visit" else counted).append(row)
    _add_dwellings(found, counted)
    visits.sort(key=itemgetter(5))
    _add_visits(found, visits)


def _add_residents(found: Counter[Key], connection: Connection,
                   residents: Collection[Any] | None, rows_of: Any) -> None:
    """What the residents add (`_of_residents`) or their handovers (`_of_handovers`)."""
    chosen: Chosen = "every"
    parameters = None
    if residents is not None:
        ids = sorted(residents, key=str)
        chosen = _chosen(ids)
        parameters = {_RESIDENTS: _parameter(chosen, ids)}
    zone = local_zone()
    for kind, building, category, detail, moment, n in _rows(
            connection, rows_of(chosen, connection.dialect.name), chosen == "every",
            parameters):
        if kind in ("lead_days", "answer_days"):
            detail = spans.key(int(detail))
        for period in (ALL_TIME,) if moment is None else periods_of(moment, zone):
            found[(building, kind, period, category, detail)] += n
            if kind == "lead_days" and moment is not None:
                # Of the handovers offered, how many went through the stage.
                found[(building, "lead", period, category, "")] += n


def _add_dwellings(found: Counter[Key], rows: Iterable[Any]) -> None:
    for kind, building, category, detail, _moment, _dwelling, n in rows:
        found[(building, kind, ALL_TIME, category, detail)] += n


def _add_visits(found: Counter[Key], rows: Iterable[Any]) -> None:
    """Each dwelling once per period in which it had a visit (and one where someone talked)."""
    current = None
    knocked: set[tuple[int, str, str]] = set()
    talked: set[tuple[int, str, str]] = set()
    zone = local_zone()

    def settle() -> None:
        for measure, cells in (("knocked", knocked), ("talked", talked)):
            for building, floor, period in cells:
                found[(building, measure, period, floor, "")] += 1
        knocked.clear()
        talked.clear()

    for _kind, building, floor, was_talked, visited_at, dwelling_id, _n in rows:
        if dwelling_id != current:
            settle()
            current = dwelling_id
        for period in periods_of(visited_at, zone):
            cell = (building, floor, period)
            knocked.add(cell)
            if was_talked:
                talked.add(cell)
    settle()


# --------------------------------------------------------------------------- keeping them


@contextmanager
def kept(*, dwellings: Iterable[int] = (), residents: Iterable[Any] = (),
         handovers_of: Iterable[Any] = ()) -> Iterator[None]:
    """Run a change to these dwellings and residents, or to the handovers of the residents
    given as `handovers_of`, and add what it changed to the counts.

    Nested inside another `kept` for the same dwelling, resident or resident's handovers,
    only the outer one counts it. On an error nothing is added: the transaction (or
    savepoint) goes back."""
    tracked: set[tuple[str, Any]] = db.session.info.setdefault(_TRACKED, set())
    mine = {("dwelling", d) for d in dwellings if d is not None} | {
        ("resident", r) for r in residents if r is not None} | {
        ("handovers", r) for r in handovers_of if r is not None}
    mine -= tracked
    if not mine:
        yield
        return
    dwelling_ids = sorted(d for kind, d in mine if kind == "dwelling")
    resident_ids = sorted((r for kind, r in mine if kind == "resident"), key=str)
    handover_ids = sorted((r for kind, r in mine if kind == "handovers"), key=str)
    tracked |= mine
    try:
        _lock(dwelling_ids, bool(resident_ids or handover_ids))
        before = contribution(dwelling_ids, resident_ids, handovers_of=handover_ids)
        yield
        db.session.flush()
        after = contribution(dwelling_ids, resident_ids, handovers_of=handover_ids)
    finally:
        tracked -= mine
    after.subtract(before)
    add(after)


def _lock(dwelling_ids: list[int], residents: bool) -> None:
    """What is counted before a change must stay so until the change is in. The doors are
    locked (as recording at a door always did); what residents add is changed by commands
    that all append to the logs, so the logs' heads taken here put them one after the
    other. The order is the one every command keeps: a door, then the heads, then the rows
    it changes, then the counts — so nothing waits in a circle."""
    if dwelling_ids:
        # A statement of its own: the read of what the doors add comes after it, with a
        # snapshot taken once the lock is granted (READ COMMITTED), so it sees what the
        # command that held a door committed. Locked inside that read, it would not.
        db.session.execute(select(Dwelling.id).where(Dwelling.id.in_(dwelling_ids))
                           .order_by(Dwelling.id).with_for_update(key_share=True))
    if residents:
        chain.lock_head(ProcessingLogEntry)
        chain.lock_head(AuditEvent)


def lock_residents() -> None:
    """The locks `kept` takes before it counts residents, for a command that must take them
    before it knows which residents it changes (it then locks the rows it changes, and
    keeps the lock order every command keeps)."""
    _lock([], residents=True)


def add(differences: Counter[Key], connection: Connection | None = None) -> None:
    """Add the differences to the counts, in the order of their keys."""
    changed = [(*key, n) for key, n in sorted(differences.items()) if n]
    if not changed:
        return
    connection = connection or db.session.connection()
    if connection.dialect.name == "postgresql":
        # One statement whatever the number of counts, its text the same every time
        # (prepared once): the rows as one JSON list, which costs less to pass than a
        # parameter per count or an array per column.
        connection.execute(_upsert_json(), {_COUNTS: json.dumps(changed)})
    else:
        connection.execute(_upsert(), [dict(zip(_COLUMNS, row, strict=True)) for row in changed])
    # A list of languages is typed text: once nobody is counted under it (erased,
    # retention ended), it goes, like the text it was copied from.
    emptied = [row[:5] for row in changed if row[5] < 0 and row[1] in TYPED_CATEGORIES]
    if emptied:
        table = InsightCount.__table__
        connection.execute(delete(table).where(
            table.c.n == 0, tuple_(*[table.c[name] for name in _COLUMNS[:5]]).in_(emptied)))


_COLUMNS = ("building_id", "measure", "period", "category", "detail", "n")
_COUNTS = "counts"


def _on_conflict_add(statement: Any) -> Any:
    """An insert of counts that adds to the count of a key already there."""
    table = InsightCount.__table__
    return statement.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={"n": table.c.n + statement.excluded.n})


@cache
def _upsert() -> Any:
    """SQLite: one row of counts per parameter set (executemany)."""
    from sqlalchemy.dialects.sqlite import insert

    return _on_conflict_add(insert(InsightCount.__table__))


@cache
def _upsert_json() -> Any:
    """PostgreSQL: the counts given as one JSON list of rows (`_COLUMNS`), added in the
    order given."""
    from sqlalchemy.dialects.postgresql import JSON, insert

    table = InsightCount.__table__
    given = (func.json_array_elements(cast(bindparam(_COUNTS, type_=Text), JSON))
             .table_valued(column("value", JSON), with_ordinality="position").render_derived())
    # Text is stored as text, not cast to the column's length: a text too long for its
    # column is refused, not cut short.
    fields = [given.c.value[_constant(i)].astext for i in range(len(_COLUMNS))]
    values = [field if isinstance(table.c[name].type, String) else cast(field, table.c[name].type)
              for field, name in zip(fields, _COLUMNS, strict=True)]
    rows = select(*values).order_by(given.c.position)
    return _on_conflict_add(insert(table).from_select(list(_COLUMNS), rows))


# --------------------------------------------------------------------------- reconciling


def stored(connection: Connection) -> Counter[Key]:
    found: Counter[Key] = Counter()
    for b, m, p, c, d, n in _rows(connection, select(
            InsightCount.building_id, InsightCount.measure, InsightCount.period,
            InsightCount.category, InsightCount.detail, InsightCount.n), stream=True):
        if n:
            found[(b, m, p, c, d)] = n
    return found


@dataclass
class Reconciliation:
    counts: int  # counts that are not 0, as the raw rows say
    differences: dict[Key, tuple[int, int]]  # key -> (stored, expected)
    repaired: bool


def reconcile(connection: Connection | None = None, *,
              repair: bool = False) -> Reconciliation:
    """Every count worked out from the raw rows and compared with the one kept; with
    `repair`, the ones that differ are set right (the caller commits).

    What is compared must be one state of the database: give a connection in a snapshot
    of its own (REPEATABLE READ) to compare while commands run. Repairing (on the
    session's connection) locks the logs' heads first, as every command does, so no
    command changes the rows meanwhile."""
    if repair:
        _lock([], residents=True)
    connection = connection or db.session.connection()
    expected = +contribution(None, None, connection, handovers_of=None)
    have = stored(connection)
    found = {key: (have.get(key, 0), expected.get(key, 0))
             for key in sorted(set(expected) | set(have))
             if have.get(key, 0) != expected.get(key, 0)}
    if repair and found:
        add(Counter({key: right - kept_ for key, (kept_, right) in found.items()}))
    return Reconciliation(len(expected), found, repair and bool(found))


def recount(connection: Connection | None = None) -> int:
    """Every count worked out from the raw rows again (generated or loaded data, or a
    migration filling the counts of what is there); the number of counts."""
    connection = connection or db.session.connection()
    expected = +contribution(None, None, connection, handovers_of=None)
    connection.execute(delete(InsightCount))
    rows = [{"building_id": b, "measure": m, "period": p, "category": c, "detail": d, "n": n}
            for (b, m, p, c, d), n in sorted(expected.items())]
    for start in range(0, len(rows), _STREAM):
        connection.execute(InsightCount.__table__.insert(), rows[start:start + _STREAM])
    return len(rows)



