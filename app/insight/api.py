from __future__ import annotations

from app.api_base import api_blueprint

blp = api_blueprint("insight", __name__, "/insights", "Neighbourhood insight: aggregates only, small cells suppressed")
