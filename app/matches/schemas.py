from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.db import utcnow
from app.validation import Code, InputSchema, Text, choice, row_id
from app.visits.schemas import OFFER_KINDS
from workflows.match import MATCH_STATES


class MatchCreateSchema(InputSchema):
    offering_resident_id = fields.UUID(required=True)
    seeking_resident_id = fields.UUID(required=True)
    offer = fields.String(required=True, validate=choice(OFFER_KINDS))

    @validates_schema
    def _two_residents(self, data: dict[str, Any], **_kwargs: object) -> None:
        if data.get("offering_resident_id") == data.get("seeking_resident_id"):
            raise ValidationError(_("A resident cannot be matched with themselves."),
                                  field_name="seeking_resident_id")


class MatchQuerySchema(InputSchema):
    state = fields.String(validate=choice(MATCH_STATES))
    resident_id = fields.UUID()


class SuggestionQuerySchema(InputSchema):
    building_id = fields.Integer(validate=row_id())


class MatchTransitionSchema(InputSchema):
    """`{trigger, version, reason?}`: a match's transitions ask for a reason at most."""

    trigger = Code(required=True)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    reason = Text(max_length=1000)


class MatchResidentSchema(Schema):
    """A resident as their coach sees them in a match or suggestion."""

    id = fields.UUID()
    display_name = fields.String()
    building_id = fields.Function(lambda r: r.dwelling.building_id)
    building = fields.Function(lambda r: r.dwelling.building.name)


class SuggestionSchema(Schema):
    offer = fields.String()
    same_building = fields.Boolean()
    offering_resident = fields.Nested(MatchResidentSchema, attribute="offering")
    seeking_resident = fields.Nested(MatchResidentSchema, attribute="seeking")


class MatchConsentSchema(Schema):
    """One resident's consent to share their name and phone number with the other; give or
    refuse it through `POST /api/v1/consents/{id}/transitions`."""

    id = fields.UUID()
    resident_id = fields.UUID()
    recipient_resident_id = fields.UUID()
    state = fields.String()
    version = fields.Integer()
    valid = fields.Function(lambda c: c.is_valid_at(utcnow()))
    valid_until = fields.DateTime()


class ResidentCardSchema(Schema):
    display_name = fields.String()
    phone = fields.String(allow_none=True)


class ContactCardSchema(Schema):
    offering_resident = fields.Nested(ResidentCardSchema)
    seeking_resident = fields.Nested(ResidentCardSchema)


class MatchListItemSchema(Schema):
    id = fields.UUID()
    state = fields.String()
    version = fields.Integer()
    offer = fields.String()
    offering_resident = fields.Nested(MatchResidentSchema)
    seeking_resident = fields.Nested(MatchResidentSchema)
    created_at = fields.DateTime()
    agreed_at = fields.DateTime(allow_none=True)
    met_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)


class MatchSchema(MatchListItemSchema):
    """A match; `contact_card` is there only while both residents' consents allow it."""

    allowed_triggers = fields.List(fields.String())
    offering_consent_id = fields.UUID()
    seeking_consent_id = fields.UUID()
    offering_consent = fields.Nested(MatchConsentSchema)
    seeking_consent = fields.Nested(MatchConsentSchema)
    proposed_by_id = fields.Integer()
    contact_card = fields.Nested(ContactCardSchema, allow_none=True)
