from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates

from app.validation import InputSchema, Text, choice, row_id
from policies import REGISTER, SAFETY_BASES, DataCategory
from workflows.handover import HANDOVER_STATES

CATEGORY_VALUES = [c.value for c in DataCategory]


class HandoverCreateSchema(InputSchema):
    organization_id = fields.Integer(required=True, strict=True, validate=row_id())
    purpose = fields.String(required=True, validate=choice(sorted(REGISTER)))
    data_categories = fields.List(fields.String(validate=choice(CATEGORY_VALUES)), required=True,
                                  validate=validate.Length(min=1, max=len(CATEGORY_VALUES)))
    consent_id = fields.UUID(allow_none=True)
    note = Text(max_length=2000, load_default="")
    service_id = fields.UUID(allow_none=True, metadata={
        "description": "The service of the organisation it is offered to, from the sociale "
                       "kaart (GET /api/v1/directory/services)"})
    location_id = fields.UUID(allow_none=True, metadata={
        "description": "Where that service is offered (one of the service's locations)"})

    @validates("data_categories")
    def _unique(self, value: list[str], **_kwargs: object) -> None:
        if len(set(value)) != len(value):
            raise ValidationError(_("Name each category once."))


class ReofferSchema(InputSchema):
    organization_id = fields.Integer(required=True, strict=True, validate=row_id(),
                                     metadata={"description": "The organisation to offer it to "
                                               "now (another than the first)."})


class HandoverQuerySchema(InputSchema):
    state = fields.String(validate=choice(HANDOVER_STATES))


class SafetyDisclosureInputSchema(InputSchema):
    justification = Text(required=True, min_length=40, max_length=4000)
    legal_basis = fields.String(required=True,
                                validate=choice(SAFETY_BASES))

    @validates("justification")
    def _substantive(self, value: str, **_kwargs: object) -> None:
        if len(set(value.lower().split())) < 6:
            raise ValidationError(_("Explain in your own words why sharing without consent is "
                                  "needed (at least a few sentences)."))


class SafetyDisclosureSchema(Schema):
    id = fields.UUID()
    handover_id = fields.UUID()
    justification = fields.String()
    legal_basis = fields.String()
    created_by_id = fields.Integer()
    created_at = fields.DateTime()
    review_status = fields.String()
    reviewed_by_id = fields.Integer(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    finding = fields.String(allow_none=True)


class HandoverSchema(Schema):
    """The handover itself; resident data appears only in `resident` (released categories)."""

    id = fields.UUID()
    case_id = fields.UUID(allow_none=True)
    state = fields.String()
    version = fields.Integer()
    allowed_triggers = fields.List(fields.String())
    organization_id = fields.Integer()
    organization = fields.String()
    purpose = fields.String()
    data_categories = fields.List(fields.String())
    consent_id = fields.UUID(allow_none=True)
    note = fields.String()
    created_at = fields.DateTime()
    offered_at = fields.DateTime(allow_none=True)
    response_due_at = fields.DateTime(allow_none=True)
    accepted_by_id = fields.Integer(allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)
    intro_at = fields.DateTime(allow_none=True)
    intro_place = fields.String(allow_none=True)
    intro_held_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    ended_reason = fields.String(allow_none=True)
    decline_reason = fields.String(allow_none=True, metadata={
        "description": "Why the receiving organisation declined (one of the decline reasons "
                       "of `GET /api/v1/workflows/handover`); `ended_reason` explains."})
    declined_at = fields.DateTime(allow_none=True)
    reoffered_from_id = fields.UUID(allow_none=True, metadata={
        "description": "The declined or withdrawn handover this one offers elsewhere."})
    service_id = fields.UUID(allow_none=True)
    location_id = fields.UUID(allow_none=True)
    service = fields.String(allow_none=True, metadata={
        "description": "The service offered to and where, in a few words"})
    released_categories = fields.List(fields.String())
    resident = fields.Dict(allow_none=True)
    access = fields.Dict()

    VIEW_FIELDS = ("id", "state", "version", "organization_id", "purpose", "data_categories",
                   "consent_id", "note", "created_at", "offered_at", "response_due_at",
                   "accepted_by_id", "accepted_at", "intro_at", "intro_place", "intro_held_at",
                   "completed_at", "ended_reason", "decline_reason", "declined_at",
                   "reoffered_from_id", "service_id", "location_id")


class HandoverListItemSchema(Schema):
    id = fields.UUID()
    state = fields.String()
    version = fields.Integer()
    organization_id = fields.Integer()
    organization = fields.Function(lambda h: h.organization.name)
    purpose = fields.String()
    data_categories = fields.List(fields.String())
    offered_at = fields.DateTime(allow_none=True)
    response_due_at = fields.DateTime(allow_none=True)
    intro_at = fields.DateTime(allow_none=True)
    service_id = fields.UUID(allow_none=True)
    service = fields.String(attribute="service_label", allow_none=True)
