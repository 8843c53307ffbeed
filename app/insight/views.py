"""Neighbourhood insight on one page: first a summary (the few figures that answer the
approach's questions), then every panel folded, each with its question, a bar chart (inline
SVG, bars as rect widths), the table, what its marks mean, and a CSV download; a building
filter and a period."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_babel import format_decimal, format_percent
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField
from wtforms.validators import Optional

from app.auth.access import require
from app.auth.permissions import Permission
from app.auth.scope import not_found
from app.db import utcnow
from app.insight.export import panel_csv
from app.insight.operations import building_choices, export_panel, view_insight
from app.insight.panels import PANELS
from app.insight.periods import Period, period_of, periods
from app.insight.summary import marks_in, summary
from app.insight.tables import DAYS, RATE
from app.web.formkit import FilterForm

bp = Blueprint("insight_pages", __name__, template_folder="templates")

TABLE_ROWS = 200  # more rows than this (every floor of many buildings): totals only on the page


def _int_or_none(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class InsightFilter(FilterForm):
    building_id = SelectField(_l("Building"), validators=[Optional()], coerce=_int_or_none,
                              validate_choice=False)
    period = SelectField(_l("Period"), validators=[Optional()], validate_choice=False)

    def __init__(self, buildings: list[tuple[int, str]]) -> None:
        super().__init__()
        self.building_id.choices = [("", str(_l("All buildings"))),
                                    *[(str(i), name) for i, name in buildings]]
        self.period.choices = [("", str(_l("All time"))),
                               *[(p.key, p.label) for p in periods(utcnow())]]


def _selected(filters: InsightFilter) -> int | None:
    filters.validate()
    return filters.value("building_id")


def _period(filters: InsightFilter) -> Period | None:
    """A period offered in the list; anything else is all time."""
    return period_of(filters.value("period"), utcnow())


@bp.route("/insight")
@require(Permission.INSIGHTS_READ)
def dashboard() -> Any:
    filters = InsightFilter(building_choices(current_user))
    building_id = _selected(filters)
    period = _period(filters)
    result = view_insight(current_user, building_id, period=period)
    panels = [dict(panel, chart_view=chart(panel), table_rows=_table_rows(panel),
                   marks_used=marks_in(panel))
              for panel in result["panels"]]
    figures = summary(result["panels"], building_id)
    names = dict(building_choices(current_user))
    return render_template("insight/dashboard.html", result=result, panels=panels,
                           filters=filters, building_id=building_id, period=period,
                           building_name=names.get(building_id) if building_id else None,
                           summary=figures,
                           summary_marks={f.hidden for f in figures if f.hidden})


@bp.route("/insight/<panel>.csv")
@require(Permission.INSIGHTS_READ)
def panel_download(panel: str) -> Any:
    if panel not in PANELS:
        not_found()
    filters = InsightFilter(building_choices(current_user))
    building_id = _selected(filters)
    data = export_panel(current_user, panel, building_id, _period(filters))
    return panel_csv(data, building_id)


# --------------------------------------------------------------------------- presentation


def cell_text(cell: dict[str, Any], kind: str) -> str:
    """A cell as the page shows it: localised numbers, or the mark of a hidden one."""
    if cell["suppressed"] or cell["value"] is None:
        return cell["display"] or "–"
    if kind == RATE:
        return format_percent(cell["value"])
    if kind == DAYS:
        return format_decimal(cell["value"], "0.0")
    return format_decimal(cell["value"])


def chart(panel: dict[str, Any]) -> dict[str, Any]:
    """Bars for the chart's columns over the rows marked for the chart. Rates are drawn
    against 100%, counts and days against the largest shown value of the chart."""
    kinds = {column["id"]: column for column in panel["columns"]}
    columns = [kinds[c] for c in panel["chart"]["columns"]]
    rows = [row for row in panel["rows"] if row["chart"]]
    values = [row["cells"][c["id"]]["value"] for row in rows for c in columns
              if c["kind"] != RATE and not row["cells"][c["id"]]["suppressed"]]
    largest = max([v for v in values if v is not None] or [0]) or 1
    bars = []
    for row in rows:
        items = []
        for index, column in enumerate(columns):
            cell = row["cells"][column["id"]]
            value = cell["value"] if not cell["suppressed"] else None
            scale = 1 if column["kind"] == RATE else largest
            width = 0.0 if value is None else round(min(100.0, 100.0 * value / scale), 1)
            items.append({"index": index, "label": column["label"], "width": width,
                          "text": cell_text(cell, column["kind"]),
                          "hidden": bool(cell["suppressed"])})
        bars.append({"label": row["label"], "level": row["level"], "group": row["group"],
                     "bars": items})
    return {"columns": columns, "rows": bars}


def _table_rows(panel: dict[str, Any]) -> list[dict[str, Any]]:
    rows = panel["rows"]
    if len(rows) > TABLE_ROWS:
        rows = [row for row in rows if row["level"] <= 1]
    kinds = {column["id"]: column["kind"] for column in panel["columns"]}
    return [dict(row, texts={c: cell_text(cell, kinds[c]) for c, cell in row["cells"].items()})
            for row in rows]
