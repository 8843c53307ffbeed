"""The panels of neighbourhood insight: each answers one question of the approach ("Wat is
de demografische opbouw? Wat willen de bewoners echt? Hoe hoog is de bereidheid…"), as a
table built from the aggregates in `queries` and suppressed by `tables.Table.build`.

Most panels keep a block of rows per building and one for all of them, tied by sum
relations (see `tables` for why). Door-knock coverage has its buildings and floors as rows
already; the handover panels (lead times, acceptance, answer times, decline reasons,
escalations) count over the viewer's whole scope whichever building is chosen: they
describe the organisations."""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.buurtkamer.models import ACTIVITY_THEMES
from app.cases.models import HELP_THEMES
from app.insight import queries
from app.insight.queries import Scope
from app.insight.tables import ALL, DAYS, PUBLIC, RATE, Column, Table, building_view
from app.visits.schemas import OFFER_KINDS
from app.web.labels import label
from workflows.case import CASE_STATES, CLOSE_OUTCOMES
from workflows.handover import DECLINE_REASONS
from workflows.timers import CHECKIN_WINDOW

MONTHS = 12  # escalations and activities: the last twelve calendar months
LANGUAGES_SHOWN = 15


@dataclass
class Context:
    """What every panel of one request shares: the viewer's buildings, the view, the clock,
    and the aggregates more than one panel reads (computed once)."""

    scope: Scope
    buildings: list[tuple[int, str]]
    view: str
    now: datetime
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def blocks(self) -> list[str]:
        return [building_view(building_id) for building_id, _name in self.buildings]

    @cached_property
    def months(self) -> list[str]:
        year, month = self.now.year, self.now.month
        keys = []
        for _i in range(MONTHS):
            keys.append(f"{year:04d}-{month:02d}")
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return keys[::-1]

    @property
    def since(self) -> datetime:
        year, month = (int(part) for part in self.months[0].split("-"))
        return datetime(year, month, 1, tzinfo=UTC)

    def conversations(self) -> dict[str, dict[str, dict[str, int]]]:
        """list (themes, offers, wishes, willingness) -> block -> value -> households."""
        if "conversations" not in self._cache:
            found: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
            for name, value, building_id, n in queries.latest_conversations(self.scope):
                found[name][building_view(building_id)][value] = n
            self._cache["conversations"] = found
        return self._cache["conversations"]


def month_label(key: str) -> str:
    year, month = (int(part) for part in key.split("-"))
    return format_date(datetime(year, month, 1), "MMM y")


def _fill(table: Table, ctx: Context, keys: list[tuple[str, str]],
          data: dict[str, dict[str, dict[str, int]]], *,
          row_options: Callable[[str], dict[str, Any]] | None = None,
          within: Callable[[str], None] | None = None) -> None:
    """A block of rows `keys` ((key, label)) per building with `data[block][key]`, the "all"
    block as their sum, and the relations `within(block)` declares inside each block."""
    specs = table.row_specs(keys, row_options)
    for block in ctx.blocks:
        table.add_block(block, specs, data.get(block, {}))
        if within is not None:
            within(block)
    table.add_block(ALL, specs, {})
    table.blocks_add_up(ctx.blocks, [key for key, _text in keys])
    if within is not None:
        within(ALL)


def _fill_total_and_parts(table: Table, ctx: Context, total_label: str,
                          parts: list[tuple[str, str]],
                          data: dict[str, dict[str, dict[str, int]]]) -> None:
    """A "total" row (not charted) and the parts that add up to it, in every block."""
    part_keys = [key for key, _text in parts]
    _fill(table, ctx, [("total", total_label), *parts], data,
          row_options=lambda key: {"chart": False} if key == "total" else
          {"level": 1, "parent": "total"},
          within=lambda block: table.sums(block, "total", part_keys))


# --------------------------------------------------------------------------- panels


