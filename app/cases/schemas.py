from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.cases.checkins import contact_ended_for_answer
from app.cases.models import HELP_THEMES, Urgency
from app.db import utcnow
from app.lifecycle.firing import triggers_for
from app.validation import InputSchema, Text, choice
from workflows.case import CASE_STATES, CHECKIN_OUTCOMES
from workflows.timers import checkin_on_time


class CaseCreateSchema(InputSchema):
    resident_id = fields.UUID(required=True)


class CaseQuerySchema(InputSchema):
    state = fields.String(validate=choice(CASE_STATES))


class HelpQuestionInputSchema(InputSchema):
    text = Text(required=True, min_length=3, max_length=4000)
    themes = fields.List(fields.String(validate=choice(HELP_THEMES)), required=True,
                         validate=validate.Length(min=1, max=len(HELP_THEMES)))
    urgency = fields.String(validate=choice([u.value for u in Urgency]), load_default="normal")


class CaseNotesSchema(InputSchema):
    household_size = fields.Integer(strict=True, allow_none=True,
                                    validate=validate.Range(min=1, max=20))
    household_notes = Text(max_length=4000)
    living_situation_notes = Text(max_length=4000)
    finances_notes = Text(max_length=4000)
    health_notes = Text(max_length=4000)
    safety_notes = Text(max_length=4000)
    coach_notes = Text(max_length=4000)
    version = fields.Integer(required=True, strict=True)


class CheckInInputSchema(InputSchema):
    outcome = fields.String(required=True, validate=choice(CHECKIN_OUTCOMES), metadata={
        "description": "going_well, new_question (the case goes back to exploring), "
                       "not_reached, or no_more_contact (ends the check-ins of the case)."})
    note = Text(max_length=2000, load_default="")


class CheckInSchema(Schema):
    """A check-in: planned (`due_at`) and, once the coach looked in, what came of it."""

    id = fields.UUID()
    case_id = fields.UUID()
    status = fields.Function(lambda c: c.status(utcnow()), metadata={
        "description": "planned, due (its date has come), done, or ended (it will not take "
                       "place: the case left support, no more contact, or a later one was "
                       "recorded)."})
    due_at = fields.DateTime(allow_none=True)
    notified_at = fields.DateTime(allow_none=True)
    recorded_at = fields.DateTime(allow_none=True)
    recorded_by_id = fields.Integer(allow_none=True)
    outcome = fields.String(allow_none=True)
    note = fields.String()
    on_time = fields.Function(
        lambda c: checkin_on_time(c.due_at, c.recorded_at)
        if c.due_at is not None and c.recorded_at is not None else None,
        metadata={"description": "Recorded no later than 14 days after its due date; null "
                                 "when not done or not planned."})
    ended_at = fields.DateTime(allow_none=True)


class HelpQuestionSchema(Schema):
    text = fields.String()
    themes = fields.List(fields.String())
    urgency = fields.String()
    updated_at = fields.DateTime()


class HandoverSummarySchema(Schema):
    id = fields.UUID()
    state = fields.String()
    organization_id = fields.Integer()
    organization = fields.Function(lambda h: h.organization.name)
    purpose = fields.String()
    data_categories = fields.List(fields.String())
    offered_at = fields.DateTime(allow_none=True)


class CaseSchema(Schema):
    id = fields.UUID()
    resident_id = fields.UUID()
    resident_name = fields.Function(lambda c: c.resident.display_name)
    coach_id = fields.Integer()
    state = fields.String()
    paused_from = fields.String(allow_none=True)
    version = fields.Integer()
    allowed_triggers = fields.Function(lambda c: triggers_for(c, current_user))
    outcome = fields.String(allow_none=True)
    opened_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    help_question = fields.Nested(HelpQuestionSchema, allow_none=True)
    handovers = fields.List(fields.Nested(HandoverSummarySchema))
    no_more_contact = fields.Function(contact_ended_for_answer, metadata={
        "description": "The resident wants no more check-ins on this case."})
    household_size = fields.Integer(allow_none=True)
    household_notes = fields.String()
    living_situation_notes = fields.String()
    finances_notes = fields.String()
    health_notes = fields.String()
    safety_notes = fields.String()
    coach_notes = fields.String()


class CaseListItemSchema(Schema):
    id = fields.UUID()
    resident_id = fields.UUID()
    resident_name = fields.Function(lambda c: c.resident.display_name)
    state = fields.String()
    version = fields.Integer()
    opened_at = fields.DateTime()
