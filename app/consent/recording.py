"""Asking a resident for consent: recorded exactly as asked, and only for a recipient that a
convenant can cover (a consent nobody may act on would never allow a share)."""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import gettext as _

from app.audit.operations import record_event
from app.consent.models import Consent
from app.convenants.reading import recipient_refusal
from app.db import db, utcnow
from app.errors import Refused
from app.organizations.models import Organization
from app.residents.models import Resident
from app.residents.operations import refuse_anonymised_resident
from policies import default_valid_until


def request_consent(coach: Any, resident_id: uuid.UUID, data: dict[str, Any]) -> Consent:
    """Ask the resident's consent as `data` says: for an organisation that exists, or for
    another resident (not themselves, not anonymised); valid until the default end unless
    `valid_until` says otherwise."""
    refuse_anonymised_resident(db.session.get(Resident, resident_id))
    if data.get("recipient_resident_id") is not None:
        if data["recipient_resident_id"] == resident_id:
            raise Refused(message=_("A resident cannot be the recipient of their own consent."),
                          field="recipient_resident_id")
        refuse_anonymised_resident(db.session.get(Resident, data["recipient_resident_id"]),
                                   "recipient_resident_id")
    elif db.session.get(Organization, data["recipient_organization_id"]) is None:
        raise Refused(message=_("Unknown recipient organisation."),
                      field="recipient_organization_id")
    if data.get("valid_until") is None:
        data["valid_until"] = default_valid_until(utcnow())
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
