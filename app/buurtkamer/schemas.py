from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from app.buurtkamer.models import ACTIVITY_THEMES
from app.buurtkamer.operations import start_outside_window
from app.validation import InputSchema, PlausibleDate, PlausibleDateTime, Text, choice, row_id

MAX_PARTICIPANTS = 500


def _title(**kwargs: Any) -> Text:
    return Text(max_length=200, validate=[validate.Length(
        min=2, error=_l("Give a title of at least 2 characters."))], **kwargs)


def _place(**kwargs: Any) -> Text:
    return Text(max_length=200, validate=[validate.Length(
        min=2, error=_l("Say where it takes place (at least 2 characters)."))], **kwargs)


class ActivityCreateSchema(InputSchema):
    building_id = fields.Integer(required=True, strict=True, validate=row_id())
    title = _title(required=True)
    theme = fields.String(required=True, validate=choice(ACTIVITY_THEMES))
    starts_at = PlausibleDateTime(required=True)
    place = _place(required=True)
    # Absent: the coach planning it organises it. null: residents organise it on their own.
    organising_coach_id = fields.Integer(strict=True, allow_none=True, validate=row_id())

    @validates("starts_at")
    def _window(self, value: Any, **_kwargs: object) -> None:
        if problem := start_outside_window(value):
            raise ValidationError(problem)


class ActivityUpdateSchema(InputSchema):
    """What a PATCH may change; at least one of them."""

    title = _title()
    theme = fields.String(validate=choice(ACTIVITY_THEMES))
    starts_at = PlausibleDateTime(metadata={
        "description": "a new start lies at most a year ahead and at most a month back"})
    place = _place()
    organising_coach_id = fields.Integer(strict=True, allow_none=True, validate=row_id())
    cancelled = fields.Boolean(metadata={"description": "true cancels the activity"})
    participant_count = fields.Integer(
        strict=True, validate=validate.Range(
            min=0, max=MAX_PARTICIPANTS,
            error=_l("Give a number of people between {min} and {max}.")),
        metadata={"description": "how many people came (a number, never names); once the "
                                 "activity has started"})

    @validates_schema
    def _something(self, data: dict[str, Any], **_kwargs: object) -> None:
        if not data:
            raise ValidationError(_("Nothing to change: send at least one field."))
        if data.get("cancelled") is False:
            raise ValidationError(_("A cancelled activity cannot be restored; plan a new "
                                    "one. Send cancelled: true to cancel."), "cancelled")


class ActivityQuerySchema(InputSchema):
    building_id = fields.Integer(validate=row_id())
    start = PlausibleDate(data_key="from", metadata={
        "description": "first day (YYYY-MM-DD, Dutch time), inclusive"})
    end = PlausibleDate(data_key="to", metadata={
        "description": "last day (YYYY-MM-DD, Dutch time), inclusive"})
    order = fields.String(load_default="upcoming", validate=choice(("upcoming", "date")),
                          metadata={"description": "upcoming: those still to come first "
                                    "(soonest first), then the past (latest first); date: "
                                    "chronological"})

    @validates_schema
    def _range(self, data: dict[str, Any], **_kwargs: object) -> None:
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None and start > end:
            raise ValidationError(_("'from' lies after 'to'."), "from")


class OrganiserCreateSchema(InputSchema):
    resident_id = fields.UUID(required=True)
    consent_id = fields.UUID(required=True, metadata={
        "description": "a consent of the resident: purpose resident_connection, recipient the "
                       "organisation running the activity, categories including identity, "
                       "given and valid"})


class NamedOrganiserSchema(Schema):
    """An organiser as the caller may see them: the name only while their consent allows it
    (otherwise "a resident"); who it is and the consent only for the managing coaches."""

    named = fields.Boolean()
    name = fields.String()
    resident_id = fields.UUID(allow_none=True)
    consent_id = fields.UUID(allow_none=True)
    consent_state = fields.String(allow_none=True)
    consent_valid = fields.Boolean(allow_none=True)


class OrganiserSchema(NamedOrganiserSchema):
    activity_id = fields.Integer()


class ActivitySchema(Schema):
    id = fields.Integer()
    building_id = fields.Integer()
    building = fields.String()
    title = fields.String()
    theme = fields.String()
    starts_at = fields.DateTime()
    place = fields.String()
    status = fields.String(metadata={"description": "upcoming, past or cancelled"})
    organising_coach_id = fields.Integer(allow_none=True)
    organising_coach = fields.String(allow_none=True)
    organization = fields.String(allow_none=True, metadata={
        "description": "the organisation running the activity"})
    participant_count = fields.Integer(allow_none=True)
    created_by_id = fields.Integer()
    created_at = fields.DateTime()
    cancelled_at = fields.DateTime(allow_none=True)
    organisers = fields.List(fields.Nested(NamedOrganiserSchema))
    funding_stream_ids = fields.List(fields.Integer(), metadata={
        "description": "the funding streams that pay for it (a coordinator tags them: "
                       "PATCH /api/v1/funding-streams/{id} with activity_ids)"})
