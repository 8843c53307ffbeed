from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.validation import row_id


class ProcessingLogQuerySchema(Schema):
    resident_id = fields.UUID()
    action = fields.String(validate=validate.Length(max=40))
    decision = fields.String(validate=validate.OneOf(["allowed", "denied"]))
    from_ = fields.AwareDateTime(data_key="from")
    to = fields.AwareDateTime()


class AuditEventQuerySchema(Schema):
    event_type = fields.String(validate=validate.Length(max=60))
    object_type = fields.String(validate=validate.Length(max=30))
    object_id = fields.String(validate=validate.Length(max=64))
    actor_id = fields.Integer(validate=row_id())
    from_ = fields.AwareDateTime(data_key="from")
    to = fields.AwareDateTime()


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


class ReviewConcludeSchema(Schema):
    justified = fields.Boolean(required=True)
    finding = fields.String(required=True, validate=validate.Length(min=10, max=4000))


class ReviewQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(["pending", "justified", "unjustified"]),
                           load_default="pending")
