from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import select

from app.api_base import api_blueprint
from app.auth.access import require
from app.auth.permissions import Permission
from app.convenants.models import Convenant
from app.db import db

blp = api_blueprint("convenants", __name__, "/convenants",
                    "The samenwerkingsconvenants under which organisations receive data")


class PartySchema(Schema):
    organization_id = fields.Integer()
    organization = fields.Function(lambda p: p.organization.name)
    role = fields.String()
    contact = fields.String(metadata={"description": "The party's privacy contact (FG)"})
    legal_bases = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "Per processing activity, the party's legal basis"})
    joined_on = fields.Date()
    left_on = fields.Date(allow_none=True, metadata={
        "description": "The first day the party no longer receives"})


class ConvenantSchema(Schema):
    id = fields.UUID()
    title = fields.String()
    version = fields.String()
    text_sha256 = fields.String()
    valid_from = fields.Date()
    valid_until = fields.Date(allow_none=True, metadata={"description": "The last day in force"})
    activities = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), metadata={
        "description": "Per processing activity, the data categories the parties may share"})
    parties = fields.List(fields.Nested(PartySchema))


@blp.route("")
@require(Permission.POLICIES_READ)
@blp.response(200, ConvenantSchema(many=True))
def list_convenants() -> Any:
    """Every convenant with its parties: a share to an organisation needs one, besides
    consent. Read-only; the privacy officer keeps them."""
    return db.session.execute(
        select(Convenant).order_by(Convenant.title, Convenant.valid_from)).scalars().all()
