from __future__ import annotations

from typing import Any

from flask_login import current_user
from sqlalchemy import desc

from app.api_base import api_blueprint
from app.auth.access import require
from app.auth.permissions import Permission
from app.buildings.models import Dwelling
from app.buildings.scope import building_in_scope, dwelling_in_scope
from app.pagination import paginate
from app.visits.models import Visit
from app.visits.operations import record_visit
from app.visits.schemas import VisitCreateSchema, VisitQuerySchema, VisitSchema
from app.visits.scope import visits_query

blp = api_blueprint("visits", __name__, "/visits", "Door-knock visits")


@blp.route("", methods=["POST"])
@require(Permission.VISITS_CREATE)
@blp.arguments(VisitCreateSchema)
@blp.response(201, VisitSchema)
@blp.alt_response(404, description="Dwelling outside the coach's buildings")
@blp.alt_response(422, description="Invalid input")
def create_visit(data: dict[str, Any]) -> Any:
    """Record one door-knock (also 'not home'); may open a case for the resident."""
    dwelling = dwelling_in_scope(current_user, data["dwelling_id"])
    visit = record_visit(current_user, dwelling, data)
    return visit


@blp.route("")
@require(Permission.VISITS_READ)
@blp.arguments(VisitQuerySchema, location="query")
@blp.response(200, VisitSchema(many=True))
@blp.alt_response(404, description="Building unknown or not one of the coach's")
@blp.paginate()
def list_visits(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Visits in the coach's buildings, newest first; filter by `building_id`."""
    query = visits_query(current_user)
    if "building_id" in args:
        building = building_in_scope(current_user, args["building_id"])
        query = query.where(Dwelling.building_id == building.id)
    return paginate(query.order_by(desc(Visit.visited_at)), pagination_parameters)
