"""A funder's account as one CSV file: a line per cell of every table, the numbers as shown
(the marks of hidden cells included), so a spreadsheet can filter by part, row or column."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response
from flask_babel import gettext as _

from app.web.pages import _cell as csv_cell  # spreadsheet-safe cells, as every export


def account_csv(result: dict[str, Any]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    period = result["period"]
    stream = result["stream"]
    writer.writerow([_("Part"), _("Row"), _("Part of"), _("Column"), _("Value")])
    for table in result["tables"]:
        labels = {row["id"]: row["label"] for row in table["rows"]}
        for row in table["rows"]:
            for column in table["columns"]:
                writer.writerow([csv_cell(value) for value in (
                    table["title"], row["label"], labels.get(row["parent"] or "", ""),
                    column["label"], row["cells"][column["id"]]["display"])])
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="verantwoording-{stream.id}-{period["key"]}.csv"')
    return response
