"""The first screen of neighbourhood insight: the few figures that answer the approach's
questions — how far the door-knocking got, what residents need, what they offer, how willing
they are, and whether help started — taken from the panels as they were built.

Nothing is counted anew: every figure is a cell of a panel after the small-cell rule ran
over it (a hidden cell stays hidden here, with its mark), or a sum of cells that the panel
shows itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_percent
from flask_babel import lazy_gettext as _l

from app.insight.tables import building_view

TOP = 3  # the needs and offers named first


@dataclass
class Figure:
    id: str
    title: Any
    value: str  # the headline, or the mark of why it is hidden
    detail: str = ""
    panel: str = ""  # the panel that tells more
    items: list[tuple[str, str]] = field(default_factory=list)  # (label, count as shown)
    hidden: str | None = None  # why the headline is hidden (a `Suppression`), if it is


def _panel(panels: list[dict[str, Any]], panel_id: str) -> dict[str, Any] | None:
    return next((p for p in panels if p["id"] == panel_id), None)


def _row(panel: dict[str, Any] | None, row_id: str) -> dict[str, Any] | None:
    if panel is None:
        return None
    return next((r for r in panel["rows"] if r["id"] == row_id), None)


def _display(cell: dict[str, Any] | None) -> str:
    if cell is None:
        return "–"
    return cell["display"] or "–"


def _top(panel: dict[str, Any] | None, column: str) -> list[tuple[str, str]]:
    """The rows with the largest shown counts in `column` (hidden ones are never ranked:
    their order would say something about them)."""
    if panel is None:
        return []
    shown = [(row["cells"][column]["value"], row["label"], row["cells"][column]["display"])
             for row in panel["rows"] if row["level"] == 0 and row["chart"]
             and not row["cells"][column]["suppressed"] and row["cells"][column]["value"]]
    shown.sort(key=lambda item: (-item[0], item[1]))
    return [(label, display) for _value, label, display in shown[:TOP]]


def summary(panels: list[dict[str, Any]], building_id: int | None) -> list[Figure]:
    figures = []
    coverage = _panel(panels, "coverage")
    row = _row(coverage, "total" if building_id is None else building_view(building_id))
    knocked = row["cells"]["share_knocked"] if row else None
    talked = row["cells"]["contact_rate"] if row else None
    figures.append(Figure(
        "coverage", _l("Share of doors knocked"), _display(knocked),
        str(_l("Talked with someone at %(share)s of them.", share=_display(talked))),
        "coverage", hidden=knocked["suppressed"] if knocked else None))
    needs = _top(_panel(panels, "themes"), "door")
    figures.append(Figure("needs", _l("Needs named most"), needs[0][0] if needs else "–",
                          panel="themes", items=needs))
    offers = _top(_panel(panels, "offers_wishes"), "offers")
    figures.append(Figure("offers", _l("Offered most"), offers[0][0] if offers else "–",
                          panel="offers_wishes", items=offers))
    figures.append(_willingness(_panel(panels, "willingness")))
    lead = _row(_panel(panels, "lead_times"), "offer_to_completed")
    started = lead["cells"]["handovers"] if lead else None
    figures.append(Figure(
        "help_started", _l("Help started after a warm handover"), _display(started),
        str(_l("Handovers that led to help that has started.")), "lead_times",
        hidden=started["suppressed"] if started else None))
    return figures


def _willingness(panel: dict[str, Any] | None) -> Figure:
    """The share of households that answered yes (with or without helping to organise):
    shown only when both parts are, since their sum would give a hidden one away."""
    parts = [_row(panel, level) for level in ("2", "3")]
    cells = [row["cells"]["share"] for row in parts if row is not None]
    title = _l("Willing to do something for neighbours")
    detail = str(_l("Households who said yes at the door, in their latest conversation."))
    if len(cells) != 2 or any(cell["value"] is None for cell in cells):
        hidden = next((cell for cell in cells if cell["suppressed"]), None)
        return Figure("willingness", title, hidden["display"] if hidden else "–", detail,
                      "willingness", hidden=hidden["suppressed"] if hidden else None)
    return Figure("willingness", title, format_percent(sum(c["value"] for c in cells)),
                  detail, "willingness")


def marks_in(panel: dict[str, Any]) -> set[str]:
    """The marks of hidden cells a panel shows, to explain them where they are."""
    return {cell["suppressed"] for row in panel["rows"] for cell in row["cells"].values()
            if cell["suppressed"]}
