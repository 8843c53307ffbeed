"""A funder's account (verantwoording) of one stream for one period: what the stream paid
for, counted — doors and conversations in the funded buildings, residents reached, help
questions by theme, warm handovers and help started, check-ins, Buurtkamer activities and
who came. Each part is a table of neighbourhood insight (`app.insight.tables.Table`), so the
small-cell rule is the one insight applies: counts of 1 to 4 people hidden, and whatever
would let them be worked out through the table's sums. A resident is never named.

Periods are whole: the stream's own period, or a calendar year or quarter of it — never a
range of one's own, so that no two accounts differ by a day. Every account shown, printed or
exported is logged in the processing log (activity `neighbourhood_insight`, no data
subject)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.audit.processing import log_processing
from app.auth.models import User
from app.buurtkamer.models import ACTIVITY_THEMES
from app.cases.models import HELP_THEMES
from app.db import db, utcnow
from app.funding import queries
from app.funding.models import FundingStream
from app.funding.operations import day_start
from app.funding.queries import Reach, Window
from app.insight.queries import dialect, organisations
from app.insight.tables import ALL, PUBLIC, RATE, Column, Table
from app.web.formkit import local_zone
from app.web.labels import label
from policies import REGISTER, Action
from policies.small_cells import MARKS, THRESHOLD
from workflows.case import CHECKIN_OUTCOMES

ACTIVITY = "neighbourhood_insight"
WHOLE = "all"


class PeriodUnknown(Exception):
    """The period asked for is not one of the stream's."""


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class AccountPeriod:
    key: str  # "all", "2026" or "2026-Q3"
    label: str
    first_day: date
    last_day: date  # inclusive

    def bounds(self, now: datetime) -> tuple[datetime, datetime]:
        """[since, until) as moments, Dutch days; nothing after `now` has happened yet."""
        since = _midnight(self.first_day)
        until = min(_midnight(self.last_day + timedelta(days=1)), now)
        return since, max(since, until)


def _midnight(day: date) -> datetime:
    return day_start(day).astimezone(UTC)


def periods(stream: FundingStream, today: date) -> list[AccountPeriod]:
    """The stream's whole period, then each calendar year (when it spans more than one) and
    each quarter that has begun, newest first — clipped to the stream's period."""
    found = [AccountPeriod(WHOLE, _("The whole period of the stream"), stream.starts_on,
                           stream.ends_on)]
    years = range(stream.ends_on.year, stream.starts_on.year - 1, -1)
    for year in years:
        if len(years) > 1:
            found.append(_clipped(stream, str(year), _("The year %(year)s", year=year),
                                  date(year, 1, 1), date(year, 12, 31)))
        for quarter in range(4, 0, -1):
            first = date(year, 3 * quarter - 2, 1)
            last = (date(year + 1, 1, 1) if quarter == 4
                    else date(year, 3 * quarter + 1, 1)) - timedelta(days=1)
            found.append(_clipped(stream, f"{year}-Q{quarter}",
                                  _("Quarter %(quarter)s of %(year)s", quarter=quarter,
                                    year=year), first, last))
    return [p for p in found if p is not None and p.first_day <= today]


def _clipped(stream: FundingStream, key: str, text: str, first: date, last: date
             ) -> AccountPeriod | None:
    first, last = max(first, stream.starts_on), min(last, stream.ends_on)
    return AccountPeriod(key, text, first, last) if first <= last else None


def period_of(stream: FundingStream, key: str | None, today: date) -> AccountPeriod:
    chosen = key or WHOLE
    for period in periods(stream, today):
        if period.key == chosen:
            return period
    raise PeriodUnknown(chosen)


# --------------------------------------------------------------------------- what it counts


def reach_of(stream: FundingStream, since: datetime, until: datetime) -> Reach:
    """The funded windows per building within [since, until); a stream without coach
    deployment reaches every building (through its themes)."""
    themes = tuple(stream.themes)
    if not stream.deployments:
        return Reach(since, until, None if themes else (), themes)
    spans: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for deployment in stream.deployments:
        start = max(_midnight(deployment.starts_on), since)
        end = min(_midnight(deployment.ends_on + timedelta(days=1)), until)
        if start < end:
            spans[deployment.building_id].append((start, end))
    windows = []
    for building_id, found in sorted(spans.items()):
        merged: list[list[datetime]] = []
        for start, end in sorted(found):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        windows.extend(Window(building_id, start, end) for start, end in merged)
    return Reach(since, until, tuple(windows), themes)


def funds(stream: FundingStream) -> list[str]:
    """What the stream pays for, as the account's parts: deployment, themes, activities."""
    found = []
    if stream.deployments:
        found.append("coach_deployment")
    if stream.themes:
        found.append("themes")
    if stream.activities:
        found.append("activities")
    return found