def coverage(ctx: Context) -> Table:
    table = Table(
        id="coverage", title=_("Door-knock coverage"),
        question=_("Have we been to every door, and did we talk with the people behind it?"),
        unit=_("dwellings"),
        columns=[
            Column("dwellings", _("Dwellings"), PUBLIC),
            Column("knocked", _("Doors knocked")),
            Column("talked", _("Conversations")),
            Column("share_knocked", _("Doors knocked (%)"), RATE, ("knocked", "dwellings")),
            Column("contact_rate", _("Contact rate"), RATE, ("talked", "knocked")),
        ],
        chart_columns=["share_knocked", "contact_rate"],
        note=_("A door counts as knocked after any visit, also when nobody was home; a "
               "conversation is a visit where someone talked with the coach."))
    floors: dict[int, list[tuple[int, dict[str, int]]]] = defaultdict(list)
    for building_id, floor, dwellings, knocked, talked in queries.coverage(ctx.scope):
        floors[building_id].append((floor, {"dwellings": dwellings, "knocked": knocked,
                                            "talked": int(talked)}))
    several = ctx.view == ALL and len(ctx.buildings) != 1
    floor_label = lru_cache(maxsize=None)(lambda floor: _("Floor %(floor)s", floor=floor))
    table.add(ALL, "total", _("All buildings"), None, chart=False, views=(ALL,))
    building_rows = []
    for building_id, name in ctx.buildings:
        view = building_view(building_id)
        table.add(ALL, view, name, None, level=1 if several else 0,
                  parent="total" if several else None, chart=several, views=(ALL, view))
        parts = []
        for floor, values in sorted(floors.get(building_id, [])):
            part = f"{view}-floor-{floor}"
            table.add(ALL, part, floor_label(floor), values,
                      level=2 if several else 1, parent=view, chart=not several,
                      views=(ALL, view))
            parts.append(part)
        table.sums(ALL, view, parts)
        building_rows.append(view)
    table.sums(ALL, "total", building_rows)
    return table


def themes(ctx: Context) -> Table:
    table = Table(
        id="themes", title=_("Themes of need"), question=_("What do the residents really want?"),
        unit=_("households and residents"),
        columns=[Column("door", _("Raised at the door (households)")),
                 Column("help_questions", _("In help questions (residents)"))],
        chart_columns=["door", "help_questions"],
        note=_("At the door: what each household named in its latest conversation. Help "
               "questions: residents whose help question names the theme."))
    data: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for block, values in ctx.conversations().get("themes", {}).items():
        for theme, n in values.items():
            data[block][theme]["door"] = n
    for theme, building_id, n in queries.help_question_themes(ctx.scope):
        data[building_view(building_id)][theme]["help_questions"] = n
    _fill(table, ctx, [(t, label(t, "theme")) for t in HELP_THEMES], data)
    return table


def offers_and_wishes(ctx: Context) -> Table:
    table = Table(
        id="offers_wishes", title=_("What residents offer and wish for"),
        question=_("Who can offer residents opportunities and perspective again?"),
        unit=_("households"),
        columns=[Column("offers", _("Can offer others")),
                 Column("wishes", _("Would like from others"))],
        chart_columns=["offers", "wishes"],
        note=_("What each household named in its latest conversation at the door."))
    data: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    lists = ctx.conversations()
    for column in ("offers", "wishes"):
        for block, values in lists.get(column, {}).items():
            for kind, n in values.items():
                data[block][kind][column] = n
    _fill(table, ctx, [(k, label(k, "offer")) for k in OFFER_KINDS], data)
    return table


WILLINGNESS = ("0", "1", "2", "3")


def willingness(ctx: Context) -> Table:
    table = Table(
        id="willingness", title=_("Willingness to contribute"),
        question=_("How willing are residents to do something for each other?"),
        unit=_("households"),
        columns=[Column("households", _("Households")),
                 Column("share", _("Share"), RATE, ("households", "households", "total"))],
        chart_columns=["share"],
        note=_("The answer in the latest conversation of each household at the door."))
    data: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    for block, levels in ctx.conversations().get("willingness", {}).items():
        for level, n in levels.items():
            data[block][level] = {"households": n}
    _fill_total_and_parts(table, ctx, _("All households with an answer"),
                          [(w, label(w, "willingness")) for w in WILLINGNESS], data)
    return table


