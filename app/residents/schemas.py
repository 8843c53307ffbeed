from __future__ import annotations

from datetime import date

from marshmallow import Schema, fields, validate

from app.validation import InputSchema, Phone, Text, row_id


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
