from __future__ import annotations

from typing import Any

from flask_login import current_user
from marshmallow import Schema, fields
from sqlalchemy import select

from app.api_base import api_blueprint
from app.auth.access import require
from app.auth.permissions import Permission
from app.buildings.models import Dwelling
from app.buildings.scope import building_in_scope, buildings_query
from app.pagination import paginate

blp = api_blueprint("buildings", __name__, "/buildings", "Buildings and their dwellings")


class BuildingSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    floors = fields.Integer()
    neighbourhood = fields.Function(lambda b: b.neighbourhood.name)
    dwelling_count = fields.Function(lambda b: len(b.dwellings))


class DwellingSchema(Schema):
    id = fields.Integer()
    building_id = fields.Integer()
    street = fields.String()
    number = fields.Integer()
    addition = fields.String()
    postcode = fields.String()
    floor = fields.Integer()


@blp.route("")
@require(Permission.BUILDINGS_READ)
@blp.response(200, BuildingSchema(many=True))
@blp.paginate()
def list_buildings(pagination_parameters: Any) -> Any:
    """Coaches: the buildings assigned to them. Coordinators: every building."""
    return paginate(buildings_query(current_user), pagination_parameters)


@blp.route("/<int:building_id>/dwellings")
@require(Permission.DWELLINGS_READ)
@blp.response(200, DwellingSchema(many=True))
@blp.alt_response(404, description="Unknown building, or not one of the caller's")
@blp.paginate(max_page_size=500)
def list_dwellings(building_id: int, pagination_parameters: Any) -> Any:
    """The dwellings of one of the coach's buildings, by floor."""
    building = building_in_scope(current_user, building_id)
    query = (
        select(Dwelling)
        .where(Dwelling.building_id == building.id)
        .order_by(Dwelling.floor, Dwelling.number, Dwelling.addition)
    )
    return paginate(query, pagination_parameters)
