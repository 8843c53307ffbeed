from __future__ import annotations

import uuid
from typing import Any

from flask_login import current_user
from marshmallow import Schema, fields

from app.api_base import api_blueprint
from app.auth.access import require
from app.auth.permissions import Permission
from app.privacy.operations import erase, export
from app.residents.scope import resident_for_privacy_officer

blp = api_blueprint("privacy", __name__, "/residents", "Data subject requests (GDPR)")


class ErasureResultSchema(Schema):
    resident_id = fields.UUID()
    anonymised = fields.Boolean()
    anonymised_at = fields.DateTime()


@blp.route("/<uuid:resident_id>/export")
@require(Permission.RESIDENTS_EXPORT)
@blp.response(200, description="Every datum held on the resident and its processing log")
@blp.alt_response(404, description="Unknown resident")
def export_resident(resident_id: uuid.UUID) -> Any:
    """Art. 15 access request: all data held on the resident, as JSON. The export is logged."""
    resident = resident_for_privacy_officer(current_user, resident_id)
    data = export(current_user, resident)
    return data


@blp.route("/<uuid:resident_id>/erasure", methods=["POST"])
@require(Permission.RESIDENTS_ERASE)
@blp.response(200, ErasureResultSchema)
@blp.alt_response(404, description="Unknown resident")
@blp.alt_response(422, description="A legal hold applies (the message says which)")
def erase_resident(resident_id: uuid.UUID) -> Any:
    """Art. 17 erasure: anonymise everywhere, keep the logs (they hold no names)."""
    resident = resident_for_privacy_officer(current_user, resident_id)
    erase(current_user, resident)
    return {"resident_id": resident.id, "anonymised": True,
            "anonymised_at": resident.anonymised_at}
