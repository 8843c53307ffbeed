from __future__ import annotations

import uuid
from typing import Any

from flask_login import current_user
from sqlalchemy import desc, func, select

from app.api_base import api_blueprint
from app.auth.access import require
from app.auth.permissions import Permission
from app.cases.models import Case, CheckIn
from app.cases.operations import (
    fire_case,
    open_case,
    record_checkin,
    save_notes,
    set_help_question,
)
from app.cases.schemas import (
    CaseCreateSchema,
    CaseListItemSchema,
    CaseNotesSchema,
    CaseQuerySchema,
    CaseSchema,
    CheckInInputSchema,
    CheckInSchema,
    HelpQuestionInputSchema,
)
from app.cases.scope import case_in_scope, cases_query
from app.lifecycle.firing import check_version, transition_errors
from app.lifecycle.schemas import TransitionRequestSchema, transition_arguments
from app.pagination import paginate
from app.residents.scope import resident_in_scope

blp = api_blueprint("cases", __name__, "/cases", "Cases: a resident's path, as a state machine")


@blp.route("", methods=["POST"])
@require(Permission.CASES_CREATE)
@blp.arguments(CaseCreateSchema)
@blp.response(201, CaseSchema)
@blp.alt_response(404, description="Resident unknown or outside the coach's buildings")
@blp.alt_response(422, description="Invalid input, an anonymised resident, or a resident "
                  "whose case is still open (one open case per resident)")
def create_case(data: dict[str, Any]) -> Any:
    """Open a case for a resident of one of the coach's buildings (state `contacted`)."""
    resident = resident_in_scope(current_user, data["resident_id"])
    case = open_case(current_user, resident)
    return case


@blp.route("")
@require(Permission.CASES_READ)
@blp.arguments(CaseQuerySchema, location="query")
@blp.response(200, CaseListItemSchema(many=True))
@blp.paginate()
def list_cases(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Cases in the coach's buildings, newest first; filter by `state`."""
    query = cases_query(current_user)
    if "state" in args:
        query = query.where(Case.state == args["state"])
    return paginate(query.order_by(desc(Case.opened_at)), pagination_parameters)


@blp.route("/<uuid:case_id>")
@require(Permission.CASES_READ)
@blp.response(200, CaseSchema)
@blp.alt_response(404, description="Unknown, or outside the caller's scope")
def get_case(case_id: uuid.UUID) -> Any:
    """A case with its state, version, the triggers the caller may fire, help question and
    handovers."""
    return case_in_scope(current_user, case_id)


@blp.route("/<uuid:case_id>", methods=["PATCH"])
@require(Permission.CASES_UPDATE)
@blp.arguments(CaseNotesSchema)
@blp.response(200, CaseSchema)
@blp.alt_response(404, description="Unknown, or outside the caller's scope")
@blp.alt_response(409, description="Stale version")
@blp.alt_response(422, description="Invalid input, or the resident has been anonymised")
def update_case(data: dict[str, Any], case_id: uuid.UUID) -> Any:
    """What the coach learnt, per data category (household, living situation, finances,
    health, safety, notes)."""
    case = case_in_scope(current_user, case_id)
    with transition_errors():
        save_notes(current_user, case, data.pop("version"), data)
    return case


@blp.route("/<uuid:case_id>/help-question", methods=["PUT"])
@require(Permission.CASES_UPDATE)
@blp.arguments(HelpQuestionInputSchema)
@blp.response(200, CaseSchema)
@blp.alt_response(404, description="Unknown, or outside the caller's scope")
def put_help_question(data: dict[str, Any], case_id: uuid.UUID) -> Any:
    """The help question in the resident's own words, with themes and urgency."""
    case = case_in_scope(current_user, case_id)
    set_help_question(current_user, case, data)
    return case


@blp.route("/<uuid:case_id>/transitions", methods=["POST"])
@require(Permission.CASES_TRANSITION)
@blp.arguments(TransitionRequestSchema)
@blp.response(200, CaseSchema)
@blp.alt_response(403, description="The caller's role may not fire this trigger")
@blp.alt_response(404, description="Unknown, or outside the caller's scope")
@blp.alt_response(409, description="Stale version")
@blp.alt_response(422, description="Unknown trigger, not allowed now, missing argument or "
                  "failed guard")
def transition_case(data: dict[str, Any], case_id: uuid.UUID) -> Any:
    """Fire a trigger on the case (see `GET /api/v1/workflows/case`)."""
    case = case_in_scope(current_user, case_id)
    with transition_errors():
        check_version(case, data["version"])
        fire_case(case, data["trigger"], current_user, transition_arguments(data))
    return case


@blp.route("/<uuid:case_id>/check-ins", methods=["POST"])
@require(Permission.CASES_UPDATE)
@blp.arguments(CheckInInputSchema)
@blp.response(201, CheckInSchema)
@blp.alt_response(404, description="Unknown, or outside the caller's scope")
@blp.alt_response(422, description="Invalid input; the case is not supported (help does not "
                  "run), the resident wants no more contact, or has been anonymised")
def create_checkin(data: dict[str, Any], case_id: uuid.UUID) -> Any:
    """Record a check-in: the coach looked in on the resident after help started. It
    fulfils the planned check-in it answers. `new_question` takes the case back to
    `exploring` (trigger `new_question`) with its help question as it was; `no_more_contact`
    ends the check-ins of the case."""
    case = case_in_scope(current_user, case_id)
    with transition_errors():
        checkin = record_checkin(current_user, case, data)
    return checkin


@blp.route("/<uuid:case_id>/check-ins")
@require(Permission.CASES_READ)
@blp.response(200, CheckInSchema(many=True))
@blp.alt_response(404, description="Unknown, or outside the caller's scope")
@blp.paginate()
def list_checkins(case_id: uuid.UUID, pagination_parameters: Any) -> Any:
    """The case's check-ins, planned and recorded, by date."""
    case = case_in_scope(current_user, case_id)
    query = (select(CheckIn).where(CheckIn.case_id == case.id)
             .order_by(func.coalesce(CheckIn.due_at, CheckIn.recorded_at), CheckIn.id))
    return paginate(query, pagination_parameters)
