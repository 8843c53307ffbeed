"""The sync batch: recordings made at the door, each loaded on its own (one invalid recording
is refused alone, the others are applied), and the answer per recording."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.residents.schemas import ResidentCreateSchema
from app.sync.models import SyncKind
from app.sync.rules import MAX_ITEMS
from app.validation import InputSchema, PlausibleDateTime, choice, row_id
from app.visits.schemas import VisitCreateSchema


class SyncVisitSchema(VisitCreateSchema):
    """A visit as `POST /api/v1/visits` takes it, without opening a case (online only); the
    resident talked with is a known one (`resident_id`) or one registered by an earlier
    recording of the same phone (`resident_client_id`)."""

    open_case = fields.Boolean(load_default=False, validate=validate.Equal(
        False, error=_l("A case can only be opened online.")), metadata={
        "description": "Always false: opening a case is online only."})
    resident_client_id = fields.UUID(
        allow_none=True,
        metadata={"description": "The client id of the recording that registered the "
                                 "resident talked with (a new resident at this door)."})

    @validates_schema
    def _one_resident(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        if data.get("resident_id") is not None and data.get("resident_client_id") is not None:
            raise ValidationError(str(_l("Name a known resident or a new one, not both.")),
                                  "resident_client_id")


PAYLOADS = {SyncKind.VISIT: "visit", SyncKind.RESIDENT: "resident"}


class SyncItemSchema(InputSchema):
    """One recording made at the door."""

    client_id = fields.UUID(required=True, metadata={
        "description": "Made on the phone when recording (UUID): the idempotency key."})
    kind = fields.String(required=True, validate=choice([kind.value for kind in SyncKind]))
    recorded_at = PlausibleDateTime(required=True, metadata={
        "description": "The time at the door, with a UTC offset; orders the door's latest "
                       "answers."})
    recorded_by = fields.Integer(required=True, strict=True, validate=row_id(), metadata={
        "description": "The id of the user who recorded it; must be the caller."})
    visit = fields.Nested(SyncVisitSchema, metadata={"description": "When kind is visit."})
    resident = fields.Nested(ResidentCreateSchema,
                             metadata={"description": "When kind is resident."})

    @validates_schema
    def _payload_of_kind(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        kind = data.get("kind")
        if kind not in PAYLOADS.values():
            return
        other = next(name for name in PAYLOADS.values() if name != kind)
        if data.get(kind) is None:
            raise ValidationError(str(_l("Missing data for required field.")), kind)
        if other in data:
            raise ValidationError(str(_l("Send the data of the recording's kind only.")),
                                  other)


class RecordingField(fields.Nested):
    """A recording in the batch, published as `SyncItem`; `apply_batch` loads each one on its
    own, so the batch only checks that it is an object."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, Mapping):
            raise ValidationError(str(_l("Send each recording as an object.")))
        return dict(value)


class SyncBatchSchema(InputSchema):
    items = fields.List(RecordingField(SyncItemSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_ITEMS),
                        metadata={"description": "Recordings in any order; they are applied "
                                                 "in the order recorded at the door."})


class SyncResultSchema(Schema):
    client_id = fields.UUID(allow_none=True)
    status = fields.String(metadata={"description": "applied, already_applied or refused"})
    message = fields.String(allow_none=True, metadata={
        "description": "Why it was refused, or what the coach should look at."})
    errors = fields.Dict(metadata={"description": "Per field, when the input was invalid."})
    object_type = fields.String(allow_none=True, metadata={"description": "visit or resident"})
    object_id = fields.UUID(allow_none=True)
    possible_duplicate_of = fields.List(fields.UUID(), metadata={
        "description": "A new resident: the residents of the door with a similar name it is "
                       "flagged against (for the coach to merge or keep apart)."})


class SyncAnswerSchema(Schema):
    results = fields.List(fields.Nested(SyncResultSchema),
                          metadata={"description": "One per recording, in the order sent."})
    applied = fields.Integer()
    already_applied = fields.Integer()
    refused = fields.Integer()
