from __future__ import annotations

import uuid
from typing import Any

from flask_login import current_user
from sqlalchemy import desc

from app.api_base import api_blueprint
from app.auth.access import require
from app.auth.permissions import Permission
from app.cases.scope import case_in_scope
from app.consent.scope import consent_in_scope
from app.db import db
from app.handovers.models import Handover
from app.handovers.operations import (
    create_handover,
    fire_handover,
    make_safety_disclosure,
    reoffer,
)
from app.handovers.reading import read_handover
from app.handovers.schemas import (
    HandoverCreateSchema,
    HandoverListItemSchema,
    HandoverQuerySchema,
    HandoverSchema,
    ReofferSchema,
    SafetyDisclosureInputSchema,
    SafetyDisclosureSchema,
)
from app.handovers.scope import handover_in_scope, handovers_query
from app.lifecycle.firing import check_version, transition_errors
from app.lifecycle.schemas import TransitionRequestSchema, transition_arguments
from app.pagination import paginate

blp = api_blueprint("handovers", __name__, "", "Warm handovers to partner organisations")


def handover_view(handover: Handover) -> dict[str, Any]:
    """The handover as the caller may see it (see `app.handovers.reading`)."""
    return read_handover(current_user, handover)


@blp.route("/cases/<uuid:case_id>/handovers", methods=["POST"])
@require(Permission.HANDOVERS_CREATE)
@blp.arguments(HandoverCreateSchema)
@blp.response(201, HandoverSchema)
@blp.alt_response(404, description="Case unknown or outside the coach's buildings")
@blp.alt_response(422, description="Invalid input, or the case is not ready for a handover")
def create_handover_view(data: dict[str, Any], case_id: uuid.UUID) -> Any:
    """Prepare a handover (state `draft`) to an organisation, for a purpose and categories."""
    case = case_in_scope(current_user, case_id)
    if data.get("consent_id") is not None:
        consent_in_scope(current_user, data["consent_id"])
    handover = create_handover(current_user, case, data)
    return handover_view(handover)


@blp.route("/handovers")
@require(Permission.HANDOVERS_READ)
@blp.arguments(HandoverQuerySchema, location="query")
@blp.response(200, HandoverListItemSchema(many=True))
@blp.paginate()
def list_handovers(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Professionals: handovers offered to their organisation. Coaches: those of their cases.
    The list carries no resident data; open one to read what was released."""
    query = handovers_query(current_user)
    if "state" in args:
        query = query.where(Handover.state == args["state"])
    return paginate(query.order_by(desc(Handover.created_at)), pagination_parameters)


@blp.route("/handovers/<uuid:handover_id>")
@require(Permission.HANDOVERS_READ)
@blp.response(200, HandoverSchema)
@blp.alt_response(404, description="Unknown, or outside the caller's scope")
def get_handover(handover_id: uuid.UUID) -> Any:
    """A handover; a professional receives only the consented categories of the resident."""
    handover = handover_in_scope(current_user, handover_id)
    result = handover_view(handover)
    return result


@blp.route("/handovers/<uuid:handover_id>/transitions", methods=["POST"])
@require(Permission.HANDOVERS_TRANSITION)
@blp.arguments(TransitionRequestSchema)
@blp.response(200, HandoverSchema)
@blp.alt_response(403, description="The caller's role may not fire this trigger")
@blp.alt_response(404, description="Unknown, or outside the caller's scope")
@blp.alt_response(409, description="Stale version")
@blp.alt_response(422, description="Unknown trigger, not allowed now, missing argument or "
                  "failed guard (the message names what is missing)")
def transition_handover(data: dict[str, Any], handover_id: uuid.UUID) -> Any:
    """Fire a trigger on the handover (see `GET /api/v1/workflows/handover`)."""
    handover = handover_in_scope(current_user, handover_id)
    with transition_errors():
        check_version(handover, data["version"])
        fire_handover(handover, data["trigger"], current_user, transition_arguments(data))
        db.session.flush()  # the version check runs in the UPDATE, inside the error handling
    # The answer's own processing-log entry commits with the transition: one commit, so a
    # client never sees an error for a transition that was applied.
    result = handover_view(handover)
    return result


@blp.route("/handovers/<uuid:handover_id>/reoffer", methods=["POST"])
@require(Permission.HANDOVERS_CREATE)
@blp.arguments(ReofferSchema)
@blp.response(201, HandoverSchema)
@blp.alt_response(404, description="Unknown, or outside the caller's scope")
@blp.alt_response(422, description="Invalid input, an unknown organisation or the same one, "
                  "a handover not declined or withdrawn, or a case not ready for a handover")
def reoffer_handover(data: dict[str, Any], handover_id: uuid.UUID) -> Any:
    """Offer a declined or withdrawn handover to another organisation without retyping: a
    new draft of the same case with the same purpose, categories and note. Its `consent_id`
    is a valid consent of the resident that covers the new organisation, purpose and
    categories, when there is one; otherwise it is null and the draft waits for consent."""
    handover = handover_in_scope(current_user, handover_id)
    draft = reoffer(current_user, handover, data["organization_id"])
    return handover_view(draft)


@blp.route("/handovers/<uuid:handover_id>/safety-disclosure", methods=["POST"])
@require(Permission.SAFETY_DISCLOSURE_CREATE)
@blp.arguments(SafetyDisclosureInputSchema)
@blp.response(201, SafetyDisclosureSchema)
@blp.alt_response(404, description="Unknown, or outside the caller's scope")
@blp.alt_response(422, description="Invalid input, or the handover was already offered")
def create_safety_disclosure(data: dict[str, Any], handover_id: uuid.UUID) -> Any:
    """Share without consent on grounds of safety: written justification, basis
    `vital_interest` or `legal_obligation`; lands in the privacy officer's review queue."""
    handover = handover_in_scope(current_user, handover_id)
    disclosure = make_safety_disclosure(current_user, handover, data)
    return disclosure
