from __future__ import annotations

from datetime import date

from marshmallow import Schema, fields, validate

from app.residents.duplicates import open_flags_of
from app.validation import InputSchema, Phone, Text, choice, row_id


class ResidentCreateSchema(InputSchema):
    dwelling_id = fields.Integer(required=True, strict=True, validate=row_id())
    display_name = Text(required=True, min_length=1, max_length=120)
    birth_year = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=1900, max=date.today().year),
    )
    phone = Phone(allow_none=True)
    languages = fields.List(
        Text(max_length=40, min_length=2), validate=validate.Length(max=10), load_default=list
    )


class ResidentSchema(Schema):
    id = fields.UUID()
    dwelling_id = fields.Integer()
    address = fields.Function(lambda r: r.dwelling.address)
    building_id = fields.Function(lambda r: r.dwelling.building_id)
    display_name = fields.String()
    birth_year = fields.Integer(allow_none=True)
    phone = fields.String(allow_none=True)
    languages = fields.List(fields.String())
    created_at = fields.DateTime()
    anonymised = fields.Function(lambda r: r.anonymised_at is not None)
    possible_duplicate_of = fields.Function(
        lambda r: [str(other) for other in open_flags_of([r.id]).get(r.id, [])],
        metadata={"description": "Residents of the same dwelling with a similar name this "
                                 "registration is flagged against, until the coach merges "
                                 "them or keeps them apart."})


class PossibleDuplicateSchema(Schema):
    id = fields.Integer()
    dwelling_id = fields.Integer()
    state = fields.String(metadata={"description": "open, merged or kept"})
    resident_id = fields.UUID(allow_none=True, metadata={
        "description": "The newer registration; null once merged into the existing one."})
    resident_name = fields.Function(
        lambda f: f.resident.display_name if f.resident is not None else None)
    existing_resident_id = fields.UUID()
    existing_resident_name = fields.Function(lambda f: f.existing_resident.display_name)
    flagged_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    resolved_by_id = fields.Integer(allow_none=True)


class DuplicateQuerySchema(InputSchema):
    building_id = fields.Integer(validate=row_id())


DECISIONS = ("merge", "keep")


class DuplicateDecisionSchema(InputSchema):
    decision = fields.String(required=True, validate=choice(DECISIONS), metadata={
        "description": "merge: one person, the newer registration's visits move to the "
                       "existing resident and it goes; keep: two people."})
