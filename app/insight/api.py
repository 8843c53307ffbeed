from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import current_user

from app.api_base import api_blueprint
from app.auth.access import require
from app.auth.permissions import Permission
from app.auth.scope import not_found
from app.insight.export import panel_csv
from app.insight.operations import export_panel, view_insight
from app.insight.panels import PANELS
from app.insight.schemas import InsightQuerySchema, InsightSchema

blp = api_blueprint("insight", __name__, "/insights", "Neighbourhood insight: aggregates only, small cells suppressed")


@blp.route("")
@require(Permission.INSIGHTS_READ)
@blp.arguments(InsightQuerySchema, location="query")
@blp.response(200, InsightSchema)
@blp.alt_response(404, description="Building unknown or not one of the viewer's")
def insights(args: dict[str, Any]) -> Any:
    """Every panel of neighbourhood insight for the viewer's buildings (coordinators: all,
    a flatcoach: their own), or for one of them with `building_id`.

    Aggregates only. A cell counting 1 to 4 people is hidden (`<5`); so is any cell from
    which a hidden one could be worked out through the panel's `relations` (`•`), and any
    rate or statistic over fewer than 5 people (`n<5`). The answer for one building is
    part of the same suppressed table as the answer for all of them. Each call is logged
    in the processing log (activity `neighbourhood_insight`, action `view_insight`)."""
    result = view_insight(current_user, args.get("building_id"))
    # Already in the documented shape: sent as it is (the schema documents it; dumping
    # thousands of cells through it would only cost time).
    return jsonify(dict(result, generated_at=result["generated_at"].isoformat()))


@blp.route("/<panel>/csv", parameters=[{
    "in": "path", "name": "panel", "description": "A panel id.",
    "schema": {"type": "string", "enum": list(PANELS)}}])
@require(Permission.INSIGHTS_READ)
@blp.arguments(InsightQuerySchema, location="query")
@blp.response(200, {"type": "string"}, content_type="text/csv",
              description="The panel as CSV: a header (row, part of, the column labels), then "
                          "one line per row with the numbers as shown, marks included.")
@blp.alt_response(404, description="Unknown panel, or a building not one of the viewer's")
def panel_export(args: dict[str, Any], panel: str) -> Any:
    """One panel as a CSV file (`panel` is a panel id, e.g. `themes`). Logged in the
    processing log as an export of neighbourhood insight."""
    if panel not in PANELS:
        not_found()
    data = export_panel(current_user, panel, args.get("building_id"))
    return panel_csv(data, args.get("building_id"))
