from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.validation import Code, InputSchema, PlausibleDateTime, Text, row_id
from policies import ReviewStatus


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


class CheckpointSchema(Schema):
    chain = fields.String()
    entries = fields.Integer()
    head = fields.String()
    time = fields.String(metadata={"description": "UTC, ISO 8601"})
    key_id = fields.String()
    signature = fields.String(metadata={"description": "Ed25519, base64"})


class CheckpointReportSchema(Schema):
    file = fields.String()
    checked = fields.Integer()
    valid = fields.Boolean()
    problems = fields.List(fields.String(), metadata={
        "description": "Each checkpoint the logs no longer extend, named"})
    latest = fields.List(fields.Nested(CheckpointSchema),
                         metadata={"description": "The latest checkpoint of each log"})


class VerifySchema(Schema):
    valid = fields.Boolean()
    logs = fields.List(fields.Nested(VerifyResultSchema))
    checkpoints = fields.Nested(CheckpointReportSchema, allow_none=True, metadata={
        "description": "Signed checkpoints outside the database (null where none are kept)"})


class ReviewConcludeSchema(InputSchema):
    justified = fields.Boolean(required=True)
    finding = Text(required=True, min_length=10, max_length=4000)


class ReviewQuerySchema(InputSchema):
    status = fields.String(validate=validate.OneOf([str(s) for s in ReviewStatus]),
                           load_default=str(ReviewStatus.PENDING))


class LdvQuerySchema(InputSchema):
    from_ = PlausibleDateTime(data_key="from", metadata={
        "description": "Entries at or after this moment (default: the log's start)"})
    to = PlausibleDateTime(metadata={"description": "Entries before this moment (default: now)"})


class OtlpKeyValueSchema(Schema):
    key = fields.String()
    value = fields.Dict(metadata={"description": "An OTLP AnyValue: stringValue, intValue "
                                  "(decimal text) or arrayValue"})


class OtlpStatusSchema(Schema):
    code = fields.Integer(metadata={"description": "0 Unset (denied, nothing disclosed), 1 Ok"})


class OtlpSpanSchema(Schema):
    traceId = fields.String(metadata={"description": "W3C trace id, 32 hex digits"})
    spanId = fields.String(metadata={"description": "16 hex digits of the entry's hash"})
    name = fields.String(metadata={"description": "The processing action"})
    kind = fields.Integer()
    startTimeUnixNano = fields.String()
    endTimeUnixNano = fields.String()
    attributes = fields.List(fields.Nested(OtlpKeyValueSchema), metadata={
        "description": "dpl.core.processing_activity_id, dpl.core.data_subject_id, "
                       "dpl.core.data_subject_id_type, and Buurtpad's own buurtpad.*"})
    status = fields.Nested(OtlpStatusSchema)


class OtlpScopeSpansSchema(Schema):
    scope = fields.Dict()
    spans = fields.List(fields.Nested(OtlpSpanSchema))


class OtlpResourceSpansSchema(Schema):
    resource = fields.Dict()
    scopeSpans = fields.List(fields.Nested(OtlpScopeSpansSchema))


class LdvExportSchema(Schema):
    """OTLP JSON (ExportTraceServiceRequest): Logboek Dataverwerkingen records."""

    resourceSpans = fields.List(fields.Nested(OtlpResourceSpansSchema))