def case_funnel(ctx: Context) -> Table:
    table = Table(
        id="case_funnel", title=_("Cases by state"),
        question=_("Where do the residents' paths stand, and how did the closed ones end?"),
        unit=_("cases"), columns=[Column("cases", _("Cases"))], chart_columns=["cases"])
    data: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    outcomes = list(CLOSE_OUTCOMES)
    for building_id, state, outcome, n in queries.case_funnel(ctx.scope):
        block = data[building_view(building_id)]
        block[state]["cases"] = block[state].get("cases", 0) + n
        if state == "closed":
            key = outcome if outcome in CLOSE_OUTCOMES else "other"
            if key == "other" and key not in outcomes:
                outcomes.append(key)
            block[f"outcome-{key}"]["cases"] = block[f"outcome-{key}"].get("cases", 0) + n
    outcome_keys = [f"outcome-{o}" for o in outcomes]
    keys = [("total", _("All cases")), *[(s, label(s, "case_state")) for s in CASE_STATES],
            *[(f"outcome-{o}", label(o, "close_outcome") if o != "other"
               else _("Other or unknown outcome")) for o in outcomes]]

    def options(key: str) -> dict[str, Any]:
        if key == "total":
            return {"chart": False}
        if key.startswith("outcome-"):
            return {"level": 2, "parent": "closed"}
        return {"level": 1, "parent": "total"}

    def within(block: str) -> None:
        table.sums(block, "closed", outcome_keys)
        table.sums(block, "total", CASE_STATES)

    _fill(table, ctx, keys, data, row_options=options, within=within)
    return table


def lead_times(ctx: Context) -> Table:
    table = Table(
        id="lead_times", scope_wide=True, title=_("Lead times of warm handovers"),
        question=_("How quickly does a warm handover lead to help that has started?"),
        unit=_("days"),
        columns=[Column("handovers", _("Handovers")),
                 Column("median", _("Median (days)"), DAYS, ("handovers",)),
                 Column("p90", _("90% within (days)"), DAYS, ("handovers",))],
        chart_columns=["median", "p90"],
        note=_("Only handovers that went through the step; a median or percentile over "
               "fewer than 5 handovers is not shown."))
    labels = {"offer_to_accept": _("Offered → accepted"),
              "accept_to_intro": _("Accepted → introduction held"),
              "intro_to_completed": _("Introduction held → help started"),
              "offer_to_completed": _("Offered → help started (whole path)")}
    counts, percentiles = queries.lead_times(ctx.scope)
    for stage, _start, _end in queries.LEAD_TIME_STAGES:
        median, p90 = percentiles.get(stage, (0, [None, None]))[1]
        table.add(ALL, stage, labels[stage], {"handovers": counts[stage], "median": median,
                                              "p90": p90})
    return table


ANSWER_LABELS = {"accepted": _l("Accepted"), "declined": _l("Declined"),
                 "withdrawn": _l("Withdrawn before an answer"), "awaiting": _l("Awaiting an answer")}


def acceptance(ctx: Context) -> Table:
    table = Table(
        id="acceptance", scope_wide=True, title=_("Acceptance per organisation"),
        question=_("Which partners dare to work outreach and really do it together?"),
        unit=_("handovers"),
        columns=[Column("offered", _("Offered")),
                 *[Column(answer, str(text)) for answer, text in ANSWER_LABELS.items()],
                 Column("rate", _("Accepted (%)"), RATE, ("accepted", "offered"))],
        chart_columns=["accepted", "declined"])
    data: dict[str, dict[str, int]] = defaultdict(dict)
    for organisation_id, answer, n in queries.acceptance(ctx.scope):
        data[f"org-{organisation_id}"][answer] = n
    _organisation_rows(table, data, list(ANSWER_LABELS), "offered")
    return table


def answer_times(ctx: Context) -> Table:
    table = Table(
        id="answer_times", scope_wide=True, title=_("Time to a first answer per organisation"),
        question=_("How quickly do partners answer a warm handover?"), unit=_("days"),
        columns=[Column("answered", _("Answered")),
                 Column("median", _("Median (days)"), DAYS, ("answered",)),
                 Column("p90", _("90% within (days)"), DAYS, ("answered",))],
        chart_columns=["median", "p90"],
        note=_("From the offer to the organisation's first answer, accepted or declined; a "
               "median or percentile over fewer than 5 handovers is not shown."))
    per_organisation, overall = queries.first_answer_times(ctx.scope)
    names = queries.organisations(set(per_organisation))
    table.add(ALL, "total", _("All organisations"), _answer_cells(overall), chart=False)
    keys = []
    for organisation_id in sorted(per_organisation,
                                  key=lambda i: (names.get(i, ""), i)):
        key = f"org-{organisation_id}"
        table.add(ALL, key, names.get(organisation_id, key),
                  _answer_cells(per_organisation[organisation_id]), level=1, parent="total")
        keys.append(key)
    table.sums(ALL, "total", keys, columns=["answered"])
    return table


def _answer_cells(found: tuple[int, list[float]]) -> dict[str, Any]:
    answered, statistics = found
    median, p90 = (statistics + [None, None])[:2]
    return {"answered": answered, "median": median, "p90": p90}


