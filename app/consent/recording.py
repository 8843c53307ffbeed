"""Asking a resident for consent: recorded exactly as asked, and only for a recipient that a
convenant can cover (a consent nobody may act on would never allow a share)."""

from __future__ import annotations

import uuid
from typing import Any

from app.audit.operations import record_event
from app.consent.models import Consent
from app.convenants.reading import recipient_refusal
from app.db import db, utcnow
from app.errors import Refused


def request_consent(coach: Any, resident_id: uuid.UUID, data: dict[str, Any]) -> Consent:
    if data.get("recipient_organization_id") is not None:
        refusal = recipient_refusal(data["recipient_organization_id"], data["purpose"],
                                    data["data_categories"], utcnow().date())
        if refusal:
            raise Refused(message=refusal, field="recipient_organization_id")
    consent = Consent(
        resident_id=resident_id,
        purpose=data["purpose"],
        recipient_organization_id=data.get("recipient_organization_id"),
        recipient_resident_id=data.get("recipient_resident_id"),
        data_categories=list(data["data_categories"]),
        valid_until=data["valid_until"],
        recorded_by_id=coach.id,
    )
    db.session.add(consent)
    db.session.flush()
    record_event("consent_requested", actor=coach, object_type="consent", object_id=consent.id,
                 details={"purpose": consent.purpose,
                          "recipient_organization_id": consent.recipient_organization_id,
                          **({"recipient_resident_id": str(consent.recipient_resident_id)}
                             if consent.recipient_resident_id is not None else {}),
                          "data_categories": consent.data_categories})
    return consent
