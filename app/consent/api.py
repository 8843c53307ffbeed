from __future__ import annotations

import uuid
from typing import Any

from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import desc

from app.api_base import api_blueprint
from app.auth.access import require
from app.auth.models import User
from app.auth.permissions import Permission
from app.consent.gateway import consent_facts
from app.consent.models import Consent
from app.consent.operations import fire_consent
from app.consent.queries import consent_history
from app.consent.recording import request_consent
from app.consent.schemas import ConsentCreateSchema, ConsentSchema
from app.consent.scope import consent_in_scope, consents_query
from app.convenants.reading import convenant_facts
from app.db import db, utcnow
from app.lifecycle.firing import check_version, transition_errors
from app.lifecycle.schemas import TransitionRequestSchema, transition_arguments
from app.pagination import paginate
from app.residents.scope import resident_for_consents, resident_in_scope
from policies import (
    ConsentEvent,
    Party,
    build_consent_record,
    convenant_cover,
)

blp = api_blueprint("consent", __name__, "", "Consent: purpose-, recipient-, category- and "
                    "time-bound")


@blp.route("/residents/<uuid:resident_id>/consents", methods=["POST"])
@require(Permission.CONSENTS_CREATE)
@blp.arguments(ConsentCreateSchema)
@blp.response(201, ConsentSchema)
@blp.alt_response(404, description="Resident, or the recipient resident, unknown or outside "
                  "the coach's buildings")
@blp.alt_response(422, description="Unknown purpose, category or recipient; not exactly one "
                  "recipient; bad validity")
def create_consent(data: dict[str, Any], resident_id: uuid.UUID) -> Any:
    """Ask the resident's consent for one purpose, one recipient and named categories
    (state `requested`; record it with the `give` trigger). The recipient is an organisation
    (`recipient_organization_id`) or, for purpose `resident_connection`, another resident of
    the coach's buildings (`recipient_resident_id`)."""
    resident = resident_for_consents(current_user, resident_id)
    if data.get("recipient_resident_id") is not None:
        resident_in_scope(current_user, data["recipient_resident_id"])
    consent = request_consent(current_user, resident.id, data)
    return consent


@blp.route("/residents/<uuid:resident_id>/consents")
@require(Permission.CONSENTS_READ)
@blp.response(200, ConsentSchema(many=True))
@blp.paginate()
def list_consents(resident_id: uuid.UUID, pagination_parameters: Any) -> Any:
    """Every consent of the resident, newest first."""
    resident = resident_for_consents(current_user, resident_id)
    query = consents_query(current_user).where(Consent.resident_id == resident.id)
    return paginate(query.order_by(desc(Consent.created_at)), pagination_parameters)


@blp.route("/consents/<uuid:consent_id>")
@require(Permission.CONSENTS_READ)
@blp.response(200, ConsentSchema)
@blp.alt_response(404, description="Unknown, or outside the caller's scope")
def get_consent(consent_id: uuid.UUID) -> Any:
    """A consent with its scope, state, version and event history."""
    return consent_in_scope(current_user, consent_id)


@blp.route("/consents/<uuid:consent_id>/transitions", methods=["POST"])
@require(Permission.CONSENTS_TRANSITION)
@blp.arguments(TransitionRequestSchema)
@blp.response(200, ConsentSchema)
@blp.alt_response(403, description="The caller's role may not fire this trigger")
@blp.alt_response(404, description="Unknown, or outside the caller's scope")
@blp.alt_response(409, description="Stale version")
@blp.alt_response(422, description="Not allowed now, or a missing argument")
def transition_consent(data: dict[str, Any], consent_id: uuid.UUID) -> Any:
    """give (method, notice_version), refuse, withdraw (reason), revoke (reason).
    Leaving `given` withdraws every handover relying on the consent and declines every open
    connection between residents relying on it, at once (a refusal declines those too)."""
    consent = consent_in_scope(current_user, consent_id)
    with transition_errors():
        check_version(consent, data["version"])
        fire_consent(consent, data["trigger"], current_user, transition_arguments(data))
    return consent


@blp.route("/consents/<uuid:consent_id>/record")
@require(Permission.CONSENTS_READ)
@blp.response(200, description="An ISO/IEC TS 27560-style consent record (JSON)")
@blp.alt_response(404, description="Unknown, or outside the caller's scope")
def consent_record(consent_id: uuid.UUID) -> Any:
    """The consent as an ISO/IEC TS 27560-style record with its full event history."""
    consent = consent_in_scope(current_user, consent_id)
    facts = next(f for f in consent_facts(consent.resident_id) if f.id == str(consent.id))
    recorder = db.session.get(User, consent.recorded_by_id)
    controller_org = recorder.organization if recorder else None
    controller = Party(id=str(controller_org.id) if controller_org else "buurtpad",
                       name=controller_org.name if controller_org else "Buurtpad",
                       kind=str(controller_org.kind) if controller_org else None)
    if consent.recipient_organization is not None:
        recipient = Party(id=str(consent.recipient_organization_id),
                          name=consent.recipient_organization.name,
                          kind=str(consent.recipient_organization.kind))
    else:
        # Another resident: the record names them by pseudonymous id only.
        recipient = Party(id=str(consent.recipient_resident_id), name="", kind="resident")
    events = [
        ConsentEvent(at=e["at"], state=e["to_state"], actor_role=e["actor_role"] or "system",
                     method=e["details"].get("method"),
                     notice_version=e["details"].get("notice_version"))
        for e in consent_history(consent)
    ]
    convenant = None
    if consent.recipient_organization_id is not None:
        convenant = convenant_cover(convenant_facts(), str(consent.recipient_organization_id),
                                    consent.purpose, consent.data_categories,
                                    utcnow().date()).convenant
    return build_consent_record(facts, controller=controller, recipient=recipient,
                                events=events, language=str(get_locale() or "nl"),
                                convenant=convenant)