def decline_reasons(ctx: Context) -> Table:
    data: dict[str, dict[str, int]] = defaultdict(dict)
    reasons = list(DECLINE_REASONS)
    for organisation_id, reason, n in queries.decline_reasons(ctx.scope):
        key = reason if reason in DECLINE_REASONS else queries.UNKNOWN
        if key not in reasons:
            reasons.append(key)
        row = data[f"org-{organisation_id}"]
        row[key] = row.get(key, 0) + n
    table = Table(
        id="decline_reasons", scope_wide=True, title=_("Decline reasons per organisation"),
        question=_("Why do partners decline, and where should a handover go instead?"),
        unit=_("handovers declined"),
        columns=[Column("declined", _("Declined")),
                 *[Column(reason, label(reason, "decline_reason")
                          if reason != queries.UNKNOWN else _("Reason not recorded"))
                   for reason in reasons]],
        chart_columns=["no_capacity", "not_our_field", "resident_unreachable", "other"],
        note=_("The reason the organisation chose when it declined."))
    _organisation_rows(table, data, reasons, "declined")
    return table


def escalations(ctx: Context) -> Table:
    months = ctx.months
    table = Table(
        id="escalations", scope_wide=True, title=_("Escalations per organisation and month"),
        question=_("Where do warm handovers get stuck?"), unit=_("escalations"),
        columns=[*[Column(m, month_label(m)) for m in months],
                 Column("total", _("Total"))],
        chart_columns=["total"],
        note=_("A handover offered to an organisation that stayed unanswered for 5 working "
               "days is escalated to the coordinators. The last twelve months."))
    data: dict[str, dict[str, int]] = defaultdict(dict)
    for organisation_id, month, n in queries.escalations(ctx.scope, ctx.since):
        if month in months:
            data[f"org-{organisation_id}"][month] = n
    _organisation_rows(table, data, months, "total")
    return table


def _organisation_rows(table: Table, data: dict[str, dict[str, int]], parts: list[str],
                       total: str) -> None:
    """Rows per organisation under a total row; in every row `total` is the sum of `parts`,
    and in every column the total row is the sum of the organisations."""
    names = queries.organisations({int(key.removeprefix("org-")) for key in data})
    keys = sorted(data, key=lambda key: (names.get(int(key.removeprefix("org-")), ""), key))
    table.add(ALL, "total", _("All organisations"), None, chart=False)
    for key in keys:
        table.add(ALL, key, names.get(int(key.removeprefix("org-")), key), data[key], level=1,
                  parent="total")
        table.across(ALL, key, total, parts)
    table.sums(ALL, "total", keys)
    table.across(ALL, "total", total, parts)


CHECKIN_LABELS = {"on_time": _l("Done on time"), "late": _l("Done late"),
                  "missed": _l("Not done"), "open": _l("Due now")}


def checkins(ctx: Context) -> Table:
    table = Table(
        id="checkins", title=_("Check-ins on time"),
        question=_("Do the coaches stay in touch once help has started?"),
        unit=_("check-ins"),
        columns=[Column("checkins", _("Check-ins")),
                 Column("share", _("Share"), RATE, ("checkins", "checkins", "total"))],
        chart_columns=["share"],
        note=_("Planned check-ins whose date has come. On time: recorded no later than "
               "%(days)s days after the date; not done: left undone longer, or help stopped "
               "while it was due.", days=CHECKIN_WINDOW.days))
    data: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    for building_id, answer, n in queries.checkins(ctx.scope, ctx.now, CHECKIN_WINDOW):
        data[building_view(building_id)][answer] = {"checkins": n}
    _fill_total_and_parts(table, ctx, _("All check-ins due"),
                          [(answer, str(CHECKIN_LABELS[answer]))
                           for answer in queries.CHECKIN_ANSWERS], data)
    return table


