from __future__ import annotations

import uuid
from typing import Any

from flask_login import current_user

from app.api_base import api_blueprint
from app.auth.access import require
from app.auth.permissions import Permission
from app.auth.scope import dwelling_in_scope, resident_in_scope
from app.db import db
from app.residents.operations import register_resident
from app.residents.schemas import ResidentCreateSchema, ResidentSchema

blp = api_blueprint("residents", __name__, "/residents", "Residents of the coach's buildings")


@blp.route("", methods=["POST"])
@require(Permission.RESIDENTS_CREATE)
@blp.arguments(ResidentCreateSchema)
@blp.response(201, ResidentSchema)
@blp.alt_response(404, description="Dwelling unknown or outside the coach's buildings")
def create_resident(data: dict[str, Any]) -> Any:
    """Register a resident of a dwelling in one of the coach's buildings."""
    dwelling = dwelling_in_scope(current_user, data["dwelling_id"])
    resident = register_resident(current_user, dwelling, data)
    db.session.commit()
    return resident


@blp.route("/<uuid:resident_id>")
@require(Permission.RESIDENTS_READ)
@blp.response(200, ResidentSchema)
@blp.alt_response(404, description="Unknown, or outside the caller's scope")
def get_resident(resident_id: uuid.UUID) -> Any:
    """A resident of one of the coach's buildings. Others see residents only through handovers."""
    return resident_in_scope(current_user, resident_id)
