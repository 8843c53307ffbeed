"""Input schemas shared by the features that have a workflow."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates

from app.validation import Text


class TransitionRequestSchema(Schema):
    """`{trigger, version, ...arguments}`: the arguments a transition may ask for."""

    trigger = fields.String(required=True, validate=validate.Length(min=1, max=40))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    reason = Text(max_length=1000)
    outcome = fields.String(validate=validate.Length(max=40))
    method = fields.String(validate=validate.Length(max=20))
    notice_version = fields.String(validate=validate.Length(min=1, max=40))
    intro_at = fields.AwareDateTime(default_timezone=None)
    place = Text(max_length=200)

    @validates("intro_at")
    def _aware(self, value: object, **_kwargs: object) -> None:
        if value is not None and getattr(value, "tzinfo", None) is None:
            raise ValidationError("Give a date and time with a timezone offset.")


def transition_arguments(data: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in data.items() if k not in ("trigger", "version")}
