from __future__ import annotations

import uuid
from typing import Any

from flask_login import current_user
from sqlalchemy import desc, or_

from app.api_base import api_blueprint
from app.auth.access import require
from app.auth.permissions import Permission
from app.buildings.scope import building_in_scope
from app.db import db
from app.lifecycle.firing import check_version, transition_errors, triggers_for
from app.lifecycle.schemas import transition_arguments
from app.matches.models import Match
from app.matches.operations import (
    contact_card,
    count_suggestions,
    fire_match,
    propose_match,
    suggest_matches,
    with_residents,
)
from app.matches.schemas import (
    MatchCreateSchema,
    MatchListItemSchema,
    MatchQuerySchema,
    MatchSchema,
    MatchTransitionSchema,
    SuggestionQuerySchema,
    SuggestionSchema,
)
from app.matches.scope import match_in_scope, matches_query
from app.pagination import paginate
from app.residents.scope import resident_in_scope

blp = api_blueprint("matches", __name__, "/matches", "Residents connected on what they offer and wish for, after both consent")


def match_view(match: Match) -> dict[str, Any]:
    """The match as its coach sees it; the contact card only while both consents allow it
    (each showing is decided and logged by the consent gateway)."""
    view = {name: getattr(match, name) for name in MatchSchema().fields
            if name not in ("allowed_triggers", "contact_card")}
    view.update(allowed_triggers=triggers_for(match, current_user),
                contact_card=contact_card(current_user, match))
    return view


@blp.route("/suggestions")
@require(Permission.MATCHES_READ)
@blp.arguments(SuggestionQuerySchema, location="query")
@blp.response(200, SuggestionSchema(many=True))
@blp.alt_response(404, description="Building unknown or not one of the coach's")
@blp.paginate()
def list_suggestions(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Residents of the coach's buildings whose latest conversation at the door offered what
    another wished for; same building first. Filter `building_id`: pairs touching it."""
    building_id = args.get("building_id")
    if building_id is not None:
        building_in_scope(current_user, building_id)
    total = count_suggestions(current_user, building_id)
    pagination_parameters.item_count = total
    page, size = pagination_parameters.page, pagination_parameters.page_size
    if (page - 1) * size >= total:
        return []
    return suggest_matches(current_user, building_id, offset=(page - 1) * size, limit=size)


@blp.route("", methods=["POST"])
@require(Permission.MATCHES_CREATE)
@blp.arguments(MatchCreateSchema)
@blp.response(201, MatchSchema)
@blp.alt_response(404, description="A resident unknown or outside the coach's buildings")
@blp.alt_response(422, description="Invalid input, an anonymised resident, or an open "
                  "connection between them for this already")
def create_match(data: dict[str, Any]) -> Any:
    """Propose a connection (state `proposed`) and ask both residents' consent to share
    their name and phone number with the other: two consents in state `requested`, given or
    refused through `POST /api/v1/consents/{id}/transitions`."""
    offering = resident_in_scope(current_user, data["offering_resident_id"])
    seeking = resident_in_scope(current_user, data["seeking_resident_id"])
    match = propose_match(current_user, offering, seeking, data["offer"])
    return match_view(match)


@blp.route("")
@require(Permission.MATCHES_READ)
@blp.arguments(MatchQuerySchema, location="query")
@blp.response(200, MatchListItemSchema(many=True))
@blp.paginate()
def list_matches(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """The coach's matches, newest first; filters `state` and `resident_id`. No contact
    details here: open a match to see its contact card."""
    query = with_residents(matches_query(current_user))
    if "state" in args:
        query = query.where(Match.state == args["state"])
    if "resident_id" in args:
        query = query.where(or_(Match.offering_resident_id == args["resident_id"],
                                Match.seeking_resident_id == args["resident_id"]))
    return paginate(query.order_by(desc(Match.created_at), Match.id), pagination_parameters)


@blp.route("/<uuid:match_id>")
@require(Permission.MATCHES_READ)
@blp.response(200, MatchSchema)
@blp.alt_response(404, description="Unknown, or a resident outside the coach's buildings")
def get_match(match_id: uuid.UUID) -> Any:
    """A match with both consents, the triggers allowed now and, while both consents allow
    it, the contact card."""
    match = match_in_scope(current_user, match_id)
    result = match_view(match)
    return result


@blp.route("/<uuid:match_id>/transitions", methods=["POST"])
@require(Permission.MATCHES_TRANSITION)
@blp.arguments(MatchTransitionSchema)
@blp.response(200, MatchSchema)
@blp.alt_response(403, description="The caller's role may not fire this trigger")
@blp.alt_response(404, description="Unknown, or a resident outside the coach's buildings")
@blp.alt_response(409, description="Stale version")
@blp.alt_response(422, description="Unknown trigger, not allowed now, missing reason or "
                  "failed guard (the message names the consent that is missing)")
def transition_match(data: dict[str, Any], match_id: uuid.UUID) -> Any:
    """agree (both residents consented), record_meeting, decline (reason)."""
    match = match_in_scope(current_user, match_id)
    with transition_errors():
        check_version(match, data["version"])
        fire_match(match, data["trigger"], current_user, transition_arguments(data))
        db.session.flush()  # the version check runs in the UPDATE, inside the error handling
    # The contact card's log entries commit with the transition: one commit, as for handovers.
    result = match_view(match)
    return result
