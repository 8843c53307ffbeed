from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import select

from app.api_base import api_blueprint
from app.auth.access import require
from app.auth.permissions import Permission
from app.organizations.models import Organization
from app.pagination import paginate

blp = api_blueprint("organizations", __name__, "/organizations", "Partner organisations")


class OrganizationSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()


@blp.route("")
@require(Permission.ORGANIZATIONS_READ)
@blp.response(200, OrganizationSchema(many=True))
@blp.paginate()
def list_organizations(pagination_parameters: Any) -> Any:
    """Every organisation, by name."""
    return paginate(select(Organization).order_by(Organization.name), pagination_parameters)