def activities(ctx: Context) -> Table:
    months = ctx.months
    table = Table(
        id="activities", title=_("Buurtkamer activities and participation"),
        question=_("Do residents meet each other in the Buurtkamer?"), unit=_("participants"),
        columns=[Column("activities", _("Activities held"), PUBLIC),
                 Column("participants", _("Participants"))],
        chart_columns=["activities", "participants"],
        note=_("Activities that took place in the last twelve months, not cancelled; "
               "participants are counted, never named."))
    data: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    themes_seen = list(ACTIVITY_THEMES)
    for building_id, kind, value, held, participants in queries.activities(
            ctx.scope, ctx.since, ctx.now):
        if kind == "theme" and value not in themes_seen:
            themes_seen.append(value)
        data[building_view(building_id)][f"{kind}-{value}"] = {
            "activities": held, "participants": int(participants)}
    theme_keys = [f"theme-{t}" for t in themes_seen]
    month_keys = [f"month-{m}" for m in months]
    keys = [("total", _("All activities")),
            *[(f"theme-{t}", label(t, "activity_theme")) for t in themes_seen],
            *[(f"month-{m}", month_label(m)) for m in months]]

    def options(key: str) -> dict[str, Any]:
        if key == "total":
            return {"chart": False}
        group = "theme" if key.startswith("theme-") else "month"
        return {"level": 1, "parent": "total", "group": group}

    def within(block: str) -> None:
        table.sums(block, "total", theme_keys)
        table.sums(block, "total", month_keys)

    _fill(table, ctx, keys, data, row_options=options, within=within)
    return table


def age_bands(ctx: Context) -> Table:
    table = Table(
        id="age_bands", title=_("Age"), question=_("What is the demographic make-up?"),
        unit=_("residents"), columns=[Column("residents", _("Residents"))],
        chart_columns=["residents"])
    data: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    for building_id, band, n in queries.age_bands(ctx.scope, ctx.now.year):
        data[building_view(building_id)][band] = {"residents": n}
    bands = [name for name, _bottom, _top in queries.AGE_BANDS] + [queries.UNKNOWN]
    _fill_total_and_parts(
        table, ctx, _("All residents"),
        [(b, _("%(band)s years", band=b) if b != queries.UNKNOWN else _("Age unknown"))
         for b in bands], data)
    return table


def household_sizes(ctx: Context) -> Table:
    table = Table(
        id="household_size", title=_("Household size"),
        question=_("What is the demographic make-up?"), unit=_("households"),
        columns=[Column("households", _("Households"))], chart_columns=["households"],
        note=_("As last told at the door."))
    data: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    for building_id, size, n in queries.household_sizes(ctx.scope):
        data[building_view(building_id)][str(size)] = {"households": n}
    sizes = [str(n) for n in range(1, queries.LARGEST_HOUSEHOLD + 1)]
    _fill_total_and_parts(
        table, ctx, _("All households with a known size"),
        [("1", _("1 person")), *[(s, _("%(num)s people", num=s)) for s in sizes[1:-1]],
         (sizes[-1], _("%(num)s or more people", num=sizes[-1]))], data)
    return table


def languages(ctx: Context) -> Table:
    table = Table(
        id="languages", title=_("Languages"), question=_("What is the demographic make-up?"),
        unit=_("residents"), columns=[Column("residents", _("Residents"))],
        chart_columns=["residents"],
        note=_("A resident counts for every language they speak. Languages spoken by fewer "
               "than 5 residents are counted together."))
    found = queries.languages(ctx.scope, LANGUAGES_SHOWN)
    totals: dict[str, int] = defaultdict(int)
    data: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    for _building_id, language, n in found:
        if language is not None:
            totals[language] += n
    order = sorted(totals, key=lambda language: (-totals[language], language))
    key_of = {language: f"language-{i + 1}" for i, language in enumerate(order)}
    for building_id, language, n in found:
        key = key_of[language] if language is not None else "other"
        data[building_view(building_id)][key] = {"residents": n}
    keys = [*[(key_of[language], language) for language in order],
            ("other", _("Other languages"))]
    _fill(table, ctx, keys, data)
    return table


PANELS: dict[str, Callable[[Context], Table]] = {
    "coverage": coverage,
    "themes": themes,
    "offers_wishes": offers_and_wishes,
    "willingness": willingness,
    "case_funnel": case_funnel,
    "lead_times": lead_times,
    "acceptance": acceptance,
    "answer_times": answer_times,
    "decline_reasons": decline_reasons,
    "escalations": escalations,
    "checkins": checkins,
    "activities": activities,
    "age_bands": age_bands,
    "household_size": household_sizes,
    "languages": languages,
}


def build(ctx: Context, names: Iterable[str]) -> list[dict[str, Any]]:
    with _cycle_collector_paused():
        return [PANELS[name](ctx).build(ctx.view) for name in names]


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Panels over hundreds of buildings hold some hundred thousand rows, cells and relations
    while they are built, none of them in a reference cycle. Meanwhile Python's cycle
    collector would walk every object of the process again and again (at 100 000
    residents: three full passes, a third of the dashboard's time) and find nothing;
    reference counting frees all of it as before. Resumed afterwards, if it was on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
