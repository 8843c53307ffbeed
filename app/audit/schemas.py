from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.validation import Code, InputSchema, PlausibleDateTime, Text, row_id


class ProcessingLogQuerySchema(InputSchema):
    resident_id = fields.UUID()
    action = Code()
    decision = fields.String(validate=validate.OneOf(["allowed", "denied"]))
    from_ = PlausibleDateTime(data_key="from")
    to = PlausibleDateTime()


class AuditEventQuerySchema(InputSchema):
    event_type = Code(max_length=60)
    object_type = Code(max_length=30)
    object_id = Text(max_length=64)
    actor_id = fields.Integer(validate=row_id())
    from_ = PlausibleDateTime(data_key="from")
    to = PlausibleDateTime()


class ProcessingLogEntrySchema(Schema):
    seq = fields.Integer()
    occurred_at = fields.DateTime()
    action = fields.String()
    processing_activity = fields.String()
    legal_basis = fields.String(allow_none=True)
    decision = fields.String()
    data_subject_id = fields.String(allow_none=True)
    categories = fields.List(fields.String())
    consent_id = fields.String(allow_none=True)
    safety_disclosure_id = fields.String(allow_none=True)
    actor_id = fields.Integer(allow_none=True)
    actor_role = fields.String(allow_none=True)
    actor_organization_id = fields.Integer(allow_none=True)
    recipient_organization_id = fields.Integer(allow_none=True)
    object_type = fields.String(allow_none=True)
    object_id = fields.String(allow_none=True)
    confidentiality = fields.String()
    retention_days = fields.Integer()
    reasons = fields.List(fields.String())
    request_id = fields.String(allow_none=True)
    hash = fields.String()


class AuditEventSchema(Schema):
    seq = fields.Integer()
    occurred_at = fields.DateTime()
    event_type = fields.String()
    actor_id = fields.Integer(allow_none=True)
    actor_role = fields.String(allow_none=True)
    object_type = fields.String(allow_none=True)
    object_id = fields.String(allow_none=True)
    trigger = fields.String(allow_none=True)
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    details = fields.Dict()
    arguments = fields.Dict(metadata={"description": "Transition arguments, with free text "
                                      "(reason, place) from its erasable note"})
    request_id = fields.String(allow_none=True)
    hash = fields.String()


class VerifyResultSchema(Schema):
    log = fields.String()
    valid = fields.Boolean()
    entries = fields.Integer()
    first_invalid = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)


class VerifySchema(Schema):
    valid = fields.Boolean()
    logs = fields.List(fields.Nested(VerifyResultSchema))


class ReviewConcludeSchema(InputSchema):
    justified = fields.Boolean(required=True)
    finding = Text(required=True, min_length=10, max_length=4000)


class ReviewQuerySchema(InputSchema):
    status = fields.String(validate=validate.OneOf(["pending", "justified", "unjustified"]),
                           load_default="pending")
