"""A panel as CSV: the numbers as shown (with the marks of hidden cells), one row per row."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response
from flask_babel import gettext as _

from app.web.pages import _cell as csv_cell  # spreadsheet-safe cells, as every export


def panel_csv(panel: dict[str, Any], building_id: int | None) -> Response:
    """The whole file at once: a panel holds aggregates, not a log (every floor of every
    building at most)."""
    labels = {row["id"]: row["label"] for row in panel["rows"]}
    columns = panel["columns"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Row"), _("Part of"), *[column["label"] for column in columns]])
    for row in panel["rows"]:
        writer.writerow([csv_cell(value) for value in (
            row["label"], labels.get(row["parent"] or "", ""),
            *[row["cells"][column["id"]]["display"] for column in columns])])
    where = f"-building-{building_id}" if building_id is not None else ""
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="insight-{panel["id"]}{where}.csv"')
    return response
