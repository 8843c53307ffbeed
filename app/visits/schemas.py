from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.cases.models import HELP_THEMES
from app.validation import InputSchema, Text, choice, row_id
from app.visits.models import VisitOutcome

HOUSEHOLD_SIZE_MAX = 20

OFFER_KINDS = (
    "cooking",
    "language_practice",
    "odd_jobs",
    "childcare",
    "company",
    "gardening",
    "technology",
    "transport",
    "translation",
    "administration_help",
    "organising_activities",
    "other",
)


class VisitCreateSchema(InputSchema):
    dwelling_id = fields.Integer(required=True, strict=True, validate=row_id())
    outcome = fields.String(required=True, validate=choice([o.value for o in VisitOutcome]))
    themes = fields.List(fields.String(validate=choice(HELP_THEMES)),
                         validate=validate.Length(max=len(HELP_THEMES)), load_default=list)
    offers = fields.List(fields.String(validate=choice(OFFER_KINDS)),
                         validate=validate.Length(max=len(OFFER_KINDS)), load_default=list)
    wishes = fields.List(fields.String(validate=choice(OFFER_KINDS)),
                         validate=validate.Length(max=len(OFFER_KINDS)), load_default=list)
    willingness = fields.Integer(strict=True, allow_none=True, validate=validate.Range(0, 3))
    household_size = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(1, HOUSEHOLD_SIZE_MAX),
        metadata={"description": "How many people live at the dwelling, as told at the door; "
                                 "becomes the dwelling's household size."})
    notes = Text(max_length=4000, load_default="")
    resident_id = fields.UUID(allow_none=True)
    open_case = fields.Boolean(load_default=False)


class VisitSchema(Schema):
    id = fields.UUID()
    dwelling_id = fields.Integer()
    building_id = fields.Function(lambda v: v.dwelling.building_id)
    floor = fields.Function(lambda v: v.dwelling.floor)
    coach_id = fields.Integer()
    resident_id = fields.UUID(allow_none=True)
    case_id = fields.UUID(allow_none=True)
    visited_at = fields.DateTime()
    outcome = fields.String()
    themes = fields.List(fields.String())
    offers = fields.List(fields.String())
    wishes = fields.List(fields.String())
    willingness = fields.Integer(allow_none=True)
    household_size = fields.Integer(allow_none=True)
    notes = fields.String()


class VisitQuerySchema(InputSchema):
    building_id = fields.Integer(validate=row_id())
