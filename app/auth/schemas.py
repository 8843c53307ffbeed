from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.validation import InputSchema, Phone, Secret


class TokenRequestSchema(InputSchema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = Secret(required=True, validate=validate.Length(min=1, max=1024))


class StaffContactSchema(InputSchema):
    """A user's work phone number, as the coordinator types it: a Dutch number or nothing."""

    phone = Phone(allow_none=True, load_default=None)


class OrganizationRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()


class UserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    organization = fields.Nested(OrganizationRefSchema, allow_none=True)
    phone = fields.String(allow_none=True)


class TokenResponseSchema(Schema):
    token = fields.String()
    expires_at = fields.DateTime()
    user = fields.Nested(UserSchema)
