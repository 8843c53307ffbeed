"""Input schemas shared by the features that have a workflow."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates

from app.validation import Code, InputSchema, PlausibleDateTime, Text


class TransitionRequestSchema(InputSchema):
    """`{trigger, version, ...arguments}`: the arguments a transition may ask for."""

    trigger = Code(required=True)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    reason = Text(max_length=1000)
    outcome = Code()
    decline_reason = Code(max_length=30)
    method = Code(max_length=20)
    notice_version = Text(min_length=1, max_length=40)
    intro_at = PlausibleDateTime()
    place = Text(max_length=200)

    @validates("intro_at")
    def _aware(self, value: object, **_kwargs: object) -> None:
        if value is not None and getattr(value, "tzinfo", None) is None:
            raise ValidationError("Give a date and time with a timezone offset.")


def transition_arguments(data: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in data.items() if k not in ("trigger", "version")}