# --------------------------------------------------------------------------- the tables


def outreach(reach: Reach) -> Table:
    table = Table(
        id="outreach", title=_("Doors and conversations in the funded buildings"),
        question=_("Did the coaches reach the residents of the buildings the stream pays for?"),
        unit=_("buildings"),
        columns=[Column("dwellings", _("Front doors"), PUBLIC),
                 Column("knocked", _("Doors knocked")),
                 Column("share_knocked", _("Doors knocked (%)"), RATE, ("knocked", "dwellings")),
                 Column("conversations", _("Conversations")),
                 Column("reached", _("Residents reached"))],
        chart_columns=["knocked", "conversations", "reached"],
        note=_("Only while the stream paid for a coach in the building. A door counts as "
               "knocked after any visit; a conversation is a visit where someone talked. A "
               "resident is reached when a coach talked with them at the door or they were "
               "on a path with a coach."))
    knocked = {row[0]: (row[1], row[2]) for row in queries.doors(reach)}
    reached = dict(queries.residents_reached(reach))
    table.add(ALL, "total", _("All funded buildings"), None, chart=False)
    keys = []
    for building_id, name, dwellings in queries.buildings(reach):
        doors, conversations = knocked.get(building_id, (0, 0))
        key = f"b{building_id}"
        table.add(ALL, key, name, {"dwellings": dwellings, "knocked": doors,
                                   "conversations": conversations,
                                   "reached": reached.get(building_id, 0)},
                  level=1, parent="total")
        keys.append(key)
    table.sums(ALL, "total", keys)
    return table


def help_questions(reach: Reach) -> Table:
    table = Table(
        id="help_questions", title=_("Help questions by theme"),
        question=_("What did residents ask for help with?"), unit=_("residents"),
        columns=[Column("residents", _("Residents"))], chart_columns=["residents"],
        note=_("Residents whose help question names the theme, on a path with a coach during "
               "the period. A question can name several themes, so the themes add up to more "
               "than the total."))
    total, per_theme = queries.help_question_themes(reach)
    table.add(ALL, "total", _("Residents with a help question"), {"residents": total},
              chart=False)
    for theme in reach.themes or HELP_THEMES:
        table.add(ALL, theme, label(theme, "theme"), {"residents": per_theme.get(theme, 0)},
                  level=1, parent="total")
    return table


def handovers(reach: Reach) -> Table:
    table = Table(
        id="handovers", title=_("Warm handovers and help started"),
        question=_("Did residents get to the help they asked for?"), unit=_("handovers"),
        columns=[Column("offered", _("Handovers offered")),
                 Column("help_started", _("Help started"))],
        chart_columns=["offered", "help_started"],
        note=_("Offered: a warm handover offered to the organisation in the period. Help "
               "started: the organisation confirmed in the period that help has started."))
    found = queries.handovers(reach)
    names = organisations(set(found))
    table.add(ALL, "total", _("All organisations"), None, chart=False)
    keys = []
    for organization_id in sorted(found, key=lambda i: (names.get(i, ""), i)):
        key = f"org-{organization_id}"
        table.add(ALL, key, names.get(organization_id, key), found[organization_id],
                  level=1, parent="total")
        keys.append(key)
    table.sums(ALL, "total", keys)
    return table


def checkins(reach: Reach) -> Table:
    table = Table(
        id="checkins", title=_("Check-ins after help started"),
        question=_("Did the coaches stay in touch once help had started?"),
        unit=_("check-ins"), columns=[Column("checkins", _("Check-ins"))],
        chart_columns=["checkins"],
        note=_("Check-ins the coaches recorded in the period, by what came of them."))
    found = queries.checkins(reach)
    table.add(ALL, "total", _("All check-ins"), None, chart=False)
    for outcome in CHECKIN_OUTCOMES:
        table.add(ALL, outcome, label(outcome, "checkin_outcome"),
                  {"checkins": found.get(outcome, 0)}, level=1, parent="total")
    table.sums(ALL, "total", CHECKIN_OUTCOMES)
    return table


def activities(stream: FundingStream, since: datetime, until: datetime) -> Table:
    table = Table(
        id="activities", title=_("Buurtkamer activities and participation"),
        question=_("Do residents meet each other at the activities the stream pays for?"),
        unit=_("participants"),
        columns=[Column("activities", _("Activities held"), PUBLIC),
                 Column("participants", _("Participants"))],
        chart_columns=["activities", "participants"],
        note=_("The stream's activities that took place in the period, not cancelled; "
               "participants are counted, never named."))
    data: dict[str, dict[str, int]] = {}
    themes = list(ACTIVITY_THEMES)
    for kind, value, held, participants in queries.activities(stream.id, since, until):
        if kind == "theme" and value not in themes:
            themes.append(value)
        data[f"{kind}-{value}"] = {"activities": held, "participants": int(participants)}
    months = _months(since, until)
    table.add(ALL, "total", _("All activities"), None, chart=False)
    theme_keys = [f"theme-{t}" for t in themes]
    month_keys = [f"month-{m}" for m in months]
    for theme, key in zip(themes, theme_keys, strict=True):
        table.add(ALL, key, label(theme, "activity_theme"), data.get(key), level=1,
                  parent="total", group="theme")
    for month, key in zip(months, month_keys, strict=True):
        table.add(ALL, key, _month_label(month), data.get(key), level=1, parent="total",
                  group="month")
    table.sums(ALL, "total", theme_keys)
    table.sums(ALL, "total", month_keys)
    return table


