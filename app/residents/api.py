from __future__ import annotations

import uuid
from typing import Any

from flask_login import current_user
from sqlalchemy import select

from app.api_base import api_blueprint
from app.auth.access import require
from app.auth.permissions import Permission
from app.auth.scope import not_found
from app.buildings.models import Dwelling
from app.buildings.scope import building_in_scope, dwelling_in_scope
from app.pagination import paginate
from app.residents.duplicates import decide, flag_in_scope, flags_query
from app.residents.models import PossibleDuplicate
from app.residents.operations import register_resident
from app.residents.schemas import (
    DuplicateDecisionSchema,
    DuplicateQuerySchema,
    PossibleDuplicateSchema,
    ResidentCreateSchema,
    ResidentSchema,
)
from app.residents.scope import resident_in_scope
from app.validation import ID_MAX

blp = api_blueprint("residents", __name__, "/residents", "Residents of the coach's buildings")


@blp.route("", methods=["POST"])
@require(Permission.RESIDENTS_CREATE)
@blp.arguments(ResidentCreateSchema)
@blp.response(201, ResidentSchema)
@blp.alt_response(404, description="Dwelling unknown or outside the coach's buildings")
def create_resident(data: dict[str, Any]) -> Any:
    """Register a resident of a dwelling in one of the coach's buildings. When someone with a
    similar name (ignoring case, accents and spacing) lives there already, the new resident
    is flagged as a possible duplicate (`possible_duplicate_of`) for the coach to decide."""
    dwelling = dwelling_in_scope(current_user, data["dwelling_id"])
    resident = register_resident(current_user, dwelling, data)
    return resident


@blp.route("/<uuid:resident_id>")
@require(Permission.RESIDENTS_READ)
@blp.response(200, ResidentSchema)
@blp.alt_response(404, description="Unknown, or outside the caller's scope")
def get_resident(resident_id: uuid.UUID) -> Any:
    """A resident of one of the coach's buildings. Others see residents only through handovers."""
    return resident_in_scope(current_user, resident_id)


@blp.route("/duplicates")
@require(Permission.RESIDENTS_CREATE)
@blp.arguments(DuplicateQuerySchema, location="query")
@blp.response(200, PossibleDuplicateSchema(many=True))
@blp.alt_response(404, description="Building unknown or not one of the coach's")
@blp.paginate()
def list_duplicates(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Possible duplicate residents in the coach's buildings, still to be decided: a resident
    registered (online or from a phone) at a dwelling where someone with a similar name —
    ignoring case, accents and spacing — lives already. Never merged by itself."""
    query = flags_query(current_user)
    if "building_id" in args:
        building = building_in_scope(current_user, args["building_id"])
        query = query.where(PossibleDuplicate.dwelling_id.in_(
            select(Dwelling.id).where(Dwelling.building_id == building.id)))
    return paginate(query, pagination_parameters)


@blp.route("/duplicates/<int:flag_id>/resolution", methods=["POST"])
@require(Permission.RESIDENTS_CREATE)
@blp.arguments(DuplicateDecisionSchema)
@blp.response(200, PossibleDuplicateSchema)
@blp.alt_response(404, description="Unknown, or outside the coach's buildings")
@blp.alt_response(422, description="Decided already, or the newer registration has records "
                                   "of its own (a case, a consent …) and cannot be merged")
def resolve_duplicate(data: dict[str, Any], flag_id: int) -> Any:
    """Decide a possible duplicate: `merge` (one person) or `keep` (two people). Logged."""
    flag = flag_in_scope(current_user, flag_id) if 1 <= flag_id <= ID_MAX else None
    if flag is None:
        not_found()
    decide(current_user, flag, data["decision"])
    return flag