def _months(since: datetime, until: datetime) -> list[str]:
    """'YYYY-MM' of every month (UTC, as the database counts them) from since until until."""
    months = []
    year, month = since.year, since.month
    while datetime(year, month, 1, tzinfo=UTC) < until:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return months


def _month_label(key: str) -> str:
    year, month = (int(part) for part in key.split("-"))
    return format_date(date(year, month, 1), "MMM y")


# The account's key figures: (table, row, column, label), from the totals as shown.
FIGURES = (
    ("outreach", "total", "knocked", _l("Doors knocked")),
    ("outreach", "total", "conversations", _l("Conversations")),
    ("outreach", "total", "reached", _l("Residents reached")),
    ("help_questions", "total", "residents", _l("Residents with a help question")),
    ("handovers", "total", "offered", _l("Warm handovers offered")),
    ("handovers", "total", "help_started", _l("Help started")),
    ("checkins", "total", "checkins", _l("Check-ins")),
    ("activities", "total", "activities", _l("Activities held")),
    ("activities", "total", "participants", _l("Participants in activities")),
)


def _figures(tables: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id = {table["id"]: {row["id"]: row for row in table["rows"]} for table in tables}
    figures = []
    for table, row, column, text in FIGURES:
        if table in by_id:
            figures.append({"id": f"{table}:{column}", "label": str(text),
                            **by_id[table][row]["cells"][column]})
    return figures


# --------------------------------------------------------------------------- the account


def account(stream: FundingStream, period: AccountPeriod,
            now: datetime | None = None) -> dict[str, Any]:
    """The account as it leaves: every table suppressed, the key figures from their totals."""
    now = now or utcnow()
    since, until = period.bounds(now)
    reach = reach_of(stream, since, until)
    dialect().prepare(db.session)
    parts = funds(stream)
    tables: list[Table] = []
    if "coach_deployment" in parts:
        tables.append(outreach(reach))
    if "coach_deployment" in parts or "themes" in parts:
        tables += [help_questions(reach), handovers(reach), checkins(reach)]
    if "activities" in parts:
        tables.append(activities(stream, since, until))
    built = [table.build(ALL) for table in tables]
    return {
        "generated_at": now,
        "stream": stream,
        "funds": parts,
        "period": {"key": period.key, "label": period.label, "from": period.first_day,
                   "until": period.last_day,
                   "counted_until": (until - timedelta(microseconds=1)).astimezone(
                       local_zone()).date()},
        "deployment": _deployment(reach),
        "threshold": THRESHOLD,
        "marks": {str(reason): mark for reason, mark in MARKS.items()},
        "figures": _figures(built),
        "tables": built,
    }


def _deployment(reach: Reach) -> list[dict[str, Any]]:
    """The funded buildings and the days in the period the stream paid for a coach there."""
    names = {building_id: name for building_id, name, _doors in queries.buildings(reach)}
    return [{"building_id": w.building_id, "building": names.get(w.building_id, ""),
             "from": _day(w.since), "until": _day(w.until, last=True)}
            for w in reach.windows or ()]


def _day(moment: datetime, last: bool = False) -> date:
    local = moment.astimezone(local_zone())
    return (local - timedelta(microseconds=1)).date() if last else local.date()


def view_account(user: User, stream: FundingStream, period: AccountPeriod,
                 action: Action = Action.VIEW_INSIGHT, how: str = "page") -> dict[str, Any]:
    """The account, logged as one view (or, with Action.EXPORT, one export) of
    neighbourhood insight."""
    result = account(stream, period)
    activity = REGISTER[ACTIVITY]
    log_processing(
        action=str(action), activity=ACTIVITY, decision="allowed", actor=user,
        data_subject_id=None, categories=activity.categories,
        legal_basis=str(activity.legal_basis), object_type=stream.object_type,
        object_id=stream.id,
        reasons=["aggregates only; counts of 1 to 4 people, and counts they could be worked "
                 "out from, are hidden", f"funder's account ({how}), period: {period.key}",
                 f"tables: {', '.join(t['id'] for t in result['tables'])}"])
    return result
